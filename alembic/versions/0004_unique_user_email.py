"""Make users.email unique: it is a login identifier.

Revision ID: 0004_unique_user_email
Revises: 0003_membership_keys
Create Date: 2025-11-21

Duplicate e-mails cannot be merged automatically (they belong to different people, or to one
person with two accounts). When there are any, this revision stops before changing anything and
lists them; the operator fixes them (for example sets the e-mail of the unused account to NULL)
and runs the upgrade again. The comparison is the database's: case-insensitive on MySQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision: str = "0004_unique_user_email"
down_revision: str | None = "0003_membership_keys"
branch_labels: str | None = None
depends_on: str | None = None


class DuplicateEmailsError(RuntimeError):
    """Raise when users share an e-mail address, which the unique key would reject."""


def _check_no_duplicates() -> None:
    users = sa.table("users", sa.column("username"), sa.column("email"))
    bind = op.get_bind()
    duplicated = bind.execute(
        sa.select(users.c.email)
        .where(users.c.email.is_not(None))
        .group_by(users.c.email)
        .having(sa.func.count() > 1)
    ).scalars()
    problems = []
    for email in duplicated:
        owners = bind.execute(
            sa.select(users.c.username).where(users.c.email == email).order_by(users.c.username)
        ).scalars()
        problems.append(f"  {email!r}: {', '.join(owners)}")
    if problems:
        raise DuplicateEmailsError(
            "users.email must be unique before Splits can use it to log in, but these e-mail "
            "addresses belong to more than one user:\n"
            + "\n".join(problems)
            + "\nGive each user a distinct e-mail (or NULL), then run the upgrade again. "
            "Nothing was changed by this revision."
        )


def upgrade() -> None:
    """Replace the plain index on users.email with a unique constraint."""
    _check_no_duplicates()
    op.drop_index("ix_users_email", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.create_unique_constraint("uq_users_email", ["email"])


def downgrade() -> None:
    """Go back to a plain, non-unique index on users.email."""
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_email", type_="unique")
    op.create_index("ix_users_email", "users", ["email"])
