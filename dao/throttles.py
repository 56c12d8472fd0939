"""Throttles kept in the database, so a limit holds across every app instance."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from dao.base import Dao
from dao.errors import TooManyAttempts
from models import Throttle


class ThrottleDao(Dao):
    """Count failures per key in a window and block the key for a while past a maximum."""

    def check(self, key: str, detail: str) -> None:
        """Raise TooManyAttempts (with Retry-After) while `key` is blocked."""
        blocked_until = self.session.scalar(
            select(Throttle.blocked_until).where(Throttle.key == key)
        )
        now = self.clock()
        if blocked_until is not None and blocked_until > now:
            raise TooManyAttempts(detail, retry_after=_seconds(blocked_until - now))

    def record(self, key: str, *, limit: int, window: int, lockout: int) -> None:
        """Count one attempt for `key`, block it for `lockout` seconds at `limit`, and commit."""
        now = self.clock()
        window_start = now - dt.timedelta(seconds=window)
        row = self.session.get(Throttle, key, with_for_update=True)
        if row is None:
            self.session.add(Throttle(key=key, failures=1, window_start=now, blocked_until=None))
            try:
                self.session.commit()
                return
            except IntegrityError:  # a concurrent first failure inserted it: count on it instead
                self.session.rollback()
                row = self.session.get(Throttle, key, with_for_update=True)
                if row is None:
                    return
        if row.window_start < window_start or (row.blocked_until and row.blocked_until <= now):
            row.failures, row.window_start, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.blocked_until = now + dt.timedelta(seconds=lockout)
        self.session.commit()

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a success); the caller commits."""
        self.session.execute(delete(Throttle).where(Throttle.key == key))

    def unblock(self, key: str) -> None:
        """Lift a block at once (operators, tests)."""
        self.session.execute(update(Throttle).where(Throttle.key == key).values(blocked_until=None))


def _seconds(delta: dt.timedelta) -> int:
    return int(delta.total_seconds()) + 1
