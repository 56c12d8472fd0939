"""Fixtures of the migration tests: an empty scratch database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.migrations.scratch import scratch_database, server_url


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """Return the URL of an empty database on the test backend, dropped after the test."""
    with scratch_database(tmp_path) as url:
        yield url


@pytest.fixture
def mariadb_url(scratch_url: str) -> str:
    """Return a scratch MySQL/MariaDB database; skip the test on SQLite."""
    if server_url() is None:
        pytest.skip(
            "legacy adoption needs MySQL/MariaDB: set DATABASE_URL=$(scripts/mariadb.sh url)"
        )
    return scratch_url
