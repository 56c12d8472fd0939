"""Forgot-password codes: request one by e-mail, validate it, and reset the password with it.

The rules live here: an 8-character code from a cryptographic RNG, valid for two hours (UTC);
requests and wrong guesses are throttled; a reset consumes every code of the user and ends
every session. Codes are never returned by the API, only e-mailed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select

from dao.base import APP_NAME, Dao
from dao.codes import new_code
from dao.throttles import ThrottleDao
from dao.users import UserDao
from models import ForgotPassword, User

CODE_LENGTH = 8
CODE_LIFETIME = dt.timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `attempts` in `window` seconds, then blocked for `lockout` seconds."""

    attempts: int
    window: int
    lockout: int


#: Reset requests per account: a few per hour, so nobody can flood someone's mailbox.
REQUESTS_PER_ACCOUNT = Limit(attempts=3, window=3600, lockout=3600)
#: Reset requests per client address, whatever account they name.
REQUESTS_PER_ADDRESS = Limit(attempts=20, window=3600, lockout=3600)
#: Wrong codes per client address (validate and change_password share the budget).
GUESSES_PER_ADDRESS = Limit(attempts=10, window=900, lockout=900)
TOO_MANY_REQUESTS = "Too many password reset requests; wait before asking again."
TOO_MANY_GUESSES = "Too many wrong reset codes from this address; wait before trying again."


def mask(code: str) -> str:
    """Return a hint that tells codes apart without revealing them (`******7Q`)."""
    return "*" * (len(code) - 2) + code[-2:]


class ForgotPasswordDao(Dao):
    """Issue, list, check and spend forgot-password codes."""

    def _throttle(self, key: str, limit: Limit, detail: str) -> None:
        throttles = ThrottleDao(self.session, self.clock)
        throttles.check(key, detail)
        throttles.record(key, limit=limit.attempts, window=limit.window, lockout=limit.lockout)

    def request(self, identifier: str, address: str) -> tuple[User, ForgotPassword] | None:
        """Count a reset request and, when the account exists, store a new code and commit.

        Return the user and the code row to e-mail, or None for an unknown account; both cases
        count against the same throttles, so a client cannot tell them apart.
        """
        user = UserDao(self.session, self.clock).find(identifier) if len(identifier) <= 50 else None
        # Throttle keys are at most 191 characters: a long unknown name is keyed by its digest.
        account = user.username if user else identifier.lower()
        if len(account) > 50:
            account = hashlib.sha256(account.encode()).hexdigest()
        self._throttle(f"reset:account:{account}", REQUESTS_PER_ACCOUNT, TOO_MANY_REQUESTS)
        self._throttle(f"reset:address:{address}", REQUESTS_PER_ADDRESS, TOO_MANY_REQUESTS)
        if user is None:
            return None
        now = self.clock()
        code = new_code(CODE_LENGTH)
        while self.session.get(ForgotPassword, code) is not None:  # vanishingly rare
            code = new_code(CODE_LENGTH)
        row = ForgotPassword(
            forgot_code=code,
            username=user.username,
            expires=now + CODE_LIFETIME,
            deleted=False,
            created_date=now,
            created_user=user.username,
            created_app=APP_NAME,
        )
        self.session.add(row)
        self.safe_commit("The reset code collided with another; ask again.")
        return user, row

    def active_codes(self, user: User) -> list[ForgotPassword]:
        """Return the user's unexpired, undeleted codes, soonest expiry first."""
        return list(
            self.session.scalars(
                select(ForgotPassword)
                .where(
                    ForgotPassword.username == user.username,
                    ForgotPassword.deleted.is_(False),
                    ForgotPassword.expires > self.clock(),
                )
                .order_by(ForgotPassword.expires)
            )
        )

    def check_guess_budget(self, address: str) -> None:
        """Raise TooManyAttempts while this address is blocked for wrong codes."""
        ThrottleDao(self.session, self.clock).check(f"reset:guess:{address}", TOO_MANY_GUESSES)

    def valid(self, code: str, address: str) -> ForgotPassword | None:
        """Return the valid code row (not deleted, not expired, user active), or count a miss."""
        self.check_guess_budget(address)
        row = None
        if 0 < len(code) <= CODE_LENGTH:
            row = self.session.scalar(
                select(ForgotPassword)
                .join(User, User.username == ForgotPassword.username)
                .where(
                    ForgotPassword.forgot_code == code.upper(),
                    ForgotPassword.deleted.is_(False),
                    ForgotPassword.expires > self.clock(),
                    User.deleted.is_(False),
                )
            )
        if row is None:
            limit = GUESSES_PER_ADDRESS
            ThrottleDao(self.session, self.clock).record(
                f"reset:guess:{address}",
                limit=limit.attempts,
                window=limit.window,
                lockout=limit.lockout,
            )
        return row

    def reset_password(self, user: User, password_hash: str) -> None:
        """Store the new hash, delete every code of the user, end all their sessions; commit."""
        # A successful reset also lifts a login lockout: the owner has just proved who they are.
        # First, as the throttle asks: a deadlock retry there may roll back what came before.
        ThrottleDao(self.session, self.clock).clear(f"login:{user.username}")
        now = self.clock()
        user.password = password_hash
        user.modified_date, user.modified_user, user.modified_app = now, user.username, APP_NAME
        self.session.execute(delete(ForgotPassword).where(ForgotPassword.username == user.username))
        UserDao(self.session, self.clock).revoke_tokens(user)  # commits all of the above
