"""Forgot-password codes: request one by e-mail, validate it, and reset the password with it.

The rules live here: an 8-character code from a cryptographic RNG, valid for two hours (UTC);
requests and wrong guesses are throttled; a reset consumes every code of the user and ends
every session. Codes are never returned by the API, only e-mailed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from dao.base import APP_NAME, Dao
from dao.codes import new_code
from dao.throttles import Limit, ThrottleDao, account_key, identifier_key
from dao.users import UserDao
from models import ForgotPassword, User

CODE_LENGTH = 8
CODE_LIFETIME = dt.timedelta(hours=2)


#: Reset requests per identifier as submitted (username or e-mail, known or not): the visible
#: limit (429), keyed so that it says nothing about which account the identifier names.
REQUESTS_PER_IDENTIFIER = Limit(attempts=3, window=3600, lockout=3600)
#: Reset e-mails per account, across every spelling of it, so nobody can flood a mailbox: a
#: silent limit. Past it the request answers the same 202 and no mail is sent.
MAILS_PER_ACCOUNT = Limit(attempts=3, window=3600, lockout=3600)
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

        Return the user and the code row to e-mail, or None for an unknown account (or one that
        has had its reset mails for the hour); all cases count against the same throttles, keyed
        by what the client sent, so a client cannot tell them apart.
        """
        self._throttle(
            identifier_key("reset", identifier), REQUESTS_PER_IDENTIFIER, TOO_MANY_REQUESTS
        )
        self._throttle(f"reset:address:{address}", REQUESTS_PER_ADDRESS, TOO_MANY_REQUESTS)
        user = UserDao(self.session, self.clock).find(identifier) if len(identifier) <= 50 else None
        if user is None:
            return None
        limit = MAILS_PER_ACCOUNT
        if ThrottleDao(self.session, self.clock).exhausted(
            account_key("reset", user.username),
            limit=limit.attempts,
            window=limit.window,
            lockout=limit.lockout,
        ):
            return None  # the account has had its reset mails for now; answered as usual
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
        # The spelling in the reset URL is the username, which the owner has just proved is theirs.
        # First, as the throttle asks: a deadlock retry there may roll back what came before.
        ThrottleDao(self.session, self.clock).clear(
            account_key("login", user.username), identifier_key("login", user.username)
        )
        now = self.clock()
        user.password = password_hash
        user.modified_date, user.modified_user, user.modified_app = now, user.username, APP_NAME
        self.session.execute(delete(ForgotPassword).where(ForgotPassword.username == user.username))
        UserDao(self.session, self.clock).revoke_tokens(user)  # commits all of the above
