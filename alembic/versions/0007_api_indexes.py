"""Index the columns that the API filters and joins on.

Revision ID: 0007_api_indexes
Revises: 0006_auth_tables
Create Date: 2025-11-21

Feeds and statistics read a user's logs by date range, logs load their comments, membership
checks look a user up in groups and teams, notification lists are per user and newest first.
Without these, each of those is a full table scan (or, on MySQL, relies on whatever index a
foreign key happened to create).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "0007_api_indexes"
down_revision: str | None = "0006_auth_tables"
branch_labels: str | None = None
depends_on: str | None = None

INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logs", ("username", "date")),
    ("comments", ("log_id",)),
    ("groupmembers", ("username",)),
    ("groupmembers", ("group_id", "status")),
    ("teammembers", ("username",)),
    ("teamgroups", ("group_id",)),
    ("notifications", ("username", "time")),
    ("codes", ("email",)),
    ("forgotpassword", ("username",)),
)


def _name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def _keep_fk_indexes(table: str, dropping: str) -> None:
    """Before dropping index `dropping` on MySQL, index any foreign key that relies on it alone.

    MySQL refuses to drop the only index that starts with a foreign key's columns; it had
    dropped its own implicit index for that key when the one we are dropping was created.
    """
    bind = op.get_bind()
    if bind.dialect.name not in ("mysql", "mariadb"):
        return
    inspector = sa.inspect(bind)
    covering = [ix["column_names"] for ix in inspector.get_indexes(table) if ix["name"] != dropping]
    covering += [
        uq["column_names"]
        for uq in inspector.get_unique_constraints(table)
        if uq["name"] != dropping
    ]
    covering.append(inspector.get_pk_constraint(table)["constrained_columns"])
    for fk in inspector.get_foreign_keys(table):
        cols = fk["constrained_columns"]
        if not any(existing[: len(cols)] == cols for existing in covering if existing):
            op.create_index(fk["name"], table, cols)
            covering.append(cols)


def upgrade() -> None:
    """Create the indexes."""
    for table, columns in INDEXES:
        op.create_index(_name(table, columns), table, list(columns))


def downgrade() -> None:
    """Drop the indexes."""
    for table, columns in reversed(INDEXES):
        _keep_fk_indexes(table, _name(table, columns))
        op.drop_index(_name(table, columns), table_name=table)
