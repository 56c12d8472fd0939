"""Forgot password: request a code (mailed over real SMTP), list, validate, change the password."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from models import ForgotPassword

NEW_PASSWORD = "a brand new password"


def request_code(client, identifier="alice"):
    return client.simulate_post(f"/v2/forgot_password/{identifier}")


# -- request ------------------------------------------------------------------------------------


def test_request_mails_a_code_and_never_returns_it(mail_client, runners, mailbox, db):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = request_code(mail_client)
    assert result.status_code == 202
    assert result.json["self"] == "/v2/forgot_password/alice" and result.json["requested"] is True
    code = mailbox.code_for("alice@example.com")
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    assert code not in result.text
    (message,) = mailbox.to("alice@example.com")
    assert message["Subject"] == "Your Splits password reset code"
    row = db.scalar(select(ForgotPassword).where(ForgotPassword.forgot_code == code))
    assert row.username == "alice"
    assert (
        dt.timedelta(hours=1, minutes=59) < row.expires - before <= dt.timedelta(hours=2, minutes=1)
    )
    hrefs = {link["href"] for link in result.json["links"]}
    assert "/v2/forgot_password/validate/{code}" in hrefs


def test_request_by_email_address(mail_client, runners, mailbox):
    assert request_code(mail_client, "ALICE@example.com").status_code == 202
    assert mailbox.code_for("alice@example.com")


def test_unknown_accounts_get_the_same_answer_and_no_mail(mail_client, runners, mailbox):
    known = request_code(mail_client, "alice")
    unknown = request_code(mail_client, "nobody")
    assert known.status_code == unknown.status_code == 202
    strip = {"self"}
    assert {k: v for k, v in known.json.items() if k not in strip} == {
        k: v for k, v in unknown.json.items() if k not in strip
    }
    assert [m["To"] for m in mailbox.messages] == ["alice@example.com"]


def test_requests_are_throttled_per_identifier_and_mails_per_account(mail_client, runners, mailbox):
    for _ in range(3):
        assert request_code(mail_client).status_code == 202
    blocked = request_code(mail_client)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert len(mailbox.to("alice@example.com")) == 3
    # The e-mail spelling answers as an unknown identifier does (the 429 of "alice" must not
    # tell that it is the same account), but the account's mailbox gets no fourth mail.
    by_email = request_code(mail_client, "alice@example.com")
    unknown = request_code(mail_client, "ghost@example.com")
    assert by_email.status_code == unknown.status_code == 202
    assert len(mailbox.to("alice@example.com")) == 3
    # Another account is not affected.
    assert request_code(mail_client, "bob").status_code == 202
    assert len(mailbox.to("bob@example.com")) == 1


def test_unknown_accounts_are_throttled_alike(client, runners):
    statuses = [request_code(client, "ghost").status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_requests_are_throttled_per_address(client, runners):
    statuses = [request_code(client, f"ghost{n}").status_code for n in range(21)]
    assert statuses[:20] == [202] * 20 and statuses[20] == 429


def test_mail_failure_still_answers_202(config, session_factory, runners):
    from falcon import testing

    from api.app import create_app
    from api.mail import Mailer
    from tests.smtp import free_port

    dead = Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", config.mail_from)
    client = testing.TestClient(create_app(config, session_factory=session_factory, mailer=dead))
    assert request_code(client).status_code == 202


def test_without_smtp_the_mail_goes_to_the_log(client, runners, caplog):
    with caplog.at_level("INFO", logger="api.mail"):
        assert request_code(client).status_code == 202
    assert any("alice@example.com" in record.getMessage() for record in caplog.records)


# -- list your codes ----------------------------------------------------------------------------


def test_owner_lists_codes_without_seeing_them(client, runners, make):
    make.reset_code("alice", "ABCD1234")
    make.reset_code("alice", "OLDCODE9", expires_in=-dt.timedelta(minutes=1))
    result = client.simulate_get("/v2/forgot_password/alice", headers=runners["alice"])
    assert result.status_code == 200
    (code,) = result.json["forgot_password_codes"]
    assert code["hint"] == "******34" and code["username"] == "alice" and code["deleted"] is False
    assert code["expires"].endswith("Z")
    assert "ABCD1234" not in result.text and "OLDCODE9" not in result.text


def test_site_admin_lists_anyones_codes(client, runners, make):
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_get("/v2/forgot_password/alice", headers=runners["root"])
    assert result.status_code == 200 and len(result.json["forgot_password_codes"]) == 1


def test_others_may_not_list_codes(client, runners):
    assert (
        client.simulate_get("/v2/forgot_password/alice", headers=runners["bob"]).status_code == 403
    )
    assert client.simulate_get("/v2/forgot_password/alice").status_code == 401


def test_listing_codes_of_an_unknown_user_is_404_for_admins(client, runners):
    assert (
        client.simulate_get("/v2/forgot_password/nobody", headers=runners["root"]).status_code
        == 404
    )


@pytest.mark.parametrize("email", ["alice@example.com", "Alice@Example.COM"])
def test_owner_lists_codes_by_e_mail_in_any_case(client, runners, make, email):
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_get(f"/v2/forgot_password/{email}", headers=runners["alice"])
    assert result.status_code == 200, result.json
    assert result.json["self"] == "/v2/forgot_password/alice"
    assert [code["username"] for code in result.json["forgot_password_codes"]] == ["alice"]


def test_site_admin_lists_codes_by_e_mail(client, runners, make):
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_get("/v2/forgot_password/alice@example.com", headers=runners["root"])
    assert result.status_code == 200 and len(result.json["forgot_password_codes"]) == 1
    unknown = client.simulate_get("/v2/forgot_password/nobody@example.com", headers=runners["root"])
    assert unknown.status_code == 404


@pytest.mark.parametrize("name", ["alice", "alice@example.com", "nobody", "nobody@example.com"])
def test_strangers_get_403_by_username_or_e_mail_known_or_not(client, runners, name):
    # The same answer whether or not the account exists: nothing to enumerate.
    assert (
        client.simulate_get(f"/v2/forgot_password/{name}", headers=runners["bob"]).status_code
        == 403
    )
    assert client.simulate_get(f"/v2/forgot_password/{name}").status_code == 401


def test_naming_yourself_by_e_mail_never_reaches_a_user_with_that_username(client, runners, make):
    # A legacy row whose username is alice's address: the lookup finds it first, by username.
    make.user("alice@example.com", email="other@example.com")
    make.reset_code("alice@example.com", "OTHER123")
    result = client.simulate_get("/v2/forgot_password/alice@example.com", headers=runners["alice"])
    assert result.status_code == 403


# -- validate -----------------------------------------------------------------------------------


def test_validate_a_code(client, runners, make):
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_get("/v2/forgot_password/validate/ABCD1234")
    assert result.status_code == 200
    assert result.json["is_valid"] is True and result.json["username"] == "alice"
    assert client.simulate_get("/v2/forgot_password/validate/abcd1234").status_code == 200


@pytest.mark.parametrize("code", ["NOPE0000", "EXPIRED1", "x" * 200])
def test_invalid_codes_are_404(client, runners, make, code):
    make.reset_code("alice", "EXPIRED1", expires_in=-dt.timedelta(seconds=1))
    result = client.simulate_get(f"/v2/forgot_password/validate/{code}")
    assert result.status_code == 404 and result.json["status"] == 404


def test_guessing_codes_is_throttled(client, runners, make):
    make.reset_code("alice", "ABCD1234")
    for n in range(10):
        assert client.simulate_get(f"/v2/forgot_password/validate/GUESS{n:03d}").status_code == 404
    blocked = client.simulate_get("/v2/forgot_password/validate/ABCD1234")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


# -- change the password ------------------------------------------------------------------------


def test_change_password_with_a_mailed_code(mail_client, runners, mailbox, login, make):
    make.reset_code("alice", "OTHER123")
    request_code(mail_client)
    code = mailbox.code_for("alice@example.com")
    result = mail_client.simulate_put(
        "/v2/users/alice/change_password",
        json={"forgot_password_code": code, "new_password": NEW_PASSWORD},
    )
    assert result.status_code == 200, result.json
    assert (
        result.json["password_updated"] is True
        and result.json["forgot_password_code_deleted"] is True
    )
    # Every session and token of alice has ended.
    assert mail_client.simulate_get("/v2/users/alice", headers=runners["alice"]).status_code == 401
    old = mail_client.simulate_post(
        "/v2/auth/token", json={"username": "alice", "password": "correct horse battery"}
    )
    assert old.status_code == 401
    assert login("alice", NEW_PASSWORD)
    # The code and every other code of alice are spent.
    for spent in (code, "OTHER123"):
        assert mail_client.simulate_get(f"/v2/forgot_password/validate/{spent}").status_code == 404


def test_change_password_lifts_a_login_lockout(client, runners, make, login):
    for _ in range(3):
        client.simulate_post(
            "/v2/auth/token", json={"username": "alice", "password": "wrong password"}
        )
    assert (
        client.simulate_post(
            "/v2/auth/token", json={"username": "alice", "password": "x"}
        ).status_code
        == 429
    )
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_put(
        "/v2/users/alice/change_password",
        json={"forgot_password_code": "ABCD1234", "new_password": NEW_PASSWORD},
    )
    assert result.status_code == 200
    assert login("alice", NEW_PASSWORD)


def test_code_of_another_user_is_refused(client, runners, make):
    make.reset_code("bob", "BOBS1234")
    result = client.simulate_put(
        "/v2/users/alice/change_password",
        json={"forgot_password_code": "BOBS1234", "new_password": NEW_PASSWORD},
    )
    assert result.status_code == 400
    assert result.json["errors"] == [
        {"path": "/forgot_password_code", "message": "invalid or expired"}
    ]
    # bob's code still works for bob
    assert client.simulate_get("/v2/forgot_password/validate/BOBS1234").json["username"] == "bob"


@pytest.mark.parametrize("code", ["NOPE0000", "EXPIRED1"])
def test_invalid_or_expired_code_is_refused(client, runners, make, code):
    make.reset_code("alice", "EXPIRED1", expires_in=-dt.timedelta(seconds=1))
    result = client.simulate_put(
        "/v2/users/alice/change_password",
        json={"forgot_password_code": code, "new_password": NEW_PASSWORD},
    )
    assert result.status_code == 400


def test_unknown_user_is_refused_like_a_bad_code(client, runners, make):
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_put(
        "/v2/users/nobody/change_password",
        json={"forgot_password_code": "ABCD1234", "new_password": NEW_PASSWORD},
    )
    assert result.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"forgot_password_code": "ABCD1234", "new_password": "short"},
        {"forgot_password_code": "ABCD1234", "new_password": "é" * 40},
        {"forgot_password_code": "ABCD1234"},
        {"new_password": NEW_PASSWORD},
        {"forgot_password_code": 12345678, "new_password": NEW_PASSWORD},
    ],
)
def test_bad_bodies_are_400_and_keep_the_code(client, runners, make, body):
    make.reset_code("alice", "ABCD1234")
    assert client.simulate_put("/v2/users/alice/change_password", json=body).status_code == 400
    assert client.simulate_get("/v2/forgot_password/validate/ABCD1234").status_code == 200


def test_change_password_guesses_are_throttled(client, runners):
    body = {"forgot_password_code": "GUESS000", "new_password": NEW_PASSWORD}
    statuses = [
        client.simulate_put("/v2/users/alice/change_password", json=body).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


def test_forgot_password_links_document(client):
    endpoints = client.simulate_get("/v2/forgot_password/links").json["endpoints"]
    pairs = {(e["link"], e["verb"]) for e in endpoints}
    assert pairs >= {
        ("/v2/forgot_password/{username}", "GET"),
        ("/v2/forgot_password/{username}", "POST"),
        ("/v2/forgot_password/validate/{code}", "GET"),
    }


@pytest.mark.parametrize("identifier", ["a" * 300, "%00", "😀", "x@" + "y" * 200 + ".com"])
def test_odd_identifiers_get_the_same_answer(client, runners, identifier):
    from urllib.parse import quote

    assert request_code(client, quote(identifier, safe="")).status_code == 202


# -- the change-password link --------------------------------------------------------------------


def _change_password_links(client, username, headers):
    result = client.simulate_get(f"/v2/users/{username}", headers=headers)
    assert result.status_code == 200, result.json
    return [link for link in result.json["user"]["links"] if link["rel"] == "change-password"]


@pytest.mark.parametrize(("viewer", "shown"), [("alice", True), ("root", True), ("bob", False)])
def test_the_change_password_link_is_shown_to_the_user_and_site_admins(
    client, runners, viewer, shown
):
    links = _change_password_links(client, "alice", runners[viewer])
    if not shown:
        assert links == []
        return
    assert links == [
        {
            "rel": "change-password",
            "href": "/v2/users/alice/change_password",
            "method": "PUT",
            "title": "Set a new password with an e-mailed reset code",
            "auth": "none",
            "schema": "/v2/schemas/change-password.json",
        }
    ]


def test_the_shown_change_password_link_works_with_the_e_mailed_code(client, runners, make):
    (link,) = _change_password_links(client, "alice", runners["alice"])
    make.reset_code("alice", "ABCD1234")
    result = client.simulate_request(
        link["method"],
        link["href"],
        json={"forgot_password_code": "ABCD1234", "new_password": "a brand new one"},
    )
    assert result.status_code == 200 and result.json["password_updated"] is True
