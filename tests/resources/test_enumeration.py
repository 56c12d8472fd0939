"""Enumeration oracles (audit issue 11, item 4; legacy-v2 §7.7).

* The public lookup is throttled per client address and says only `exists`.
* A look-up by e-mail is for the address's owner and site admins; anyone else gets the 404 of an
  unknown user, on every endpoint that takes a username in its path.
* The login and reset throttles are keyed by the identifier as submitted: locking one spelling
  of an account says nothing about another spelling, and unknown identifiers are throttled
  exactly like known ones. A silent budget per account still bounds the guesses against it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from falcon import testing

from api.app import create_app
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new password"
WRONG = "wrong password"


def answer(result: testing.Result, identifier: str | None = None) -> tuple[Any, ...]:
    """Return what a client can see of an answer, without the per-request parts.

    The request id and `instance` differ per request; the submitted identifier, which a 404
    echoes, is replaced by a placeholder.
    """
    body = dict(result.json or {})
    body.pop("request_id", None)
    body.pop("instance", None)
    body.pop("self", None)
    if identifier and isinstance(body.get("detail"), str):
        body["detail"] = body["detail"].replace(identifier, "<identifier>")
    headers: dict[str, Any] = {
        name: result.headers.get(name)
        for name in ("content-type", "www-authenticate", "retry-after", "cache-control")
    }
    if headers["retry-after"] is not None:
        headers["retry-after"] = Countdown(int(headers["retry-after"]))
    return result.status_code, body, headers


class Countdown(int):
    """A Retry-After in seconds: it counts down on the wall clock while a test runs, so two
    answers given a moment apart are the same answer when they differ by at most two seconds."""

    __hash__ = int.__hash__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, int) and abs(int(self) - int(other)) <= 2

    def __ne__(self, other: object) -> bool:
        return not self == other


def token(client, username, password=PASSWORD):
    return client.simulate_post("/v2/auth/token", json={"username": username, "password": password})


def client_with(config, session_factory, **settings) -> testing.TestClient:
    app = create_app(dataclasses.replace(config, **settings), session_factory=session_factory)
    return testing.TestClient(app)


# -- e-mail look-ups ----------------------------------------------------------------------------

#: Every GET that takes a username in its path; the users collection ones accept an e-mail.
USER_PATHS = (
    "/v2/users/{}",
    "/v2/users/snapshot/{}",
    "/v2/users/statistics/{}",
    "/v2/users/flair/{}",
    "/v2/users/groups/{}",
    "/v2/users/teams/{}",
    "/v2/users/memberships/{}",
    "/v2/users/notifications/{}",
    "/v2/forgot_password/{}",
)


@pytest.mark.parametrize("template", USER_PATHS)
@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.COM"])
def test_someone_elses_email_is_an_unknown_user(client, runners, template, email):
    theirs = client.simulate_get(template.format(email), headers=runners["bob"])
    unknown = client.simulate_get(template.format("ghost@example.com"), headers=runners["bob"])
    assert theirs.status_code in (403, 404)
    assert answer(theirs, email) == answer(unknown, "ghost@example.com")


@pytest.mark.parametrize(
    "template", ["/v2/users/{}", "/v2/users/snapshot/{}", "/v2/users/statistics/{}"]
)
def test_the_owner_and_site_admins_look_up_by_email(client, runners, template):
    for who in ("alice", "root"):
        result = client.simulate_get(template.format("Alice@example.com"), headers=runners[who])
        assert result.status_code == 200, (who, result.json)
        assert result.json["self"].endswith("/alice")


def test_a_username_still_works_for_everyone(client, runners):
    for path in ("/v2/users/alice", "/v2/users/snapshot/alice", "/v2/users/statistics/alice"):
        assert client.simulate_get(path, headers=runners["bob"]).status_code == 200


# -- the public lookup --------------------------------------------------------------------------


def test_the_lookup_says_only_exists(client, runners):
    for who in (None, "bob"):
        headers = runners[who] if who else None
        result = client.simulate_get("/v2/users/lookup/alice@example.com", headers=headers)
        assert result.status_code == 200
        assert set(result.json) == {"self", "exists", "links"} and result.json["exists"] is True
        assert [link["href"] for link in result.json["links"]] == ["/"]
        assert 'alice"' not in result.text and "/v2/users/alice" not in result.text


def test_the_lookup_is_throttled_per_address_in_the_database(config, session_factory, runners):
    limited = {"lookup_limit": 3, "lookup_window": 600, "lookup_lockout": 600}
    first = client_with(config, session_factory, **limited)
    statuses = [
        first.simulate_get(f"/v2/users/lookup/{name}").status_code
        for name in ("alice", "nobody", "bob@example.com")
    ]
    assert statuses == [200, 404, 200]
    # Known and unknown names alike: the budget is spent.
    for name in ("alice", "nobody"):
        blocked = first.simulate_get(f"/v2/users/lookup/{name}")
        assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 600
        assert blocked.headers["content-type"].startswith("application/problem+json")
        assert answer(blocked, name) == answer(first.simulate_get("/v2/users/lookup/x"), "x")
    # A forwarded-for header is not trusted (nginx sets REMOTE_ADDR; the app reads nothing else).
    spoofed = first.simulate_get(
        "/v2/users/lookup/alice",
        headers={"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "1.2.3.4"},
    )
    assert spoofed.status_code == 429
    # The state is in the database: another app instance refuses too.
    second = client_with(config, session_factory, **limited)
    assert second.simulate_get("/v2/users/lookup/alice").status_code == 429
    # Another client address has its own budget.
    other = second.simulate_get("/v2/users/lookup/alice", remote_addr="198.51.100.7")
    assert other.status_code == 200


def test_the_lookup_default_is_30_per_10_minutes(client, runners):
    statuses = [client.simulate_get("/v2/users/lookup/alice").status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]


# -- login throttle -----------------------------------------------------------------------------


def lock(client, identifier: str, times: int = 3) -> None:
    for _ in range(times):  # the test config allows 3 failures per spelling
        assert token(client, identifier, WRONG).status_code == 401
    assert token(client, identifier, WRONG).status_code == 429


@pytest.mark.parametrize(
    ("locked", "probed"), [("alice", "alice@example.com"), ("alice@example.com", "alice")]
)
def test_locking_one_spelling_says_nothing_about_another(client, runners, locked, probed):
    lock(client, locked)
    other = token(client, probed, WRONG)
    unknown = token(client, "ghost@example.com" if "@" in probed else "ghost", WRONG)
    assert other.status_code == 401
    assert answer(other) == answer(unknown)
    # The owner can still log in with the other spelling.
    assert token(client, probed).status_code == 200


def test_an_unknown_identifier_is_throttled_like_a_known_one(client, runners):
    def run(identifier):
        results = [token(client, identifier, WRONG) for _ in range(4)]
        return [answer(result) for result in results]

    known, unknown = run("alice"), run("ghost")
    assert [status for status, _, _ in known] == [401, 401, 401, 429]
    assert known == unknown


def test_trivial_variants_of_a_spelling_share_its_lock(client, runners):
    lock(client, "alice")
    lock(client, "ghost")
    # Case and surrounding space do not give a fresh budget, whether or not the name exists.
    for variant in ("ALICE", " alice ", "GHOST", "Ghost "):
        assert token(client, variant, WRONG).status_code == 429, variant


def test_the_account_has_a_silent_budget_across_spellings(config, session_factory, runners, make):
    """Two spellings give 2 x 3 visible attempts; the account allows 4 failures in all."""
    client = client_with(config, session_factory, login_account_max_failures=4)
    lock(client, "alice")  # 3 failures on the account
    assert token(client, "alice@example.com", WRONG).status_code == 401  # the 4th: exhausted
    # Now even the right password is refused, exactly as a wrong one (and as an unknown name).
    refused = token(client, "alice@example.com")
    assert answer(refused) == answer(token(client, "ghost@example.com", WRONG))
    assert refused.status_code == 401
    # Other accounts are not affected.
    assert token(client, "bob").status_code == 200
    # A password reset (the owner proving who they are) lifts the account's lock.
    make.reset_code("alice", "ABCD1234")
    reset = client.simulate_put(
        "/v2/users/alice/change_password",
        json={"forgot_password_code": "ABCD1234", "new_password": NEW_PASSWORD},
    )
    assert reset.status_code == 200
    assert token(client, "alice", NEW_PASSWORD).status_code == 200


# -- reset throttle -----------------------------------------------------------------------------


def test_locking_a_reset_spelling_says_nothing_about_another(client, runners):
    for _ in range(3):
        assert client.simulate_post("/v2/forgot_password/alice@example.com").status_code == 202
    assert client.simulate_post("/v2/forgot_password/alice@example.com").status_code == 429
    by_name = client.simulate_post("/v2/forgot_password/alice")
    unknown = client.simulate_post("/v2/forgot_password/ghost")
    assert answer(by_name) == answer(unknown)
    assert by_name.status_code == 202
