"""A database that cannot be reached is a quick 503 with Retry-After, never a hang or a 500."""

from __future__ import annotations

import socket
import time

import pytest
from falcon import testing

from api.app import create_app
from api.db import make_engine


@pytest.fixture
def unreachable_client(config):
    with socket.socket() as sock:  # a loopback port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = make_engine(f"mysql+pymysql://nobody:nothing@127.0.0.1:{port}/splits", timeout=2)
    yield testing.TestClient(create_app(config, engine=engine))
    engine.dispose()


@pytest.mark.parametrize("path", ["/health/ready", "/v2/types", "/v2/users/lookup/alice"])
def test_database_down_is_503_within_seconds(unreachable_client, path):
    started = time.monotonic()
    result = unreachable_client.simulate_get(path)
    assert time.monotonic() - started < 3
    assert result.status_code == 503
    assert result.headers["retry-after"].isdigit()
    assert result.headers["content-type"].startswith("application/problem+json")
    assert "pymysql" not in result.text.lower() and "select" not in result.text.lower()


def test_liveness_does_not_need_the_database(unreachable_client):
    assert unreachable_client.simulate_get("/health").status_code == 200
