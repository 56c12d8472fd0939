"""CORS from configuration and OPTIONS with Allow, so browser clients on other origins work."""

from __future__ import annotations

import dataclasses

import pytest
from falcon import testing

from api.app import EXPOSED_HEADERS, create_app

ORIGIN = "https://coach.example"


@pytest.fixture
def cors_client(config, session_factory):
    """A client of an app that allows one origin."""
    config = dataclasses.replace(config, cors_origins=(ORIGIN,))
    return testing.TestClient(create_app(config, session_factory=session_factory))


def _exposed(result) -> set[str]:
    return {name.strip() for name in result.headers["access-control-expose-headers"].split(",")}


def test_options_answers_with_allow(client):
    result = client.simulate_options("/v2/users/alice")
    assert result.status_code == 200
    assert set(result.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE"}
    assert client.simulate_options("/v2/types").headers["allow"] == "GET"


def test_no_cors_headers_unless_configured(client):
    result = client.simulate_get("/", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in result.headers


def test_preflight_allows_the_route_methods_and_the_requested_headers(cors_client):
    result = cors_client.simulate_options(
        "/v2/users/alice",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
    assert result.status_code == 200
    assert result.headers["access-control-allow-origin"] == ORIGIN
    methods = set(result.headers["access-control-allow-methods"].split(", "))
    assert methods == {"GET", "PUT", "PATCH", "DELETE"}
    assert result.headers["access-control-allow-headers"] == "authorization, content-type, if-match"
    assert int(result.headers["access-control-max-age"]) > 0
    assert "Origin" in result.headers["vary"]


def test_preflight_needs_no_token_even_for_protected_routes(cors_client):
    result = cors_client.simulate_options(
        "/v2/users",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
            "Authorization": "Bearer not-a-token",
        },
    )
    assert result.status_code == 200
    assert "GET" in result.headers["access-control-allow-methods"].split(", ")


def test_simple_requests_expose_the_hypermedia_headers(cors_client, runners):
    result = cors_client.simulate_get(
        "/v2/users", params={"limit": 1}, headers={"Origin": ORIGIN, **runners["alice"]}
    )
    assert result.status_code == 200
    assert result.headers["access-control-allow-origin"] == ORIGIN
    assert {"Link", "ETag", "Location", "X-Request-ID"} <= _exposed(result)
    assert _exposed(result) == set(EXPOSED_HEADERS)
    assert "credentials" not in " ".join(result.headers)  # tokens travel in a header, not cookies


def test_errors_carry_cors_headers_so_browsers_can_read_the_problem(cors_client):
    for path in ("/v2/users", "/no/such/path"):
        result = cors_client.simulate_get(path, headers={"Origin": ORIGIN})
        assert result.status_code in (401, 404)
        assert result.headers["access-control-allow-origin"] == ORIGIN
        assert "WWW-Authenticate" in _exposed(result)


def test_other_origins_get_no_cors_headers(cors_client):
    result = cors_client.simulate_get("/", headers={"Origin": "https://evil.example"})
    assert result.status_code == 200
    assert "access-control-allow-origin" not in result.headers
    preflight = cors_client.simulate_options(
        "/v2/users/alice",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"},
    )
    assert "access-control-allow-methods" not in preflight.headers


def test_a_wildcard_allows_every_origin_without_varying(config, session_factory):
    config = dataclasses.replace(config, cors_origins=("*",))
    client = testing.TestClient(create_app(config, session_factory=session_factory))
    result = client.simulate_get("/", headers={"Origin": "https://any.example"})
    assert result.headers["access-control-allow-origin"] == "*"
    assert "vary" not in result.headers


def test_cors_origins_come_from_the_environment():
    from api.config import Config

    config = Config.from_env(
        {"SECRET_KEY": "x" * 40, "CORS_ORIGINS": "https://a.example, https://b.example"}
    )
    assert config.cors_origins == ("https://a.example", "https://b.example")
