"""Hold pending e-mail changes until the new address confirms them.

Revision ID: 0010_email_changes
Revises: 0009_log_totals
Create Date: 2026-12-06

A profile PUT used to set any unused e-mail address at once, and activation codes and reset
codes follow the e-mail address, so a stolen token could take an account over or see someone
else's invitation. Now a change is requested with the password, waits here (one row per user:
the new address, a keyed digest of the code mailed to it, expiry, wrong attempts) and becomes
the user's e-mail only when that code comes back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_email_changes"
down_revision: str | None = "0009_log_totals"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create email_changes."""
    op.create_table(
        "email_changes",
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("new_email", sa.String(50), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
            name="fk_email_changes_username_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("username", name="pk_email_changes"),
    )


def downgrade() -> None:
    """Drop email_changes (pending changes are forgotten; confirmed e-mails stay)."""
    op.drop_table("email_changes")
