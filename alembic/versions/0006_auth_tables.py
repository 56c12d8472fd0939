"""Add the tables of Splits' own authentication: sessions, refresh tokens, throttles.

Revision ID: 0006_auth_tables
Revises: 0005_roles_and_row_versions
Create Date: 2025-11-21

The legacy API asked an external service for tokens; Splits issues them itself. A session is one
login; its refresh tokens rotate, and presenting a used one revokes the whole session. Throttles
count failed logins per key in the database so that the limit holds across app instances.
All timestamps are naive UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "0006_auth_tables"
down_revision: str | None = "0005_roles_and_row_versions"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create auth_sessions, refresh_tokens and throttles."""
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_auth_sessions"),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
            name="fk_auth_sessions_username_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_auth_sessions_username", "auth_sessions", ["username"])

    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("token_hash", name="pk_refresh_tokens"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name="fk_refresh_tokens_session_id_auth_sessions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])

    op.create_table(
        "throttles",
        sa.Column("key", sa.String(191), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime()),
        sa.PrimaryKeyConstraint("key", name="pk_throttles"),
    )


def downgrade() -> None:
    """Drop the three tables (everyone is logged out)."""
    op.drop_table("throttles")
    op.drop_table("refresh_tokens")
    op.drop_table("auth_sessions")
