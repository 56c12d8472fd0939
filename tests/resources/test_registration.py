"""Registration (POST /v2/users) with an activation code."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models import Code

PASSWORD = "a good long password"


def registration(**overrides):
    body = {
        "username": "newbie",
        "first": "New",
        "last": "Runner",
        "email": "newbie@example.com",
        "password": PASSWORD,
        "activation_code": "WELCOME1",
        "class_year": 2027,
        "week_start": "sunday",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


@pytest.fixture
def invite(club, make):
    """A code made by coach (an accepted admin of varsity) for newbie@example.com."""
    return make.code("newbie@example.com", club.varsity, created_user="coach", code="WELCOME1")


def memberships_of(client, login, username):
    headers = login(username, PASSWORD)
    return client.simulate_get(f"/v2/users/memberships/{username}", headers=headers).json[
        "memberships"
    ]


def test_register_with_an_admins_code_joins_group_and_team_accepted(
    client, club, invite, login, db
):
    result = client.simulate_post("/v2/users", json=registration())
    assert result.status_code == 201, result.json
    assert result.headers["location"] == "/v2/users/newbie"
    body = result.json
    assert body["added"] is True and body["new_user"] == "/v2/users/newbie"
    assert body["self"] == "/v2/users"
    user = body["user"]
    assert (user["username"], user["first"], user["class_year"], user["week_start"]) == (
        "newbie",
        "New",
        2027,
        "sunday",
    )
    assert '"password"' not in result.text and "$2b$" not in result.text
    assert '"activation_code"' not in result.text and "WELCOME1" not in result.text
    assert {link["href"] for link in body["links"]} >= {"/v2/auth/token"}
    (team,) = memberships_of(client, login, "newbie")
    assert (team["team_name"], team["status"], team["user"]) == ("riverdale", "accepted", "user")
    assert [(g["group_name"], g["status"]) for g in team["groups"]] == [("varsity", "accepted")]
    assert db.scalar(select(Code).where(Code.activation_code == "WELCOME1")) is None


def test_register_with_a_trailing_slash_and_any_email_case(client, club, invite):
    result = client.simulate_post("/v2/users/", json=registration(email="NewBie@Example.com"))
    assert result.status_code == 201


def test_code_letters_in_any_case(client, club, invite):
    assert (
        client.simulate_post("/v2/users", json=registration(activation_code="welcome1")).status_code
        == 201
    )


def test_site_admins_code_also_joins_accepted(client, club, make, login):
    make.code("newbie@example.com", club.hill, created_user="root", code="WELCOME1")
    assert client.simulate_post("/v2/users", json=registration()).status_code == 201
    (team,) = memberships_of(client, login, "newbie")
    assert team["team_name"] == "hilltop" and team["status"] == "accepted"


@pytest.mark.parametrize("creator", [None, "alice", "carol"])
def test_codes_not_made_by_an_accepted_admin_join_pending(client, club, make, login, creator):
    make.code("newbie@example.com", club.varsity, created_user=creator, code="WELCOME1")
    assert client.simulate_post("/v2/users", json=registration()).status_code == 201
    (team,) = memberships_of(client, login, "newbie")
    assert team["status"] == "pending" and team["groups"][0]["status"] == "pending"


def test_code_from_a_demoted_admin_joins_pending(client, club, invite, login):
    path = f"/v2/groups/members/{club.varsity.id}/coach"
    demoted = client.simulate_put(
        path, json={"status": "accepted", "user": "user"}, headers=club["root"]
    )
    assert demoted.status_code == 200
    assert client.simulate_post("/v2/users", json=registration()).status_code == 201
    (team,) = memberships_of(client, login, "newbie")
    assert team["groups"][0]["status"] == "pending"


def test_the_new_user_can_log_in(client, club, invite):
    client.simulate_post("/v2/users", json=registration())
    result = client.simulate_post(
        "/v2/auth/token", json={"username": "newbie", "password": PASSWORD}
    )
    assert result.status_code == 200 and result.json["user"]["role"] == "user"


@pytest.mark.parametrize(
    "overrides",
    [
        {"activation_code": "NOPE0000"},
        {"email": "someone.else@example.com"},
    ],
)
def test_wrong_code_or_email_is_400(client, club, invite, overrides):
    result = client.simulate_post("/v2/users", json=registration(**overrides))
    assert result.status_code == 400
    assert result.json["errors"] == [{"path": "/activation_code", "message": "invalid or expired"}]


def test_expired_code_is_400(client, club, make):
    make.code(
        "newbie@example.com",
        club.varsity,
        created_user="coach",
        code="WELCOME1",
        expires_in=-dt.timedelta(minutes=1),
    )
    assert client.simulate_post("/v2/users", json=registration()).status_code == 400


def test_soft_deleted_code_is_400(client, club, invite, db):
    invite.deleted = True
    db.commit()
    assert client.simulate_post("/v2/users", json=registration()).status_code == 400


def test_code_for_a_deleted_group_is_400(client, club, invite, db):
    club.varsity.deleted = True
    db.commit()
    assert client.simulate_post("/v2/users", json=registration()).status_code == 400


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [({"username": "alice"}, "username"), ({"email": "BOB@example.com"}, "e-mail")],
)
def test_duplicates_are_409_and_keep_the_code(client, club, make, db, overrides, detail):
    make.code(
        overrides.get("email", "newbie@example.com"),
        club.varsity,
        created_user="coach",
        code="WELCOME1",
    )
    result = client.simulate_post("/v2/users", json=registration(**overrides))
    assert result.status_code == 409 and detail in result.json["detail"]
    assert db.scalar(select(Code).where(Code.activation_code == "WELCOME1")) is not None


def test_soft_deleted_users_keep_their_username(client, club, invite, make, db):
    gone = make.user("newbie", email="old@example.com")
    gone.deleted = True
    db.commit()
    assert client.simulate_post("/v2/users", json=registration()).status_code == 409


@pytest.mark.parametrize(
    "overrides",
    [
        {"password": "short"},
        {"password": "é" * 40},  # 40 characters but 80 bytes: over bcrypt's 72
        {"username": "new_bie"},
        {"username": "x" * 21},
        {"username": "links"},
        {"username": None},
        {"email": "nope"},
        {"role": "admin"},
        {"class_year": "2020"},
        {"week_start": "friday"},
        {"activation_code": "TOOLONGCODE"},
    ],
)
def test_invalid_registrations_are_400(client, club, invite, overrides, db):
    result = client.simulate_post("/v2/users", json=registration(**overrides))
    assert result.status_code == 400, result.json
    assert db.scalar(select(Code).where(Code.activation_code == "WELCOME1")) is not None


def test_legacy_extra_fields_are_ignored(client, club, invite):
    body = registration(salt="aaa", member_since="2001-01-01", deleted=True, last_signin="x")
    result = client.simulate_post("/v2/users", json=body)
    assert result.status_code == 201
    assert (
        result.json["user"]["member_since"] != "2001-01-01"
        and result.json["user"]["deleted"] is False
    )


def test_guessing_codes_is_throttled(client, club, invite):
    for _ in range(10):
        result = client.simulate_post("/v2/users", json=registration(activation_code="GUESS000"))
        assert result.status_code == 400
    blocked = client.simulate_post("/v2/users", json=registration())
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_registration_link_for_anonymous_callers_at_the_root(client):
    links = client.simulate_get("/").json["links"]
    create = next(
        link for link in links if link["href"] == "/v2/users" and link["method"] == "POST"
    )
    assert create["schema"] == "/v2/schemas/user-create.json" and create["auth"] == "none"
