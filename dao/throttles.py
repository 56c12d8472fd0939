"""Throttles kept in the database, so a limit holds across every app instance.

A throttle that answers 429 is keyed by what the client sent (an identifier as submitted, a
client address, the caller), never by what the server resolved it to: a key derived from the
account would tell a client which spellings name one account (lock "alice", probe
"alice@example.com"). Protection per account is a separate, silent budget (`exhausted`), whose
state no answer reveals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from dao.base import Dao
from dao.errors import TooManyAttempts
from models import Throttle

#: MySQL/MariaDB's "Deadlock found when trying to get lock; try restarting transaction".
MYSQL_DEADLOCK = 1213
DEADLOCK_RETRIES = 3


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `attempts` in `window` seconds, then blocked for `lockout` seconds."""

    attempts: int
    window: int
    lockout: int


#: The longest key part kept as it is; longer ones are replaced by their SHA-256 digest, so a
#: key always fits the 191-character column.
_KEY_PART_MAX = 100


def identifier_key(scope: str, identifier: str) -> str:
    """Return the throttle key of an identifier as the client submitted it.

    The identifier is normalized (NFKC, surrounding space trimmed, case folded) so that trivial
    variants of one spelling share a budget, but it is never resolved to an account: a known and
    an unknown identifier are throttled exactly alike, and two spellings of one account (a
    username and an e-mail) have separate budgets.
    """
    value = unicodedata.normalize("NFKC", identifier).strip().casefold()
    if len(value) > _KEY_PART_MAX:
        value = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    return f"{scope}:id:{value}"


def account_key(scope: str, username: str) -> str:
    """Return the key of an account's silent budget (see `ThrottleDao.exhausted`)."""
    return f"{scope}:account:{username}"


class ThrottleDao(Dao):
    """Count failures per key in a window and block the key for a while past a maximum."""

    def blocked(self, key: str) -> bool:
        """Tell whether `key` is blocked now, without raising."""
        blocked_until = self.session.scalar(
            select(Throttle.blocked_until).where(Throttle.key == key)
        )
        return blocked_until is not None and blocked_until > self.clock()

    def exhausted(self, key: str, *, limit: int, window: int, lockout: int) -> bool:
        """Spend one attempt of a silent budget; return True (spending nothing) once it is out.

        For limits that must not be visible: the caller answers as if all were well (or as for
        an unknown account) instead of 429. While blocked, attempts are not counted, so the
        block ends `lockout` seconds after the limit was reached, whatever happens meanwhile.
        """
        if self.blocked(key):
            return True
        self.record(key, limit=limit, window=window, lockout=lockout)
        return False

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

    def clear(self, *keys: str) -> None:
        """Forget the failures of `keys` after a success; the caller commits.

        Call it before the transaction's other writes, with every key to forget at once (see
        `_retry_deadlocks`).
        """
        self._retry_deadlocks(lambda: self._clear(keys))

    def _clear(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            if self._exists(key):  # deleting a missing key would take a gap lock (`_record`)
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
