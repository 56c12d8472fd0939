"""MariaDB stops: JSON 503 within 3 seconds; it restarts: service resumes, uWSGI untouched."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import Stack, assert_problem

pytestmark = pytest.mark.e2e

FAST = 3.0  # seconds: CONTRACT §4, "503 with Retry-After, within a few seconds, never a hang"


def test_a_database_outage_is_a_quick_json_503_and_service_resumes(healthy: Stack) -> None:
    auth = healthy.auth()
    user_path = f"/v2/users/{healthy.admin}"
    masters = healthy.master_pids()
    # Every worker of both instances has pooled connections before the outage.
    for _ in range(20):
        assert healthy.get(user_path, headers=auth).status == 200

    healthy.mariadb("down")
    try:
        answered_by = set()
        # Enough requests for both instances to answer several of them (round robin).
        for path, headers in [("/health/ready", {}), (user_path, auth), ("/v2/types", {})] * 4:
            reply = healthy.get(path, headers=headers, timeout=15)
            assert reply.elapsed < FAST, f"{path} took {reply.elapsed:.1f}s"
            assert_problem(reply, 503)
            assert int(reply.header("Retry-After") or "0") >= 1
            answered_by.add(reply.upstream)
        assert answered_by == healthy.upstreams
    finally:
        healthy.mariadb("up")

    # Service resumes by itself: no uWSGI restart, only the pools reconnecting.
    deadline = time.monotonic() + 30
    while healthy.get("/health/ready").status != 200:
        assert time.monotonic() < deadline, "not ready 30 s after MariaDB came back"
        time.sleep(0.25)
    statuses = [healthy.get(user_path, headers=auth).status for _ in range(40)]
    assert statuses == [200] * 40, statuses
    assert healthy.master_pids() == masters
