"""Rename the membership surrogate keys so that the legacy API's joins stay unambiguous.

Revision ID: 0013_legacy_safe_keys
Revises: 0012_idempotency_keys
Create Date: 2026-12-06

0003 gave `teamgroups` and `teammembers` a surrogate primary key named `id`. The legacy API
(which may still run against an adopted database, CONTRACT §11) lists a team's groups with

    SELECT id, `groups`.group_name, ... FROM teamgroups INNER JOIN `groups` ON ...

whose unqualified `id` meant `groups.id` because the legacy `teamgroups` had no `id`; with two
`id` columns in the join both MySQL and SQLite reject the query, so `GET /v2/teams/groups/{team}`
answered 500. The keys get names that no legacy table uses: `teamgroups.teamgroup_id` and
`teammembers.teammember_id` (the latter clashes with no legacy query today, but legacy joins
teammembers with tables that have an `id`, so it gets the same treatment). Both stay
auto-incrementing primary keys; the rows keep their numbers.
"""

from __future__ import annotations

from alembic import op

revision: str = "0013_legacy_safe_keys"
down_revision: str | None = "0012_idempotency_keys"
branch_labels: str | None = None
depends_on: str | None = None

#: table -> (the name 0003 gave its key, the name Splits uses from now on)
RENAMES = {
    "teamgroups": ("id", "teamgroup_id"),
    "teammembers": ("id", "teammember_id"),
}


def _rename_key(table: str, old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name in ("mysql", "mariadb"):
        quote = bind.dialect.identifier_preparer.quote
        # CHANGE restates the whole definition: AUTO_INCREMENT must be repeated or it is lost.
        # The primary key follows the column.
        op.execute(
            f"ALTER TABLE {quote(table)} CHANGE COLUMN {quote(old)} {quote(new)} "
            "INTEGER NOT NULL AUTO_INCREMENT"
        )
        return
    # SQLite: the rebuilt table keeps `new` as its INTEGER PRIMARY KEY, so it stays the rowid.
    with op.batch_alter_table(table, recreate="always") as batch:
        batch.alter_column(old, new_column_name=new)


def upgrade() -> None:
    """Rename teamgroups.id and teammembers.id to teamgroup_id and teammember_id."""
    for table, (old, new) in RENAMES.items():
        _rename_key(table, old, new)


def downgrade() -> None:
    """Rename the keys back to `id`."""
    for table, (old, new) in reversed(RENAMES.items()):
        _rename_key(table, new, old)
