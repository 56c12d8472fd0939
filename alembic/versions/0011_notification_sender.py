"""Record who sent each notification.

Revision ID: 0011_notification_sender
Revises: 0010_email_changes
Create Date: 2026-12-06

The legacy API let anyone notify anyone, with no sender shown (legacy-v2 §7.6). Splits lets only
teammates and site admins notify a user and shows the sender: `notifications.sender`, a username.
It is NULL for legacy rows (their sender was never recorded) and becomes NULL when the sender's
account is deleted for good (ON DELETE SET NULL: the addressee keeps the notification). Indexed,
so that deleting a user finds the notifications they sent without a table scan.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "0011_notification_sender"
down_revision: str | None = "0010_email_changes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add notifications.sender, a nullable reference to users.username."""
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("sender", sa.String(20), nullable=True))
        batch.create_index("ix_notifications_sender", ["sender"])
        batch.create_foreign_key(
            "fk_notifications_sender_users",
            "users",
            ["sender"],
            ["username"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Drop notifications.sender with its key and index."""
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_sender_users", type_="foreignkey")
        batch.drop_index("ix_notifications_sender")
        batch.drop_column("sender")
