"""GET /metrics through nginx and both uWSGI instances: the figures of every worker add up.

A known mix of requests goes through nginx (which spreads them over both instances, each with
several workers); one scrape, parsed with prometheus_client's own parser, must count exactly
that mix. Then a thousand distinct URLs must add no series, and an address outside the allowed
networks gets nginx's 403 problem document.
"""

from __future__ import annotations

import http.client
import uuid
from collections import Counter
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Reply, Stack, assert_problem

pytestmark = pytest.mark.e2e

Labels = tuple[tuple[str, str], ...]


def scrape(stack: Stack) -> dict[tuple[str, Labels], float]:
    """Scrape /metrics through nginx; return {(sample name, sorted labels): value}."""
    reply = stack.get("/metrics")
    assert reply.status == 200, reply.body[:500]
    assert (reply.header("Content-Type") or "").startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def changes(before: dict, after: dict, name: str) -> dict[Labels, float]:
    """Return the non-zero change of every sample called `name`, by labels."""
    found = {}
    for (sample, labels), value in after.items():
        if sample == name and value != before.get((sample, labels), 0.0):
            found[labels] = value - before.get((sample, labels), 0.0)
    return found


def key(endpoint: str, method: str, status: str) -> Labels:
    return (("endpoint", endpoint), ("method", method), ("status", status))


def test_the_counts_of_every_worker_and_instance_add_up_exactly(healthy: Stack) -> None:
    auth = healthy.auth()
    stranger = f"nobody{uuid.uuid4().hex[:8]}"
    before = scrape(healthy)
    upstreams: Counter[str] = Counter()

    def send(method: str, path: str, status: int, **kwargs: Any) -> None:
        reply = healthy.request(method, path, **kwargs)
        assert reply.status == status, (path, reply.body[:300])
        upstreams[reply.upstream or "?"] += 1

    for _ in range(30):
        send("GET", "/health", 200)
    for _ in range(20):
        send("GET", f"/v2/users/{healthy.admin}", 200, headers=auth)
    for number in range(10):
        send("GET", f"/no/such/thing/{number}", 404)
    for _ in range(6):
        send("GET", "/v2/users", 401)
    wrong = {"username": stranger, "password": "not the password"}
    for _ in range(3):
        send("POST", "/v2/auth/token", 401, body=wrong)
    right = {"username": healthy.admin, "password": healthy.password}
    send("POST", "/v2/auth/token", 200, body=right)
    after = scrape(healthy)

    # Both instances served part of the mix, so the scrape read other processes' files.
    assert set(upstreams) == healthy.upstreams, upstreams
    assert changes(before, after, "splits_http_requests_total") == {
        key("api.health", "GET", "2xx"): 30,
        key("users.item", "GET", "2xx"): 20,
        key("unmatched", "GET", "4xx"): 10,
        key("users.list", "GET", "4xx"): 6,
        key("auth.token", "POST", "4xx"): 3,
        key("auth.token", "POST", "2xx"): 1,
        key("api.metrics", "GET", "2xx"): 1,  # the first scrape
    }
    latency = changes(before, after, "splits_http_request_duration_seconds_count")
    assert latency == changes(before, after, "splits_http_requests_total")
    logins = changes(before, after, "splits_logins_total")
    assert logins == {(("outcome", "failure"),): 3, (("outcome", "success"),): 1}
    statements = changes(before, after, "splits_db_statements_per_request_count")
    assert statements[(("endpoint", "users.item"),)] == 20
    # Every request of the mix checked a connection out of some worker's pool but /health's,
    # the 404s' and the 401s' refused before any database work.
    assert changes(before, after, "splits_db_pool_checkouts_total")[()] >= 24
    assert after[("splits_http_requests_in_flight", ())] == 1.0  # the scrape itself
    build = [labels for name, labels in after if name == "splits_build_info"]
    assert len(build) == 1 and dict(build[0])["version"]


def test_a_thousand_distinct_urls_add_no_series(healthy: Stack) -> None:
    auth = healthy.auth()
    healthy.get("/v2/users/nobody-warmup", headers=auth)
    healthy.get("/made/up/warmup")
    before = scrape(healthy)
    for number in range(500):
        assert healthy.get(f"/v2/users/nobody{number}", headers=auth).status == 404
        assert healthy.get(f"/made/up/{number}").status == 404
    after = scrape(healthy)
    assert set(after) == set(before)
    counted = changes(before, after, "splits_http_requests_total")
    assert counted[key("users.item", "GET", "4xx")] == 500
    assert counted[key("unmatched", "GET", "4xx")] == 500


def test_an_outside_address_is_refused_with_a_problem_document(healthy: Stack) -> None:
    # 127.0.0.2 is a loopback address too, but not one the allow list names: it stands in for
    # any address outside loopback and the configured internal network.
    connection = http.client.HTTPConnection(
        healthy.host, healthy.port, timeout=10, source_address=("127.0.0.2", 0)
    )
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    reply = Reply(response.status, response.headers, body, 0.0)
    document = assert_problem(reply, 403)
    assert document["instance"] == "/metrics"
    assert b"splits_http" not in body
