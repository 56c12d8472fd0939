"""Notifications: messages addressed to one user, readable by that user alone.

Only teammates (an accepted member of a live team that the addressee is also an accepted member
of) and site admins may notify a user, and each sender has a budget per window. Group admins
get no further right: a group admin is a member of the group's team, so they reach the accepted
members of that team like any teammate, and nobody outside it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select

from dao.base import APP_NAME, Dao
from dao.errors import Forbidden, NotFound
from dao.memberships import MembershipDao
from dao.throttles import Limit, ThrottleDao
from dao.training import week_start_date
from dao.users import UserDao
from domain.identity import Principal
from models import Notification, User

TOO_MANY_NOTIFICATIONS = "You have sent too many notifications; wait before sending more."
NOT_A_TEAMMATE = "You may notify only your teammates: users accepted in a team you are accepted in."

#: How many whole weeks before the current one a user's recent notifications reach back.
RECENT_WEEKS = 2


def recent_since(today: dt.date, week_start: str | None) -> dt.date:
    """Return the first day of the recent-notifications window: this week and the two before.

    Legacy used a Sunday-based week whatever the user's setting (and the Sunday-on-Sunday bug);
    Splits uses the user's own week start.
    """
    return week_start_date(today, week_start) - dt.timedelta(weeks=RECENT_WEEKS)


class NotificationDao(Dao):
    """Read and write notifications; soft-deleted ones are invisible."""

    def page(
        self, *, username: str | None, limit: int, offset: int
    ) -> tuple[list[Notification], int]:
        """Return a page of live notifications (one addressee's, or all when None), oldest first."""
        where: list[ColumnElement[bool]] = [Notification.deleted.is_(False)]
        if username is not None:
            where.append(Notification.username == username)
        total = self.session.scalar(select(func.count(Notification.notification_id)).where(*where))
        rows = self.session.scalars(
            select(Notification)
            .where(*where)
            .order_by(Notification.time, Notification.notification_id)
            .limit(limit)
            .offset(offset)
        ).all()
        return list(rows), total or 0

    def recent(self, user: User) -> list[Notification]:
        """Return a user's live notifications of this week and the two before, newest first."""
        since = recent_since(self.clock().date(), user.week_start)
        rows = self.session.scalars(
            select(Notification)
            .where(
                Notification.username == user.username,
                Notification.deleted.is_(False),
                Notification.time >= dt.datetime.combine(since, dt.time()),
            )
            .order_by(Notification.time.desc(), Notification.notification_id.desc())
        ).all()
        return list(rows)

    def get(self, notification_id: int) -> Notification:
        """Return the live notification with this id, or raise NotFound."""
        row = self.session.scalar(
            select(Notification).where(
                Notification.notification_id == notification_id,
                Notification.deleted.is_(False),
            )
        )
        if row is None:
            raise NotFound(f"There is no notification with id {notification_id}.")
        return row

    def send(
        self, sender: Principal, username: str, description: str, link: str | None, *, limit: Limit
    ) -> Notification:
        """Notify `username` from `sender`, if they may and their budget allows; commit.

        Raise TooManyAttempts while the sender is throttled, NotFound for an unknown addressee
        and Forbidden when the sender may not notify them; nothing is written in those cases.
        """
        throttles = ThrottleDao(self.session, self.clock)
        key = f"notify:sender:{sender.username}"
        throttles.check(key, TOO_MANY_NOTIFICATIONS)
        addressee = UserDao(self.session, self.clock).get_by_username(username)
        if not self.may_notify(sender, addressee.username):
            raise Forbidden(NOT_A_TEAMMATE)
        throttles.record(key, limit=limit.attempts, window=limit.window, lockout=limit.lockout)
        return self.create(addressee, description, link, sender=sender.username)

    def may_notify(self, sender: Principal, addressee: str) -> bool:
        """Tell whether `sender` may notify `addressee`: a site admin, themselves, a teammate."""
        return (
            sender.is_admin
            or sender.username == addressee
            or MembershipDao(self.session, self.clock).are_teammates(sender.username, addressee)
        )

    def create(
        self, addressee: User, description: str, link: str | None, *, sender: str
    ) -> Notification:
        """Add an unread notification for `addressee` from `sender` and commit."""
        now = self.clock()
        row = Notification(
            username=addressee.username,
            sender=sender,
            time=now,
            link=link,
            viewed="N",
            description=description,
            deleted=False,
            created_date=now,
            created_user=sender,
            created_app=APP_NAME,
        )
        self.session.add(row)
        self.safe_commit("The notification's addressee or sender no longer exists.")
        return row

    def mark(self, row: Notification, viewed: str, *, by: str) -> bool:
        """Set `viewed` ('Y' or 'N'); return whether it changed."""
        if row.viewed == viewed:
            return False
        row.viewed = viewed
        row.modified_date, row.modified_user, row.modified_app = self.clock(), by, APP_NAME
        self.safe_commit()
        return True

    def hard_delete(self, row: Notification) -> None:
        """Remove the notification for good."""
        self.session.delete(row)
        self.safe_commit()

    def soft_delete(self, row: Notification, *, by: str) -> None:
        """Flag the notification deleted."""
        now = self.clock()
        row.deleted = True
        row.deleted_date, row.deleted_user, row.deleted_app = now, by, APP_NAME
        row.modified_date, row.modified_user, row.modified_app = now, by, APP_NAME
        self.safe_commit()
