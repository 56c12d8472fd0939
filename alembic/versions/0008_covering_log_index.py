"""Cover the per-user log reads with one index; drop the username-only index it makes redundant.

Revision ID: 0008_covering_log_index
Revises: 0007_api_indexes
Create Date: 2026-11-21

Feeds, range views, leaderboards and statistics read a set of users' logs by date and sum or
average `miles` and `feel` by `type`, skipping soft-deleted rows. With only (username, date)
indexed, every matching entry costs a random read of the row; at a million logs that made their
latency grow with the table. (username, date, deleted, type, miles, feel) answers them from the
index alone, whose entries for one user are contiguous (docs/performance.md has the plans).
The legacy (username) index is a prefix of it: MySQL's optimizer preferred it and then filtered
the dates out of the rows, so it goes.
"""

from __future__ import annotations

from alembic import op

revision: str = "0008_covering_log_index"
down_revision: str | None = "0007_api_indexes"
branch_labels: str | None = None
depends_on: str | None = None

COVERING = ("username", "date", "deleted", "type", "miles", "feel")


def upgrade() -> None:
    """Widen ix_logs_username_date to cover the reads, then drop ix_logs_username."""
    # The FK on logs.username stays indexed throughout (MySQL refuses to leave it bare).
    op.drop_index("ix_logs_username_date", table_name="logs")
    op.create_index("ix_logs_username_date", "logs", list(COVERING))
    op.drop_index("ix_logs_username", table_name="logs")


def downgrade() -> None:
    """Restore ix_logs_username and the two-column ix_logs_username_date."""
    op.create_index("ix_logs_username", "logs", ["username"])
    op.drop_index("ix_logs_username_date", table_name="logs")
    op.create_index("ix_logs_username_date", "logs", ["username", "date"])
