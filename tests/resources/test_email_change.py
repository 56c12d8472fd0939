"""E-mail changes: password to ask, a code mailed to the new address to confirm (audit 11.2).

The two attacks of the audit are replayed through the HTTP API first; both used to work.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from dao.email_changes import MAX_ATTEMPTS
from models import EmailChange, ForgotPassword, User
from tests.factories import PASSWORD

NEW = "alice.new@example.com"
CHANGE = "/v2/users/alice/email"
CONFIRM = "/v2/users/alice/email/confirmation"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
CONFIRM_SUBJECT = "Confirm your new Splits e-mail address"
CHANGED_SUBJECT = "Your Splits e-mail address was changed"


def profile(email, **overrides):
    return {"first": "Alice", "last": "Ames", "email": email, **overrides}


def ask(client, headers, email=NEW, password=PASSWORD, path=CHANGE):
    return client.simulate_post(path, json={"email": email, "password": password}, headers=headers)


def confirm(client, headers, code, path=CONFIRM):
    return client.simulate_post(path, json={"code": code}, headers=headers)


def token_for(client, identifier, password=PASSWORD):
    return client.simulate_post(
        "/v2/auth/token", json={"username": identifier, "password": password}
    )


def actions(body):
    return {(link["method"], link["href"]) for link in body["links"] if link["method"] != "GET"}


def patch(client, headers, media_type, document):
    return client.simulate_patch(
        "/v2/users/alice",
        body=json.dumps(document),
        headers={**headers, "Content-Type": media_type},
    )


def assert_points_to_the_change_endpoint(result, username="alice"):
    assert result.status_code == 400, result.json
    assert result.headers["content-type"] == "application/problem+json"
    assert f"/v2/users/{username}/email" in result.json["detail"]
    assert result.json["errors"] == [
        {"path": "/email", "message": "differs from your e-mail address"}
    ]
    assert ("POST", f"/v2/users/{username}/email") in {
        (link["method"], link["href"]) for link in result.json["links"]
    }


# -- the attacks of the audit -------------------------------------------------------------------


def test_invitation_hijack_is_refused_at_every_step(mail_client, club, mailbox, make, login):
    """A user of another team could take an invitee's e-mail, see the code, and register with it."""
    client = mail_client
    make.user("mallory")
    make.team_member("hilltop", "mallory")
    make.group_member(club.hill, "mallory")
    mallory = login("mallory")
    invited = client.simulate_post(
        "/v2/activation_code",
        json={"email": "newbie@example.com", "group_id": club.varsity.id},
        headers=club["coach"],
    )
    assert invited.status_code == 201
    code = mailbox.code_for("newbie@example.com", r"activation code: ([A-Z0-9]{8})")

    # 1. Take the invitee's address: PUT and both PATCH forms are refused, with a pointer.
    taken = client.simulate_put(
        "/v2/users/mallory",
        json={"first": "M", "last": "X", "email": "newbie@example.com"},
        headers=mallory,
    )
    assert_points_to_the_change_endpoint(taken, "mallory")
    # 2. The change endpoint mails the code to the invitee, not to mallory; guesses fail.
    asked = ask(client, mallory, "newbie@example.com", path="/v2/users/mallory/email")
    assert asked.status_code == 202
    assert [m["Subject"] for m in mailbox.to("newbie@example.com")][-1] == CONFIRM_SUBJECT
    assert mailbox.to("mallory@example.com") == []
    guess = confirm(client, mallory, "AAAAAAAA", path="/v2/users/mallory/email/confirmation")
    assert guess.status_code == 400
    me = client.simulate_get("/v2/users/mallory", headers=mallory).json["user"]
    assert me["email"] == "mallory@example.com"
    # 3. The invitation is invisible to her and cannot be withdrawn by her.
    assert client.simulate_get(f"/v2/activation_code/{code}", headers=mallory).status_code == 404
    assert client.simulate_get("/v2/activation_code", headers=mallory).json["total"] == 0
    for path in (f"/v2/activation_code/soft/{code}", f"/v2/activation_code/{code}"):
        assert client.simulate_delete(path, headers=mallory).status_code == 404
    # 4. A second account cannot use the code for another address.
    body = {
        "username": "mallory2",
        "first": "M",
        "last": "X",
        "password": "a good long password",
        "activation_code": code,
    }
    other = client.simulate_post("/v2/users", json={**body, "email": "mallory2@example.com"})
    assert other.status_code == 400
    # The invitee, who reads the mail, still registers with it.
    real = client.simulate_post(
        "/v2/users", json={**body, "username": "newbie", "email": "newbie@example.com"}
    )
    assert real.status_code == 201, real.json


def test_takeover_with_a_stolen_access_token_is_refused(mail_client, runners, mailbox, db):
    """With alice's access token only, change her e-mail, then have her reset code mailed."""
    client, stolen = mail_client, runners["alice"]
    evil = "attacker@evil.example.com"
    assert_points_to_the_change_endpoint(
        client.simulate_put("/v2/users/alice", json=profile(evil), headers=stolen)
    )
    assert_points_to_the_change_endpoint(patch(client, stolen, MERGE, {"email": evil}))
    assert_points_to_the_change_endpoint(
        patch(client, stolen, JSON_PATCH, [{"op": "replace", "path": "/email", "value": evil}])
    )
    no_password = client.simulate_post(CHANGE, json={"email": evil}, headers=stolen)
    assert no_password.status_code == 400
    wrong = ask(client, stolen, evil, password="a guessed password")
    assert wrong.status_code == 403 and wrong.json["detail"] == "The password is incorrect."
    assert db.get(EmailChange, "alice") is None and mailbox.to(evil) == []
    # The reset code goes to alice's own address, whatever the attacker asks for.
    assert client.simulate_post(f"/v2/forgot_password/{evil}").status_code == 202
    assert client.simulate_post("/v2/forgot_password/alice").status_code == 202
    assert mailbox.to(evil) == []
    assert len(mailbox.to("alice@example.com")) == 1


def test_wrong_passwords_count_as_failed_logins(client, runners, config):
    for _ in range(config.login_max_failures):
        assert ask(client, runners["alice"], password="not the password").status_code == 403
    blocked = ask(client, runners["alice"])  # even the right one, while the lockout lasts
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert token_for(client, "alice").status_code == 429


def test_an_over_long_password_is_400(client, runners):
    result = ask(client, runners["alice"], password="x" * 73)
    assert result.status_code == 400 and result.json["errors"][0]["path"] == "/password"


# -- the way that works -------------------------------------------------------------------------


def test_change_confirm_and_use_the_new_address(mail_client, runners, mailbox, db):
    client, alice = mail_client, runners["alice"]
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert client.simulate_post("/v2/forgot_password/alice").status_code == 202  # to the old one
    asked = ask(client, alice)
    assert asked.status_code == 202, asked.json
    body = asked.json
    assert body["self"] == CHANGE == asked.headers["content-location"]
    assert body["email"] == "alice@example.com" and body["new_email"] == NEW
    assert body["pending"] is True and body["attempts_left"] == MAX_ATTEMPTS
    expires = dt.datetime.fromisoformat(body["expires"].rstrip("Z"))
    assert dt.timedelta(hours=1, minutes=59) < expires - before <= dt.timedelta(hours=2, minutes=1)
    assert {("POST", CONFIRM), ("DELETE", CHANGE)} <= actions(body)
    code = mailbox.code_for(NEW)
    assert code not in asked.text
    row = db.get(EmailChange, "alice")
    assert code not in row.code_hash and len(row.code_hash) == 64  # a digest, never the code

    # Until confirmed, the old address is the one that counts.
    assert client.simulate_get(CHANGE, headers=alice).json["new_email"] == NEW
    assert client.simulate_get("/v2/users/alice", headers=alice).json["user"]["email"] == (
        "alice@example.com"
    )
    assert token_for(client, NEW).status_code == 401
    assert token_for(client, "alice@example.com").status_code == 200
    client.simulate_post(f"/v2/forgot_password/{NEW}")
    assert [m["Subject"] for m in mailbox.to(NEW)] == [CONFIRM_SUBJECT]

    done = confirm(client, alice, code.lower())
    assert done.status_code == 200, done.json
    assert done.json["self"] == "/v2/users/alice" and done.json["updated"] is True
    assert done.json["user"]["email"] == NEW and done.headers["etag"]
    notice = mailbox.to("alice@example.com")[-1]
    assert notice["Subject"] == CHANGED_SUBJECT and NEW in notice.get_content()

    assert token_for(client, NEW).status_code == 200
    assert token_for(client, "alice@example.com").status_code == 401
    after = client.simulate_get(CHANGE, headers=alice).json
    assert after["pending"] is False and after["email"] == NEW and after["new_email"] is None
    assert ("POST", CONFIRM) not in actions(after) and ("POST", CHANGE) in actions(after)
    # The reset code mailed to the old address is spent; new ones go to the new address.
    assert db.scalars(select(ForgotPassword).where(ForgotPassword.username == "alice")).all() == []
    mailbox.clear()
    assert client.simulate_post("/v2/forgot_password/alice").status_code == 202
    assert [m["To"] for m in mailbox.messages] == [NEW]
    # The session that made the change goes on working.
    assert client.simulate_get("/v2/users/alice", headers=alice).status_code == 200


def test_a_new_request_replaces_the_pending_one(mail_client, runners, mailbox):
    client, alice = mail_client, runners["alice"]
    ask(client, alice)
    first = mailbox.code_for(NEW)
    assert ask(client, alice, "alice.other@example.com").status_code == 202
    second = mailbox.code_for("alice.other@example.com")
    assert first != second
    assert confirm(client, alice, first).status_code == 400
    done = confirm(client, alice, second)
    assert done.status_code == 200 and done.json["user"]["email"] == "alice.other@example.com"


def test_requests_are_throttled_per_account(client, runners):
    statuses = [ask(client, runners["alice"], f"a{n}@example.com").status_code for n in range(6)]
    assert statuses == [202] * 5 + [429]


def test_the_email_resource_without_a_pending_change(client, runners):
    mine = client.simulate_get(CHANGE, headers=runners["alice"])
    assert mine.status_code == 200
    assert mine.json == {
        **mine.json,
        "self": CHANGE,
        "username": "alice",
        "email": "alice@example.com",
        "pending": False,
        "new_email": None,
        "expires": None,
        "attempts_left": None,
    }
    assert actions(mine.json) == {("POST", CHANGE)}


def test_cancel(client, runners):
    alice = runners["alice"]
    assert client.simulate_delete(CHANGE, headers=alice).status_code == 404
    ask(client, alice)
    assert client.simulate_delete(CHANGE, headers=alice).status_code == 204
    assert client.simulate_get(CHANGE, headers=alice).json["pending"] is False
    assert confirm(client, alice, "ABCDEFGH").status_code == 404


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.COM"])
def test_the_current_address_is_400(client, runners, email):
    result = ask(client, runners["alice"], email)
    assert result.status_code == 400 and result.json["errors"][0]["path"] == "/email"


@pytest.mark.parametrize("email", ["bob@example.com", "BOB@example.com", "gone@example.com"])
def test_a_taken_address_is_409(client, runners, make, db, email):
    make.user("gone").deleted = True  # a soft-deleted account keeps its address
    db.commit()
    assert ask(client, runners["alice"], email).status_code == 409


def test_wrong_codes_are_bounded_then_the_change_is_void(mail_client, runners, mailbox):
    client, alice = mail_client, runners["alice"]
    ask(client, alice)
    code = mailbox.code_for(NEW)
    wrong = "AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB"
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        result = confirm(client, alice, wrong)
        assert result.status_code == 400 and f"{left} attempt(s) left" in result.json["detail"]
        assert client.simulate_get(CHANGE, headers=alice).json["attempts_left"] == left
    last = confirm(client, alice, wrong)
    assert last.status_code == 400 and "void" in last.json["detail"]
    assert confirm(client, alice, code).status_code == 404  # the right code is no use now
    assert client.simulate_get("/v2/users/alice", headers=alice).json["user"]["email"] == (
        "alice@example.com"
    )


def test_an_expired_change_is_410_then_gone(mail_client, runners, mailbox, db):
    client, alice = mail_client, runners["alice"]
    ask(client, alice)
    code = mailbox.code_for(NEW)
    db.execute(
        update(EmailChange)
        .where(EmailChange.username == "alice")
        .values(expires_at=dt.datetime(2020, 1, 1))
    )
    db.commit()
    assert client.simulate_get(CHANGE, headers=alice).json["pending"] is False
    assert confirm(client, alice, code).status_code == 410
    assert confirm(client, alice, code).status_code == 404


def test_an_address_taken_meanwhile_is_409(mail_client, runners, mailbox, make, db):
    client, alice = mail_client, runners["alice"]
    ask(client, alice)
    make.user("quick", email=NEW.upper())
    result = confirm(client, alice, mailbox.code_for(NEW))
    assert result.status_code == 409
    assert db.scalar(select(User.email).where(User.username == "alice")) == "alice@example.com"


def test_a_dead_mail_server_is_503_and_changes_nothing(config, session_factory, runners, db):
    from falcon import testing

    from api.app import create_app
    from api.mail import Mailer
    from tests.smtp import free_port

    dead = Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", config.mail_from)
    client = testing.TestClient(create_app(config, session_factory=session_factory, mailer=dead))
    result = ask(client, runners["alice"])
    assert result.status_code == 503 and result.headers["retry-after"]
    assert db.get(EmailChange, "alice") is None


@pytest.mark.parametrize(
    ("path", "body"), [(CHANGE, {"email": NEW, "password": PASSWORD}), (CONFIRM, {"code": "X"})]
)
def test_bad_bodies_are_400(client, runners, path, body):
    for bad in ({**body, "extra": 1}, {}, dict.fromkeys(body, 5)):
        assert client.simulate_post(path, json=bad, headers=runners["alice"]).status_code == 400
    long_code = client.simulate_post(CONFIRM, json={"code": "A" * 9}, headers=runners["alice"])
    assert long_code.status_code == 400


# -- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_without_a_token_it_is_401(client, runners, method):
    result = client.simulate_request(method, CHANGE, json={"email": NEW, "password": PASSWORD})
    assert result.status_code == 401 and result.headers["www-authenticate"].startswith("Bearer")
    assert confirm(client, {}, "ABCDEFGH").status_code == 401


def test_another_user_is_403(mail_client, runners, mailbox):
    client, bob = mail_client, runners["bob"]
    assert ask(client, bob).status_code == 403  # bob's own password, alice's account
    ask(client, runners["alice"])
    assert client.simulate_get(CHANGE, headers=bob).status_code == 403
    assert confirm(client, bob, mailbox.code_for(NEW)).status_code == 403
    assert client.simulate_delete(CHANGE, headers=bob).status_code == 403


def test_a_site_admin_asks_with_their_own_password_and_confirms_with_the_code(
    mail_client, runners, mailbox
):
    client, root = mail_client, runners["root"]
    assert ask(client, root).status_code == 202  # root's password (the same in the factory)
    done = confirm(client, root, mailbox.code_for(NEW))
    assert done.status_code == 200 and done.json["user"]["email"] == NEW


def test_a_site_admin_is_refused_with_the_users_password(client, runners, make, login):
    make.user("boss", role="admin", password="the boss's own password")
    boss = login("boss", "the boss's own password")
    assert ask(client, boss, password=PASSWORD).status_code == 403
    assert ask(client, boss, password="the boss's own password").status_code == 202


# -- profile updates that keep the e-mail ------------------------------------------------------


@pytest.mark.parametrize("email", ["alice@example.com", "Alice@Example.COM"])
def test_a_legacy_put_with_the_same_address_still_works(client, runners, email):
    result = client.simulate_put(
        "/v2/users/alice", json=profile(email, location="Oslo"), headers=runners["alice"]
    )
    assert result.status_code == 200, result.json
    assert result.json["updated"] is True
    assert result.json["user"]["email"] == "alice@example.com"  # kept as stored


def test_patch_with_the_same_address_in_another_case_works(client, runners):
    alice = runners["alice"]
    merged = patch(client, alice, MERGE, {"email": "ALICE@example.com", "location": "Bergen"})
    assert merged.status_code == 200 and merged.json["user"]["location"] == "Bergen"
    replaced = patch(
        client,
        alice,
        JSON_PATCH,
        [{"op": "replace", "path": "/email", "value": "Alice@Example.com"}],
    )
    assert replaced.status_code == 200 and replaced.json["updated"] is False


def test_a_site_admins_put_cannot_change_the_address_either(client, runners):
    result = client.simulate_put(
        "/v2/users/alice", json=profile("moved@example.com"), headers=runners["root"]
    )
    assert_points_to_the_change_endpoint(result)


# -- links and documents ------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "shown"), [("alice", True), ("root", True), ("bob", False)])
def test_the_user_representation_links_the_change_when_allowed(client, runners, caller, shown):
    user = client.simulate_get("/v2/users/alice", headers=runners[caller]).json["user"]
    assert (("POST", CHANGE) in actions(user)) is shown
    assert (CHANGE in {k["href"] for k in user["links"] if k["method"] == "GET"}) is shown
    posts = [k for k in user["links"] if (k["method"], k["href"]) == ("POST", CHANGE)]
    if shown:
        assert posts[0]["schema"] == "/v2/schemas/email-change.json"
        assert posts[0]["auth"] == "owner"


def test_the_endpoints_are_documented(client):
    endpoints = client.simulate_get("/v2/users/links").json["endpoints"]
    pairs = {(e["link"], e["verb"]) for e in endpoints}
    assert {
        ("/v2/users/{username}/email", "GET"),
        ("/v2/users/{username}/email", "POST"),
        ("/v2/users/{username}/email", "DELETE"),
        ("/v2/users/{username}/email/confirmation", "POST"),
    } <= pairs
    paths = client.simulate_get("/v2/openapi.json").json["paths"]
    change = paths["/v2/users/{username}/email"]["post"]
    assert {"202", "400", "401", "403", "409", "429"} <= set(change["responses"])
    assert set(paths["/v2/users/{username}/email/confirmation"]["post"]["responses"]) >= {
        "200",
        "400",
        "404",
        "409",
        "410",
    }
    for name in ("email-change", "email-change-confirmation"):
        assert client.simulate_get(f"/v2/schemas/{name}.json").status_code == 200
