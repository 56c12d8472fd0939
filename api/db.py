"""Database engine and session factory: SQLite for development, MySQL/MariaDB in production."""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from api.metrics import MeasuredQueuePool, instrument_pool

#: How long a SQLite connection waits for another one's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000

#: Whether the transactions this context begins will write. On SQLite they then take the write
#: lock when they begin (BEGIN IMMEDIATE), waiting for it up to the busy timeout. A deferred
#: transaction that has read and then writes after another connection committed cannot wait:
#: SQLite fails it at once with "database is locked" (SQLITE_BUSY_SNAPSHOT in WAL mode), which
#: is what made 11 of 12 parallel logins answer 503. Reads keep deferred transactions, so they
#: never wait for writers (WAL). Set per request by `api.middleware.DatabaseSession`.
WRITE_INTENT: ContextVar[bool] = ContextVar("splits_write_intent", default=False)

#: A pooled connection idle for longer than this is pinged before use (see `_ping_when_idle`).
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    timeout: int = 3,
    wsrep_sync_wait: int | None = None,
    **kwargs: Any,
) -> Engine:
    """Create an engine that fails fast when the database is gone and enforces foreign keys.

    `wsrep_sync_wait` (MariaDB Galera) is set on every new connection: 1 makes each read wait
    until the node has applied everything the cluster committed before it (read-your-writes
    even right after a failover to another node; docs/operations.md).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if parsed.database and parsed.database != ":memory:":
            kwargs.setdefault("poolclass", MeasuredQueuePool)
        engine = create_engine(
            url, connect_args={"timeout": timeout, "check_same_thread": False}, **kwargs
        )
        instrument_pool(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITE_INTENT.get() else "BEGIN")

        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "mysql":
        connect_args = {
            "connect_timeout": timeout,
            "read_timeout": max(timeout, 10),
            "write_timeout": max(timeout, 10),
            "charset": "utf8mb4",
        }
        if wsrep_sync_wait is not None:
            connect_args["init_command"] = f"SET SESSION wsrep_sync_wait={int(wsrep_sync_wait)}"
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=timeout,
        # Checkin costs no round trip: every use goes through a Connection or a Session, and
        # closing either already rolls its transaction back. The pool's own reset would send a
        # second ROLLBACK per request (measured: SQLAlchemy cannot tell a Session closed it).
        pool_reset_on_return=None,
        connect_args=connect_args,
        poolclass=kwargs.pop("poolclass", MeasuredQueuePool),
        **kwargs,
    )
    instrument_pool(engine)
    _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def _ping_when_idle(engine: Engine, after: float) -> None:
    """Ping a pooled connection before use only when it sat idle for more than `after` seconds.

    `pool_pre_ping` pings on every checkout, one extra round trip per request. A connection that
    served a request a moment ago is alive; one that idled may have been dropped by a database
    restart or a timeout, and a failed ping makes the pool replace it before the request uses
    it. Under load connections never idle, so the ping disappears from the hot path.
    """

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) <= after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as ex:
            # The pool discards this connection and checks out (or opens) another one.
            raise DisconnectionError(str(ex)) from ex


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory used once per request."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
