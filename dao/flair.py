"""Flair: badges on a user's profile, granted by site admins."""

from __future__ import annotations

from sqlalchemy import select

from dao.base import APP_NAME, Dao
from models import Flair, User


class FlairDao(Dao):
    """Read a user's flair and grant new flair."""

    def of(self, username: str) -> list[Flair]:
        """Return a user's live flair, oldest first."""
        rows = self.session.scalars(
            select(Flair)
            .where(Flair.username == username, Flair.deleted.is_(False))
            .order_by(Flair.flair_id)
        ).all()
        return list(rows)

    def grant(self, user: User, flair: str, *, by: str) -> Flair:
        """Give `user` a flair and commit."""
        now = self.clock()
        row = Flair(
            username=user.username,
            flair=flair,
            deleted=False,
            created_date=now,
            created_user=by,
            created_app=APP_NAME,
        )
        self.session.add(row)
        self.safe_commit("The user no longer exists.")
        return row
