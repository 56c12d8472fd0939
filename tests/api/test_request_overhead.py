"""What every request pays: sessions only when used, links built once and copied."""

from __future__ import annotations

import pytest
from falcon import testing
from sqlalchemy import event

from api.app import create_app
from api.links import Linker
from api.middleware import RequestContext
from api.registry import build_registry
from api.routes import RESOURCE_MODULES
from resources.discovery import LinksDocuments


class CountingFactory:
    """A session factory that counts the sessions it opens and closes."""

    def __init__(self, factory) -> None:
        self.factory = factory
        self.opened = 0
        self.closed = 0

    def __call__(self):
        self.opened += 1
        session = self.factory()
        close = session.close

        def counted_close() -> None:
            self.closed += 1
            close()

        session.close = counted_close
        return session


def test_a_request_without_database_work_opens_no_session(config, session_factory):
    factory = CountingFactory(session_factory)
    client = testing.TestClient(create_app(config, session_factory=factory))
    assert client.simulate_get("/v2/links").status_code == 200
    assert client.simulate_get("/v2").status_code == 200
    assert factory.opened == 0


def test_a_request_that_reads_opens_one_session_and_closes_it(config, session_factory, runners):
    factory = CountingFactory(session_factory)
    client = testing.TestClient(create_app(config, session_factory=factory))
    answer = client.simulate_get("/v2/users/alice", headers=runners["alice"])
    assert answer.status_code == 200
    assert factory.opened == factory.closed == 1


def test_a_failing_request_closes_its_session_too(config, session_factory, runners):
    factory = CountingFactory(session_factory)
    client = testing.TestClient(create_app(config, session_factory=factory))
    assert client.simulate_get("/v2/users/nobody", headers=runners["bob"]).status_code == 404
    assert factory.opened == factory.closed == 1


def test_the_context_opens_the_session_once_and_accepts_one_given():
    opened = []
    context = RequestContext()
    assert getattr(context, "db", None) is None  # no factory: no session, no error
    context.session_factory = lambda: opened.append(1) or object()
    assert context.opened_session() is None
    first = context.db
    assert context.db is first and opened == [1]
    given = object()
    context.db = given
    assert context.opened_session() is given


def test_links_are_built_once_and_handed_out_as_copies(registry):
    linker = Linker(registry)
    req = testing.create_req()
    first = linker.link(req, "users.lookup", username="alice")
    first["href"] = "/tampered"
    second = linker.link(req, "users.lookup", username="alice")
    assert second["href"] == "/v2/users/lookup/alice"
    assert linker.link(req, "users.lookup", username="bob")["href"] == "/v2/users/lookup/bob"
    templated = linker.link(req, "users.lookup")
    assert templated["href"] == "/v2/users/lookup/{username}" and templated["templated"]
    assert linker.link(req, "users.lookup", rel="check")["rel"] == "check"


def test_the_link_memo_stays_bounded(registry, monkeypatch):
    linker = Linker(registry)
    monkeypatch.setattr(Linker, "MEMO_LIMIT", 10)
    req = testing.create_req()
    for number in range(25):
        href = linker.link(req, "users.lookup", username=f"u{number}")["href"]
        assert href == f"/v2/users/lookup/u{number}"
    assert len(linker._memo) <= 10


@pytest.fixture
def registry():
    """The registry that the app builds from its resource modules."""
    return build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)


def test_reading_a_user_loads_no_credential_or_audit_column(client, runners, connection):
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        answer = client.simulate_get("/v2/users/bob", headers=runners["alice"])
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert answer.status_code == 200 and answer.json["user"]["username"] == "bob"
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2  # the caller, then the user: no lazy load of a deferred column
    user_query = reads[-1]
    for column in ("password", "salt", "activation_code", "created_date", "modified_user"):
        assert f"users.{column}" not in user_query
    assert "users.version" in user_query and "users.email" in user_query
