"""What a Galera cluster needs from the schema and the code (docs/operations.md, "Galera").

Galera replicates InnoDB row changes only, certifies them by primary key, and runs
`wsrep_mode=REQUIRED_PRIMARY_KEY,STRICT_REPLICATION` in Splits' cluster; named locks and table
locks hold on one node only, so they would silently stop excluding anything.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, text

from models import Base

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("api", "dao", "models", "resources", "alembic", "scripts", "bench")
NODE_LOCAL_LOCKS = re.compile(r"GET_LOCK|LOCK\s+TABLES?\b|RELEASE_LOCK|IS_FREE_LOCK", re.I)


def test_no_code_takes_node_local_locks():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for directory in SOURCE_DIRS
        for path in sorted((ROOT / directory).rglob("*"))
        if path.is_file() and path.suffix in {".py", ".sh", ".sql", ".cfg", ".ini", ".conf"}
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if NODE_LOCAL_LOCKS.search(line)
    ]
    assert offenders == []


def test_the_pattern_finds_what_it_must():
    for statement in ("SELECT GET_LOCK('x', 1)", "lock tables logs write", "LOCK TABLE logs"):
        assert NODE_LOCAL_LOCKS.search(statement)


def test_every_model_table_has_a_primary_key():
    assert [name for name, table in Base.metadata.tables.items() if not table.primary_key] == []


def test_every_table_of_the_migrated_database_is_innodb_with_a_primary_key(engine: Engine):
    if engine.dialect.name != "mysql":
        return  # SQLite: the models' check above is what applies
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT t.table_name, t.engine, "
                "  (SELECT COUNT(*) FROM information_schema.table_constraints c"
                "   WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name"
                "     AND c.constraint_type = 'PRIMARY KEY') AS pks "
                "FROM information_schema.tables t "
                "WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'"
            )
        ).all()
    names = {row[0] for row in rows}
    assert set(Base.metadata.tables) | {"alembic_version"} <= names
    assert [row[0] for row in rows if row[1] != "InnoDB" or row[2] != 1] == []
