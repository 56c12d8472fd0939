"""Tokens: login, refresh rotation with reuse detection, logout, revocation, throttling."""

from __future__ import annotations

import base64
import datetime as dt

import jwt
import pytest

from api.security import TokenService
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD

CREDENTIAL_KEYS = {"password", "salt", "activation_code"}


def token(client, username, password=PASSWORD):
    return client.simulate_post("/v2/auth/token", json={"username": username, "password": password})


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


@pytest.fixture
def alice(make):
    return make.user("alice", first="Alice", last="Ames")


def test_login_with_username_returns_both_tokens_and_the_user(client, alice):
    result = token(client, "alice")
    assert result.status_code == 200
    body = result.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["refresh_expires_in"] == 30 * 24 * 3600 and len(body["refresh_token"]) > 30
    assert body["user"]["username"] == "alice" and body["user"]["email"] == "alice@example.com"
    assert not CREDENTIAL_KEYS & set(body["user"])
    assert result.headers["cache-control"] == "no-store"
    claims = jwt.decode(
        body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="splits-api"
    )
    assert {"exp", "iat", "nbf", "iss", "aud", "sub", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 900


def test_login_with_email_or_http_basic(client, alice):
    assert token(client, "ALICE@example.com").status_code == 200
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    result = client.simulate_post("/v2/auth/token", headers={"Authorization": f"Basic {basic}"})
    assert result.status_code == 200, result.json


def test_malformed_basic_credentials_are_400(client):
    result = client.simulate_post("/v2/auth/token", headers={"Authorization": "Basic !!!"})
    assert result.status_code == 400


def test_unknown_user_and_wrong_password_get_the_same_answer(client, alice):
    wrong = token(client, "alice", "not the password")
    unknown = token(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(wrong.json) == {**strip(unknown.json), "instance": wrong.json["instance"]}
    assert wrong.headers["www-authenticate"].startswith("Bearer")


def test_a_password_over_72_bytes_is_400_not_a_silent_truncation(client, alice):
    result = token(client, "alice", PASSWORD + "é" * 40)
    assert result.status_code == 400
    assert result.json["errors"][0]["path"] == "/password"


def test_legacy_2a_hashes_still_log_in(client, make, db):
    import bcrypt

    user = make.user("legacy")
    user.password = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4, prefix=b"2a")).decode()
    db.commit()
    assert user.password.startswith("$2a$")
    assert token(client, "legacy").status_code == 200


def test_soft_deleted_users_cannot_log_in(client, alice, db):
    alice.deleted = True
    db.commit()
    assert token(client, "alice").status_code == 401


def test_repeated_failures_are_throttled_in_the_database(client, alice):
    for _ in range(3):  # the test config allows 3 failures
        assert token(client, "alice", "wrong password").status_code == 401
    blocked = token(client, "alice")  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.headers["content-type"].startswith("application/problem+json")


def test_unknown_accounts_are_throttled_too(client):
    for _ in range(3):
        token(client, "ghost", "wrong password")
    assert token(client, "ghost", "wrong password").status_code == 429


def test_a_success_resets_the_failure_count(client, alice):
    for _ in range(2):
        token(client, "alice", "wrong password")
    assert token(client, "alice").status_code == 200
    for _ in range(2):
        assert token(client, "alice", "wrong password").status_code == 401


def test_refresh_rotates_and_a_reused_token_revokes_the_family(client, alice):
    first = token(client, "alice").json
    second = client.simulate_post(
        "/v2/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    assert (
        client.simulate_get(
            "/v2/users/alice", headers=bearer(second.json["access_token"])
        ).status_code
        == 200
    )
    # The spent token comes back: someone holds a copy. The whole session ends.
    reuse = client.simulate_post("/v2/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    third = client.simulate_post(
        "/v2/auth/refresh", json={"refresh_token": second.json["refresh_token"]}
    )
    assert third.status_code == 401
    assert (
        client.simulate_get(
            "/v2/users/alice", headers=bearer(second.json["access_token"])
        ).status_code
        == 401
    )


def test_an_unknown_refresh_token_is_401(client):
    result = client.simulate_post("/v2/auth/refresh", json={"refresh_token": "x" * 43})
    assert result.status_code == 401


def test_refresh_needs_a_body(client):
    assert client.simulate_post("/v2/auth/refresh").status_code == 400
    assert client.simulate_post("/v2/auth/refresh", json={"refresh_token": 5}).status_code == 400


def test_logout_ends_the_session(client, alice):
    body = token(client, "alice").json
    assert (
        client.simulate_delete("/v2/auth/token", headers=bearer(body["access_token"])).status_code
        == 204
    )
    assert (
        client.simulate_get("/v2/users/alice", headers=bearer(body["access_token"])).status_code
        == 401
    )
    refresh = client.simulate_post(
        "/v2/auth/refresh", json={"refresh_token": body["refresh_token"]}
    )
    assert refresh.status_code == 401


def test_logout_needs_a_token(client):
    result = client.simulate_delete("/v2/auth/token")
    assert result.status_code == 401 and result.headers["www-authenticate"].startswith("Bearer")


def test_site_admin_revokes_every_session_of_a_user(client, runners):
    bob_again = token(client, "bob").json
    assert (
        client.simulate_delete("/v2/auth/tokens/bob", headers=runners["alice"]).status_code == 403
    )
    assert client.simulate_delete("/v2/auth/tokens/bob").status_code == 401
    assert (
        client.simulate_delete("/v2/auth/tokens/nobody", headers=runners["root"]).status_code == 404
    )
    assert client.simulate_delete("/v2/auth/tokens/bob", headers=runners["root"]).status_code == 204
    for headers in (runners["bob"], bearer(bob_again["access_token"])):
        assert client.simulate_get("/v2/users/bob", headers=headers).status_code == 401
    refresh = client.simulate_post(
        "/v2/auth/refresh", json={"refresh_token": bob_again["refresh_token"]}
    )
    assert refresh.status_code == 401
    assert client.simulate_get("/v2/users/bob", headers=runners["alice"]).status_code == 200


def _forge(**overrides):
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": "splits",
        "aud": "splits-api",
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + dt.timedelta(minutes=5),
        "jti": "j",
        "gen": 0,
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "forged",
    [
        lambda: _forge(exp=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)),
        lambda: _forge(aud="someone-else"),
        lambda: _forge(iss="someone-else"),
        lambda: _forge(jti=None),
        lambda: _forge(nbf=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)),
        lambda: _forge(gen=1),
        lambda: jwt.encode({"sub": "alice"}, "", algorithm="none"),
        lambda: jwt.encode(
            {"sub": "alice", "aud": "splits-api", "iss": "splits"},
            "wrong-key-0123456789abcdef0123456789",
            algorithm="HS256",
        ),
        lambda: "not.a.jwt",
    ],
    ids=[
        "expired",
        "audience",
        "issuer",
        "no-jti",
        "not-yet",
        "old-generation",
        "alg-none",
        "bad-signature",
        "garbage",
    ],
)
def test_every_claim_is_checked(client, alice, forged):
    result = client.simulate_get("/v2/users/alice", headers=bearer(forged()))
    assert result.status_code == 401
    assert 'error="invalid_token"' in result.headers["www-authenticate"]


def test_a_valid_forged_shape_with_the_right_key_is_accepted(client, alice):
    # The control for the test above: the same token with nothing wrong passes.
    assert client.simulate_get("/v2/users/alice", headers=bearer(_forge())).status_code == 200


def test_tokens_of_a_soft_deleted_user_stop_working(client, alice, db):
    headers = bearer(token(client, "alice").json["access_token"])
    alice.deleted = True
    db.commit()
    assert client.simulate_get("/v2/types", headers=headers).status_code == 401


def test_non_bearer_schemes_are_401(client, alice):
    result = client.simulate_get("/v2/users/alice", headers={"Authorization": "Token abc"})
    assert result.status_code == 401


def test_refresh_token_digest_is_what_is_stored(client, alice, db):
    from models import RefreshToken

    body = token(client, "alice").json
    assert db.get(RefreshToken, TokenService.digest(body["refresh_token"])) is not None
    assert db.get(RefreshToken, body["refresh_token"]) is None


def test_auth_links_document(client):
    body = client.simulate_get("/v2/auth/links").json
    assert {(e["link"], e["verb"]) for e in body["endpoints"]} >= {
        ("/v2/auth/token", "POST"),
        ("/v2/auth/refresh", "POST"),
        ("/v2/auth/token", "DELETE"),
        ("/v2/auth/tokens/{username}", "DELETE"),
    }
