"""Add the site role, the token generation and row versions.

Revision ID: 0005_roles_and_row_versions
Revises: 0004_unique_user_email
Create Date: 2025-11-21

* users.role ('user' | 'admin'): site administrators, created from the command line.
* users.token_generation: access tokens carry it; bumping it (password change, soft delete,
  "revoke all") invalidates every token of the user at once, with no token list to scan.
* version on the tables that the API serves with ETags and updates with If-Match: the ORM's
  version_id_col, checked and bumped on every UPDATE (optimistic concurrency).
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "0005_roles_and_row_versions"
down_revision: str | None = "0004_unique_user_email"
branch_labels: str | None = None
depends_on: str | None = None

VERSIONED_TABLES = (
    "users",
    "logs",
    "comments",
    "notifications",
    "groups",
    "teams",
    "groupmembers",
    "codes",
)


def upgrade() -> None:
    """Add users.role, users.token_generation and a version column to the served tables."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(10), nullable=False, server_default="user"))
        batch.add_column(
            sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0")
        )
    # Existing rows start at version 1, as rows inserted by the ORM do.
    for table in VERSIONED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    """Drop the columns again."""
    for table in reversed(VERSIONED_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_generation")
        batch.drop_column("role")
