"""Alembic environment: run the migrations of Splits against SQLite or MySQL/MariaDB."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

import models
from api.config import DEFAULT_DATABASE_URL
from api.db import make_engine

config = context.config

# The alembic command line gets the logging of alembic.ini; callers inside the app (the CLI,
# the tests) keep their own logging set-up and pass configure_logger=False.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = models.Base.metadata


def database_url() -> str:
    """Return the URL set by the caller, else DATABASE_URL, else the development default."""
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def run_migrations_offline() -> None:
    """Refuse `--sql`: several revisions must read the database they change."""
    raise SystemExit(
        "offline mode (--sql) is not supported: revisions 0002-0004 and 0007 inspect the "
        "database (legacy names, duplicate memberships, duplicate e-mails, foreign-key indexes); "
        "run the migrations against a copy of the database instead"
    )


def _set_sqlite_foreign_keys(connection: Connection, enabled: bool) -> None:
    # SQLite ignores this pragma inside a transaction, and SQLAlchemy begins one on first use of
    # a Connection; the DBAPI connection runs it outside any transaction.
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def run_migrations_online() -> None:
    """Run the migrations on a new connection to the database."""
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            is_sqlite = connection.dialect.name == "sqlite"
            if is_sqlite:
                # Batch mode rebuilds a table by creating a copy, dropping the original and
                # renaming the copy, which SQLite only allows with foreign keys off.
                _set_sqlite_foreign_keys(connection, False)
            try:
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    compare_type=True,
                    # SQLite cannot alter constraints in place: batch mode rebuilds the table.
                    render_as_batch=is_sqlite,
                    # Commit each revision with its alembic_version row: MySQL DDL commits
                    # anyway, and a failed upgrade must resume where it stopped.
                    transaction_per_migration=True,
                )
                with context.begin_transaction():
                    context.run_migrations()
            finally:
                if is_sqlite:
                    _set_sqlite_foreign_keys(connection, True)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
