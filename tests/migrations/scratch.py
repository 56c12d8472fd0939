"""Throwaway databases for migration tests: a SQLite file, or a new database on the MySQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


def server_url() -> str | None:
    """Return DATABASE_URL when it points at MySQL/MariaDB, else None."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("mysql") else None


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards.

    On MySQL it is a new database beside DATABASE_URL's (named splits_*, which the splits user
    may create), so the migrations run from scratch without touching the shared test database.
    """
    base = server_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"splits_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.dispose()
