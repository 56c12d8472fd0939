"""Throttles kept in the database, so a limit holds across every app instance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from dao.base import Dao
from dao.errors import TooManyAttempts
from models import Throttle

#: MySQL/MariaDB's "Deadlock found when trying to get lock; try restarting transaction".
MYSQL_DEADLOCK = 1213
DEADLOCK_RETRIES = 3


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
        """Count one attempt for `key`, block it for `lockout` seconds at `limit`, and commit.

        It must be the transaction's only write (see `_retry_deadlocks`).
        """
        self._retry_deadlocks(
            lambda: self._record(key, limit=limit, window=window, lockout=lockout)
        )

    def _retry_deadlocks(self, write: Callable[[], None]) -> None:
        """Run `write`, again after a rollback when InnoDB chose it as a deadlock's victim.

        Concurrent failures and successes of one key can deadlock (two inserts of the key both
        hold a shared lock on the duplicate and both want it exclusive; a delete waits behind
        them). InnoDB rolls the victim's whole transaction back and its manual asks to run it
        again; that is safe here because the throttle write is the first write of its
        transaction, so the rollback loses only reads. Without it the loser answered 503.
        """
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                write()
                return
            except OperationalError as ex:
                if attempt == DEADLOCK_RETRIES or not _is_deadlock(ex):
                    raise
                self.session.rollback()

    def _record(self, key: str, *, limit: int, window: int, lockout: int) -> None:
        now = self.clock()
        window_start = now - dt.timedelta(seconds=window)
        # Lock only a row that exists: a locking read of a missing key takes an InnoDB gap
        # lock, and two such transactions inserting into the same gap deadlock (1213).
        row = self.session.get(Throttle, key, with_for_update=True) if self._exists(key) else None
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
        """Forget the failures of `key` after a success; the caller commits.

        Call it before the transaction's other writes (see `_retry_deadlocks`).
        """
        self._retry_deadlocks(lambda: self._clear(key))

    def _clear(self, key: str) -> None:
        if self._exists(key):  # deleting a missing key would take a gap lock (see `_record`)
            self.session.execute(delete(Throttle).where(Throttle.key == key))

    def _exists(self, key: str) -> bool:
        """Tell whether `key` has a row, with a plain read that takes no lock."""
        return self.session.scalar(select(Throttle.key).where(Throttle.key == key)) is not None

    def unblock(self, key: str) -> None:
        """Lift a block at once (operators, tests)."""
        self.session.execute(update(Throttle).where(Throttle.key == key).values(blocked_until=None))


def _is_deadlock(ex: OperationalError) -> bool:
    code = getattr(ex.orig, "args", (None,))[0]
    return code == MYSQL_DEADLOCK


def _seconds(delta: dt.timedelta) -> int:
    return int(delta.total_seconds()) + 1
