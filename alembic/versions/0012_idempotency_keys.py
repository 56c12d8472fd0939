"""Add idempotency_keys: the stored outcomes of POST requests sent with an Idempotency-Key.

Revision ID: 0012_idempotency_keys
Revises: 0011_notification_sender
Create Date: 2026-12-06

A client that retries a POST (a timeout, a 503 during a database failover) sends the same
`Idempotency-Key`; the first request stores its answer in this table in the same transaction as
its writes, and a repeat replays that answer instead of writing again. Keys are scoped by caller
(the primary key is a digest of username and key) and expire (`IDEMPOTENCY_KEY_TTL`, 24 h).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from alembic import op

revision: str = "0012_idempotency_keys"
down_revision: str | None = "0011_notification_sender"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create idempotency_keys, indexed by expiry for the purge."""
    op.create_table(
        "idempotency_keys",
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column(
            "body",
            sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    """Drop the table (retries of earlier requests are then done again)."""
    op.drop_table("idempotency_keys")
