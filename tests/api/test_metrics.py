"""`GET /metrics` in-process: who may read it, label shape, and counts that add up.

The metrics are per process (prometheus_client's design), so each test scrapes before and after
what it does and checks the difference. The text is parsed with the client library's own parser.
"""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any

import pytest
from falcon import testing
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.config import Config, ConfigError
from api.db import make_engine, make_session_factory
from api.mail import Mailer, MailError
from api.metrics import POOL_CHECKOUTS, UNMATCHED
from api.registry import Auth, build_registry
from api.routes import RESOURCE_MODULES
from resources.discovery import LinksDocuments
from tests.factories import PASSWORD
from tests.smtp import free_port

Sample = tuple[str, tuple[tuple[str, str], ...]]


def scrape(client: testing.TestClient) -> dict[Sample, float]:
    """Return every sample of GET /metrics as {(name, sorted labels): value}."""
    answer = client.simulate_get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[Sample, float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def delta(before: dict[Sample, float], after: dict[Sample, float], name: str) -> dict[Any, float]:
    """Return the change of every sample called `name`, keyed by its labels (non-zero only)."""
    changes = {}
    for (sample, labels), value in after.items():
        if sample == name and value != before.get((sample, labels), 0.0):
            changes[labels] = value - before.get((sample, labels), 0.0)
    return changes


def labels(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def requests_of(before, after) -> dict[Any, float]:
    return delta(before, after, "splits_http_requests_total")


def test_counts_requests_by_endpoint_method_and_status_class(client, runners):
    before = scrape(client)
    for _ in range(3):
        assert client.simulate_get("/v2/users/alice", headers=runners["bob"]).status_code == 200
    assert client.simulate_get("/v2/users/nobody", headers=runners["bob"]).status_code == 404
    assert client.simulate_get("/v2/users/alice").status_code == 401
    assert client.simulate_get("/no/such/path").status_code == 404
    assert client.simulate_delete("/health").status_code == 405
    after = scrape(client)
    assert requests_of(before, after) == {
        labels(endpoint="users.item", method="GET", status="2xx"): 3,
        # 404 from the responder and 401 from the middleware keep the endpoint's name.
        labels(endpoint="users.item", method="GET", status="4xx"): 2,
        labels(endpoint=UNMATCHED, method="GET", status="4xx"): 1,
        labels(endpoint=UNMATCHED, method="DELETE", status="4xx"): 1,
        # The first scrape, counted once it was answered.
        labels(endpoint="api.metrics", method="GET", status="2xx"): 1,
    }
    latency = delta(before, after, "splits_http_request_duration_seconds_count")
    assert latency[labels(endpoint="users.item", method="GET", status="2xx")] == 3


def test_a_bad_token_is_counted_under_the_endpoint_it_was_sent_to(client):
    before = scrape(client)
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.simulate_get("/v2/users/alice", headers=bad).status_code == 401
    after = scrape(client)
    assert labels(endpoint="users.item", method="GET", status="4xx") in requests_of(before, after)


def test_the_label_set_stays_the_same_size_after_a_thousand_distinct_urls(client, runners):
    client.simulate_get("/v2/users/alice", headers=runners["alice"])
    client.simulate_get("/v2/users/nobody0", headers=runners["alice"])
    client.simulate_get("/made/up/0")
    before = scrape(client)
    for number in range(1000):
        client.simulate_get(f"/v2/users/nobody{number}", headers=runners["alice"])
        client.simulate_get(f"/made/up/{number}")
    after = scrape(client)
    assert set(after) == set(before)
    changes = requests_of(before, after)
    assert changes[labels(endpoint="users.item", method="GET", status="4xx")] == 1000
    assert changes[labels(endpoint=UNMATCHED, method="GET", status="4xx")] == 1000


def test_database_statements_are_counted_per_request(client, runners, count_queries):
    before = scrape(client)
    with count_queries() as statements:
        assert client.simulate_get("/v2/users/alice", headers=runners["bob"]).status_code == 200
    after = scrape(client)
    endpoint = labels(endpoint="users.item")
    assert delta(before, after, "splits_db_statements_per_request_count") == {
        endpoint: 1,
        labels(endpoint="api.metrics"): 1,  # the first scrape, which runs no statement
    }
    assert delta(before, after, "splits_db_statements_per_request_sum") == {
        endpoint: len(statements)
    }
    assert len(statements) >= 2  # the caller's principal and the user read
    assert delta(before, after, "splits_db_seconds_per_request_sum")[endpoint] > 0
    # A request that never touches the database counts zero statements.
    client.simulate_get("/health")
    health = scrape(client)
    assert delta(after, health, "splits_db_statements_per_request_count") == {
        labels(endpoint="api.health"): 1,
        labels(endpoint="api.metrics"): 1,
    }
    assert delta(after, health, "splits_db_statements_per_request_sum") == {}


def test_logins_are_counted_by_outcome(client, make):
    make.user("lena")
    before = scrape(client)
    body = {"username": "lena", "password": PASSWORD}
    assert client.simulate_post("/v2/auth/token", json=body).status_code == 200
    wrong = {"username": "lena", "password": "wrong password!"}
    statuses = [client.simulate_post("/v2/auth/token", json=wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]  # the test config blocks after 3 failures
    after = scrape(client)
    assert delta(before, after, "splits_logins_total") == {
        labels(outcome="success"): 1,
        labels(outcome="failure"): 3,
        labels(outcome="throttled"): 1,
    }


def test_a_silently_locked_account_counts_as_throttled(config, session_factory, make):
    """The account's silent lock answers like a wrong password; operators still see it."""
    make.user("lena")
    locked = Config(**{**_fields(config), "login_account_max_failures": 2})
    client = testing.TestClient(create_app(locked, session_factory=session_factory))
    wrong = {"username": "lena", "password": "wrong password!"}
    for _ in range(2):
        assert client.simulate_post("/v2/auth/token", json=wrong).status_code == 401
    before = scrape(client)
    right = {"username": "lena@example.com", "password": PASSWORD}
    assert client.simulate_post("/v2/auth/token", json=right).status_code == 401
    after = scrape(client)
    assert delta(before, after, "splits_logins_total") == {labels(outcome="throttled"): 1}


def test_emails_are_counted_by_outcome(client, mailbox):
    before = scrape(client)
    Mailer.from_url(mailbox.url, "a@example.com").send("b@example.com", "Hi", "body")
    Mailer.from_url("", "a@example.com").send("b@example.com", "Hi", "body")
    with pytest.raises(MailError):
        Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", "a@example.com").send(
            "b@example.com", "Hi", "body"
        )
    after = scrape(client)
    assert delta(before, after, "splits_emails_total") == {
        labels(outcome="sent"): 1,
        labels(outcome="logged"): 1,
        labels(outcome="failed"): 1,
    }


def test_pool_checkouts_and_waits_are_measured(config, tmp_path):
    from api import migrations

    url = f"sqlite:///{tmp_path / 'pool.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        client = testing.TestClient(
            create_app(config, engine=engine, session_factory=make_session_factory(engine))
        )
        before = scrape(client)
        checkouts = POOL_CHECKOUTS._value.get()
        assert client.simulate_get("/health/ready").status_code == 200
        after = scrape(client)
        assert POOL_CHECKOUTS._value.get() - checkouts == 1
        assert delta(before, after, "splits_db_pool_checkouts_total") == {(): 1}
        assert delta(before, after, "splits_db_pool_wait_seconds_count") == {(): 1}
    finally:
        engine.dispose()


def test_build_info_names_the_version_and_the_schema_revision(client):
    from api.migrations import head_revision

    info = {
        dict(labels)["schema_revision"]: value
        for (name, labels), value in scrape(client).items()
        if name == "splits_build_info"
    }
    assert info == {head_revision(): 1.0}


def test_in_flight_requests_are_counted_while_served(client):
    samples = scrape(client)
    # Only the scrape itself is in flight while the exposition is written.
    assert samples[("splits_http_requests_in_flight", ())] == 1.0


def test_only_allowed_addresses_may_read_the_metrics(client):
    answer = client.simulate_get("/metrics", remote_addr="203.0.113.9")
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert "splits_http" not in answer.text
    assert client.simulate_get("/metrics", remote_addr="::1").status_code == 200


def test_the_allow_list_is_configurable(config, session_factory):
    allowed = Config(**{**_fields(config), "metrics_allow": ("10.0.0.0/8",)})
    client = testing.TestClient(create_app(allowed, session_factory=session_factory))
    assert client.simulate_get("/metrics", remote_addr="10.20.30.40").status_code == 200
    assert client.simulate_get("/metrics", remote_addr="127.0.0.1").status_code == 403


def test_a_bad_allow_list_is_a_config_error():
    env = {"SECRET_KEY": "x" * 40, "METRICS_ALLOW": "127.0.0.1,not-a-network"}
    with pytest.raises(ConfigError, match="METRICS_ALLOW"):
        Config.from_env(env)
    ok = Config.from_env({"SECRET_KEY": "x" * 40, "METRICS_ALLOW": "10.0.0.0/8, ::1"})
    assert ok.metrics_allow == ("10.0.0.0/8", "::1")


@pytest.fixture
def registry():
    """The registry that the app builds from its resource modules."""
    return build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)


def test_the_endpoint_is_declared_in_the_registry(registry):
    endpoint = registry["api.metrics"]
    assert (endpoint.template, endpoint.method, endpoint.auth) == ("/metrics", "GET", Auth.NONE)
    assert "text/plain" in endpoint.media_type


def test_every_endpoint_label_is_a_registry_name_or_unmatched(client, registry, runners):
    """Bounded cardinality: the endpoint label takes registry names and `unmatched` only.

    Other tests build apps with endpoints of their own in this process, so only the labels
    that these requests changed are checked.
    """
    before = scrape(client)
    for path in (
        "/",
        "/v2/links",
        "/v2/users/alice",
        "/v2/users/alice/x/y",
        "/%2e%2e/etc",
        "/docs/explorer.js",
        "/docs/nothing.js",
        "/v2/openapi.json",
        "/health/ready",
    ):
        for method in ("GET", "POST", "DELETE", "OPTIONS"):
            client.simulate_request(method, path, headers=runners["alice"])
    after = scrape(client)
    seen = Tally(dict(labels)["endpoint"] for labels in requests_of(before, after))
    assert UNMATCHED in seen and "users.item" in seen
    assert set(seen) <= {endpoint.name for endpoint in registry} | {UNMATCHED}


def _fields(config: Config) -> dict[str, Any]:
    return {name: getattr(config, name) for name in Config.__slots__}
