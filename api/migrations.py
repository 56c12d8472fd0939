"""Run the Alembic migrations from the app: upgrade, downgrade, adopt a legacy database, check."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, inspect, select, table
from sqlalchemy.engine import make_url

from api.config import PROJECT_ROOT
from api.db import make_engine

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
#: The revision that creates the legacy SaintsXCTF schema; a legacy database is stamped with it.
LEGACY_BASELINE = "0001_legacy_baseline"
#: Tables whose presence shows that a database holds the legacy schema.
LEGACY_TABLES = frozenset({"users", "logs", "comments", "groups", "groupmembers", "teammembers"})
#: Where Alembic records the revision (its default name and column).
VERSION_TABLE = table("alembic_version", column("version_num"))


class MigrationError(RuntimeError):
    """Raise when a database is not in a state that the requested migration step accepts."""


def alembic_config(url: str | None = None) -> Config:
    """Return the Alembic configuration of the project, aimed at `url` when given."""
    config = Config(str(ALEMBIC_INI))
    # An absolute script location makes the commands work from any working directory.
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if url is not None:
        # Config values go through ConfigParser interpolation: a %-escaped password needs %%.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Keep the caller's logging: env.py only loads alembic.ini's when run by the alembic command.
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision` (default: the latest)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base" drops everything)."""
    command.downgrade(alembic_config(url), revision)


def stamp_legacy(url: str) -> None:
    """Mark an existing SaintsXCTF database as being at the legacy baseline, without changing it."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            current = current_revision(connection)
    finally:
        engine.dispose()
    if current == LEGACY_BASELINE:
        return
    if current is not None:
        raise MigrationError(
            f"the database is already managed by the migrations (at {current}); "
            "run `python -m api db upgrade` instead"
        )
    missing = LEGACY_TABLES - tables
    if missing:
        raise MigrationError(
            f"not a SaintsXCTF database ({make_url(url).render_as_string()}): missing tables "
            f"{', '.join(sorted(missing))}; an empty database needs only `python -m api db upgrade`"
        )
    command.stamp(alembic_config(url), LEGACY_BASELINE)


@cache
def head_revision() -> str:
    """Return the latest revision of the migration scripts (read once per process)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise MigrationError("no migration scripts found")
    return head


def current_revision(connection: Connection) -> str | None:
    """Return the revision the database is at, or None when it is not under migration control."""
    # Two small queries instead of an Alembic MigrationContext, which logs at INFO each time it
    # is made: the readiness probe calls this every few seconds.
    if not inspect(connection).has_table(VERSION_TABLE.name):
        return None
    revisions = connection.execute(select(VERSION_TABLE.c.version_num)).scalars().all()
    if len(revisions) > 1:
        raise MigrationError(f"the database has several heads: {', '.join(sorted(revisions))}")
    return revisions[0] if revisions else None


def is_at_head(connection: Connection) -> bool:
    """Tell whether the database schema is at the latest migration."""
    return current_revision(connection) == head_revision()
