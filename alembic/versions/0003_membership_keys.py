"""Give memberships primary keys and make each membership unique.

Revision ID: 0003_membership_keys
Revises: 0002_adopt_legacy_names
Create Date: 2025-11-21

Legacy flaws fixed here (legacy-v2 §7 item 15):

* `teammembers` and `teamgroups` had no primary key: they get a surrogate `id`.
* Nothing stopped duplicate memberships (a failed registration added them): duplicates of
  (group_id, username), (team_name, username) and (team_name, group_id) are collapsed and unique
  constraints added. Of each set of duplicates the row that the legacy API gave effect to is
  kept: a live row over a soft-deleted one, then an accepted one over a pending one, then an
  admin over a user, then the lowest id. So nobody loses a membership or a role they had.
* `groupmembers.group_name`, `teamgroups.group_name` and `events.group_name` referred by foreign
  key to the non-unique `groups.group_name`. That key is a copy (the id is the reference), it
  stops a group from being renamed, and SQLite rejects every write to a table with such a key.
  The foreign keys are dropped; the columns stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0003_membership_keys"
down_revision: str | None = "0002_adopt_legacy_names"
branch_labels: str | None = None
depends_on: str | None = None

log = logging.getLogger("alembic.runtime.migration")

UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "groupmembers": ("group_id", "username"),
    "teammembers": ("team_name", "username"),
    "teamgroups": ("team_name", "group_id"),
}
GROUP_NAME_COPIES = ("groupmembers", "teamgroups", "events")


def _is_mysql() -> bool:
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def _quote(name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _is_live(row: Any) -> bool:
    # The legacy API hides a row unless `deleted IS FALSE`, so NULL counts as deleted.
    return row.deleted is not None and not row.deleted


def _membership_rank(row: Any) -> tuple[int, ...]:
    return (
        0 if _is_live(row) else 1,
        0 if row.status == "accepted" else 1,
        0 if row.user == "admin" else 1,
        row.id,
    )


def _link_rank(row: Any) -> tuple[int, ...]:
    return (0 if _is_live(row) else 1, row.id)


RANKS: dict[str, Callable[[Any], tuple[int, ...]]] = {
    "groupmembers": _membership_rank,
    "teammembers": _membership_rank,
    "teamgroups": _link_rank,
}


def _add_surrogate_id(table: str) -> None:
    if _is_mysql():
        # AUTO_INCREMENT numbers the existing rows; it must be a key in the same statement.
        op.execute(
            f"ALTER TABLE {_quote(table)} "
            "ADD COLUMN id INTEGER NOT NULL AUTO_INCREMENT FIRST, ADD PRIMARY KEY (id)"
        )
        return
    # SQLite: the rebuilt table's INTEGER PRIMARY KEY is the rowid, numbered while copying.
    with op.batch_alter_table(table, recreate="always") as batch:
        batch.add_column(sa.Column("id", sa.Integer(), nullable=False))
        batch.create_primary_key(f"pk_{table}", ["id"])


def _collapse_duplicates(table: str) -> None:
    """Delete all but the best row of each set of rows that share the table's unique key."""
    bind = op.get_bind()
    key = UNIQUE_KEYS[table]
    ranked_by = ["status", "user"] if RANKS[table] is _membership_rank else []
    columns = ["id", *key, "deleted", *ranked_by]
    rows_table = sa.table(table, *(sa.column(name) for name in columns))
    key_columns = [rows_table.c[name] for name in key]
    # The database groups the keys with its own collation (case-insensitive on MySQL), which is
    # also how the unique index will compare them.
    duplicated = bind.execute(
        sa.select(*key_columns)
        .where(*(column.is_not(None) for column in key_columns))
        .group_by(*key_columns)
        .having(sa.func.count() > 1)
    ).all()
    doomed: list[int] = []
    for values in duplicated:
        rows = bind.execute(
            sa.select(rows_table).where(
                *(column == value for column, value in zip(key_columns, values, strict=True))
            )
        ).all()
        keep = min(rows, key=RANKS[table])
        doomed.extend(row.id for row in rows if row.id != keep.id)
    for start in range(0, len(doomed), 500):
        chunk = doomed[start : start + 500]
        bind.execute(sa.delete(rows_table).where(rows_table.c.id.in_(chunk)))
    if doomed:
        log.warning("%s: removed %d duplicate rows (ids %s)", table, len(doomed), doomed[:50])


def _foreign_key_name(table: str, columns: Sequence[str], referred_table: str) -> str | None:
    """Find a foreign key by what it links: legacy databases named theirs differently."""
    for fk in sa.inspect(op.get_bind()).get_foreign_keys(table):
        if fk["constrained_columns"] == list(columns) and fk["referred_table"] == referred_table:
            return fk["name"]
    return None


def _drop_leftover_fk_index(table: str, name: str) -> None:
    # MySQL keeps the index it created for a foreign key after the key is dropped.
    if _is_mysql() and name in {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes(table)}:
        op.drop_index(name, table_name=table)


def _keep_fk_indexes(table: str, dropping: str) -> None:
    """Before dropping index `dropping` on MySQL, index any foreign key that relies on it alone.

    MySQL refuses to drop the only index that starts with a foreign key's columns; it had
    dropped its own implicit index for that key when the one we are dropping was created.
    """
    if not _is_mysql():
        return
    inspector = sa.inspect(op.get_bind())
    indexes = [ix for ix in inspector.get_indexes(table) if ix["name"] != dropping]
    unique_keys = [
        uq["column_names"]
        for uq in inspector.get_unique_constraints(table)
        if uq["name"] != dropping
    ]
    pk = inspector.get_pk_constraint(table)["constrained_columns"]
    covering = [ix["column_names"] for ix in indexes] + unique_keys + [pk]
    for fk in inspector.get_foreign_keys(table):
        cols = fk["constrained_columns"]
        if not any(existing[: len(cols)] == cols for existing in covering if existing):
            op.create_index(fk["name"], table, cols)
            covering.append(cols)


def upgrade() -> None:
    """Add ids, collapse duplicate memberships, add unique keys, drop the group-name keys."""
    for table in ("teammembers", "teamgroups"):
        _add_surrogate_id(table)
    for table in UNIQUE_KEYS:
        _collapse_duplicates(table)

    # One batch per table: on SQLite each batch is a full table rebuild.
    for table in ("groupmembers", "teammembers", "teamgroups", "events"):
        fk_name = (
            _foreign_key_name(table, ["group_name"], "groups")
            if table in GROUP_NAME_COPIES
            else None
        )
        key = UNIQUE_KEYS.get(table)
        with op.batch_alter_table(table) as batch:
            if fk_name is not None:
                batch.drop_constraint(fk_name, type_="foreignkey")
            if key is not None:
                batch.create_unique_constraint(f"uq_{table}_{'_'.join(key)}", list(key))
        if fk_name is not None:
            _drop_leftover_fk_index(table, fk_name)


def downgrade() -> None:
    """Restore the group-name keys, drop the unique keys and the surrogate ids (rows stay)."""
    for table in ("events", "teamgroups", "teammembers", "groupmembers"):
        key = UNIQUE_KEYS.get(table)
        if key is not None:
            _keep_fk_indexes(table, f"uq_{table}_{'_'.join(key)}")
        with op.batch_alter_table(table) as batch:
            if key is not None:
                batch.drop_constraint(f"uq_{table}_{'_'.join(key)}", type_="unique")
            if table in GROUP_NAME_COPIES:
                batch.create_foreign_key(
                    f"fk_{table}_group_name_groups", "groups", ["group_name"], ["group_name"]
                )
    for table in ("teamgroups", "teammembers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("id")
