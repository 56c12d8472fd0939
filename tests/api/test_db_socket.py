"""A database on the same host over its unix socket: the same engine settings as over TCP.

`scripts/stack.sh` connects to its own MariaDB through the socket (docs/operations.md); a
point query costs about 97 µs there against 249 µs over TCP on 127.0.0.1 (issue 14).
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from api import db as db_module
from api.db import make_engine, make_session_factory

SOCKET_URL = "mysql+pymysql://splits:pw@/splits_x?unix_socket=/run/mysqld/mysqld.sock"


class _Stop(Exception):
    """Raised instead of connecting: the test only wants the connection's arguments."""


def _connect_arguments(url: str, **settings: Any) -> dict[str, Any]:
    engine = make_engine(url, **settings)
    seen: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def _capture(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Stop

    with pytest.raises(_Stop):
        engine.connect()
    engine.dispose()
    return seen


def test_a_socket_url_reaches_the_driver_with_every_setting():
    arguments = _connect_arguments(SOCKET_URL, timeout=3, wsrep_sync_wait=1)
    assert arguments["unix_socket"] == "/run/mysqld/mysqld.sock"
    assert "host" not in arguments and "port" not in arguments
    assert (arguments["user"], arguments["password"], arguments["database"]) == (
        "splits",
        "pw",
        "splits_x",
    )
    # The same fail-fast timeouts, charset and Galera setting as over TCP.
    assert arguments["connect_timeout"] == 3
    assert arguments["read_timeout"] == arguments["write_timeout"] == 10
    assert arguments["charset"] == "utf8mb4"
    assert arguments["init_command"] == "SET SESSION wsrep_sync_wait=1"


def test_a_socket_url_gets_the_same_pool():
    engine = make_engine(SOCKET_URL, pool_size=4)
    assert (engine.pool.size(), engine.pool._max_overflow) == (4, 4)  # type: ignore[attr-defined]
    assert engine.pool._recycle == 1800  # type: ignore[attr-defined]
    engine.dispose()


@pytest.fixture
def socket_url(database_url):
    """The test database's URL over the server's unix socket (skip when it has none here)."""
    if not database_url.startswith("mysql"):
        pytest.skip("a unix socket is MySQL/MariaDB's: set DATABASE_URL to run this")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        path = connection.scalar(text("SELECT @@socket"))
    engine.dispose()
    if not path or not os.path.exists(path):
        pytest.skip("the database server is not on this host")
    url = make_url(database_url)
    return f"mysql+pymysql://{url.username}:{url.password}@/{url.database}?unix_socket={path}"


def test_the_app_engine_works_over_the_socket(socket_url, monkeypatch):
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.2)
    engine = make_engine(socket_url, pool_size=1, wsrep_sync_wait=0)
    other = make_engine(socket_url, pool_size=1)  # KILL wants the same account (@localhost)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            dbapi = session.connection().connection.dbapi_connection
            assert dbapi.host_info == "Localhost via UNIX socket"
            assert session.execute(text("SELECT @@SESSION.wsrep_sync_wait")).scalar_one() == 0
            first = int(session.execute(text("SELECT CONNECTION_ID()")).scalar_one())
        # The server drops the idle pooled connection: the ping before its reuse notices, and
        # the pool opens another one (over the socket again) instead of failing the request.
        with other.connect() as killer:
            killer.execute(text(f"KILL {first}"))
        time.sleep(0.3)
        with factory() as session:
            again = int(session.execute(text("SELECT CONNECTION_ID()")).scalar_one())
            dbapi = session.connection().connection.dbapi_connection
            assert dbapi.host_info == "Localhost via UNIX socket"
        assert again != first
    finally:
        engine.dispose()
        other.dispose()
