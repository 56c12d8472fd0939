"""Keep running totals of each user's live logs per exercise type.

Revision ID: 0009_log_totals
Revises: 0008_covering_log_index
Create Date: 2026-11-21

An all-time leaderboard and a feed's log count read every log of every member (10,000 index
entries for a 50-member group with two years of logs). `log_totals` holds, per user and type,
the number of live logs and the sums of their miles and feel; the ORM keeps it in the
transaction of every log write (`models.logs`). The upgrade fills it from the existing logs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009_log_totals"
down_revision: str | None = "0008_covering_log_index"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create log_totals and fill it from the live logs."""
    op.create_table(
        "log_totals",
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("logs", sa.Integer(), nullable=False),
        sa.Column("miles", sa.Double(), nullable=False),
        sa.Column("feel", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["users.username"], name="fk_log_totals_username_users"
        ),
        sa.ForeignKeyConstraint(["type"], ["types.type"], name="fk_log_totals_type_types"),
        sa.PrimaryKeyConstraint("username", "type", name="pk_log_totals"),
    )
    op.execute(
        "INSERT INTO log_totals (username, type, logs, miles, feel)"
        " SELECT username, type, COUNT(*), COALESCE(SUM(miles), 0), COALESCE(SUM(feel), 0)"
        " FROM logs WHERE deleted IS false AND type IS NOT NULL GROUP BY username, type"
    )


def downgrade() -> None:
    """Drop log_totals."""
    op.drop_table("log_totals")
