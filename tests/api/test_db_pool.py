"""The connection pool costs no needless round trip, and still survives dropped connections."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from api import db as db_module
from api.db import make_engine, make_session_factory


@pytest.fixture
def mysql_engine(database_url, monkeypatch):
    if not database_url.startswith("mysql"):
        pytest.skip("the pool settings apply to MySQL/MariaDB: set DATABASE_URL to run this")
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.2)
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


class Calls:
    """Count the DBAPI calls that cost a round trip but run no statement."""

    def __init__(self, monkeypatch, connection_class) -> None:
        self.names: list[str] = []
        for name in ("ping", "rollback"):
            original = getattr(connection_class, name)
            monkeypatch.setattr(connection_class, name, self._wrap(name, original))

    def _wrap(self, name, original):
        def call(connection, *args, **kwargs):
            self.names.append(name)
            return original(connection, *args, **kwargs)

        return call


def _request(factory) -> int:
    with factory() as session:
        return int(session.execute(text("SELECT CONNECTION_ID()")).scalar_one())


def test_a_request_costs_one_rollback_and_no_ping(mysql_engine, monkeypatch):
    import pymysql.connections

    factory = make_session_factory(mysql_engine)
    _request(factory)  # open the pooled connection
    calls = Calls(monkeypatch, pymysql.connections.Connection)
    for _ in range(3):
        _request(factory)
    assert calls.names == ["rollback"] * 3


def test_an_idle_connection_is_pinged_and_replaced_when_dropped(mysql_engine, monkeypatch):
    import pymysql
    import pymysql.connections

    factory = make_session_factory(mysql_engine)
    first = _request(factory)
    url = mysql_engine.url
    killer = pymysql.connect(host=url.host, port=url.port, user=url.username, password=url.password)
    with killer.cursor() as cursor:
        cursor.execute(f"KILL {first}")  # as a database restart or wait_timeout would
    killer.close()
    time.sleep(0.3)
    calls = Calls(monkeypatch, pymysql.connections.Connection)
    second = _request(factory)
    assert second != first
    assert calls.names[0] == "ping"
