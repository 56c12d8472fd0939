"""Give a legacy database built by the old SQL script the index names of revision 1.

Revision ID: 0002_adopt_legacy_names
Revises: 0001_legacy_baseline
Create Date: 2025-11-21

The legacy API's database was created by a hand-written SQL script, while its ORM declared more
indexes (users.first/last/class_year/email, logs.username/date/type/miles/time/feel) and the
script named the groups.group_name index after the column. So a stamped legacy database may lack
some of revision 1's indexes or have them under other names. This revision renames or creates
them, so every later revision and `alembic check` see one schema. On a database that revision 1
created, it does nothing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from alembic import op

revision: str = "0002_adopt_legacy_names"
down_revision: str | None = "0001_legacy_baseline"
branch_labels: str | None = None
depends_on: str | None = None

log = logging.getLogger("alembic.runtime.migration")

LEGACY_INDEXES: dict[str, tuple[str, ...]] = {
    "users": ("first", "last", "class_year", "email"),
    "groups": ("group_name",),
    "logs": ("username", "date", "type", "miles", "time", "feel"),
}


def upgrade() -> None:
    """Rename or create the legacy single-column indexes under their conventional names."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    preparer = bind.dialect.identifier_preparer
    for table, columns in LEGACY_INDEXES.items():
        indexes = inspector.get_indexes(table)
        names = {index["name"] for index in indexes}
        # An index that only backs a foreign key keeps its name: MySQL created it implicitly.
        fk_names = {fk["name"] for fk in inspector.get_foreign_keys(table)}
        for column in columns:
            wanted = f"ix_{table}_{column}"
            if wanted in names:
                continue
            same = [
                index["name"]
                for index in indexes
                if index["column_names"] == [column]
                and not index["unique"]
                and index["name"] not in fk_names
            ]
            if same and bind.dialect.name in ("mysql", "mariadb"):
                old = same[0]
                log.info("renaming index %s.%s to %s", table, old, wanted)
                op.execute(
                    f"ALTER TABLE {preparer.quote(table)} "
                    f"RENAME INDEX {preparer.quote(old)} TO {preparer.quote(wanted)}"
                )
            else:
                log.info("creating missing legacy index %s", wanted)
                op.create_index(wanted, table, [column])


def downgrade() -> None:
    """Keep the conventional names: the legacy names are not worth restoring."""
