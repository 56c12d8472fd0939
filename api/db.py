"""Database engine and session factory: SQLite for development, MySQL/MariaDB in production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, pool_size: int = 5, timeout: int = 3, **kwargs: Any) -> Engine:
    """Create an engine that fails fast when the database is gone and enforces foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": timeout, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "mysql":
        connect_args = {
            "connect_timeout": timeout,
            "read_timeout": max(timeout, 10),
            "write_timeout": max(timeout, 10),
            "charset": "utf8mb4",
        }
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=timeout,
        # A rollback on checkin is enough to reset a connection; a full reset round trip is not.
        pool_reset_on_return="rollback",
        connect_args=connect_args,
        **kwargs,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory used once per request."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
