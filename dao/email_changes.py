"""E-mail changes: ask with the password, confirm with the code mailed to the new address.

The rules live here. A request stores at most one pending change per user (a new request
replaces it) with an 8-character code from a cryptographic RNG, kept only as an HMAC-SHA256
keyed with the server's secret and compared in constant time. The change is valid for two hours
and allows `MAX_ATTEMPTS` wrong codes, then it is void. Until it is confirmed the user's e-mail,
which logins, password resets and invitations use, stays the old, verified one. Confirming
spends the user's outstanding reset codes, which were mailed to the old address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from dao.base import APP_NAME, Dao
from dao.codes import new_code
from dao.errors import Conflict, Gone, InvalidInput, NotFound
from dao.passwords import Limit
from dao.throttles import ThrottleDao
from dao.users import UserDao
from models import EmailChange, ForgotPassword, User

CODE_LENGTH = 8
CODE_LIFETIME = dt.timedelta(hours=2)
#: Wrong confirmation codes before the pending change is void (a new request starts over).
MAX_ATTEMPTS = 5
#: Change requests per account (each mails a code to a new address): a few per hour.
REQUESTS_PER_ACCOUNT = Limit(attempts=5, window=3600, lockout=3600)
TOO_MANY_REQUESTS = "Too many e-mail change requests; wait before asking again."
NO_PENDING = "There is no pending e-mail change for '{username}'; request one first."


def code_digest(secret: str, username: str, code: str) -> str:
    """Return the keyed digest stored for a confirmation code (never the code itself)."""
    message = f"{username}\0{code.upper()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Requested:
    """A stored pending change and the code to mail to its new address."""

    change: EmailChange
    code: str


class EmailChangeDao(Dao):
    """Store, read, confirm and cancel a user's pending e-mail change."""

    def pending(self, username: str) -> EmailChange | None:
        """Return the user's pending change, or None (an expired one is still returned)."""
        return self.session.get(EmailChange, username)

    def current(self, username: str) -> EmailChange | None:
        """Return the user's unexpired pending change, or None."""
        change = self.pending(username)
        if change is None or change.expires_at <= self.clock():
            return None
        return change

    def get(self, username: str) -> EmailChange:
        """Return the user's unexpired pending change, or raise NotFound."""
        change = self.current(username)
        if change is None:
            raise NotFound(NO_PENDING.format(username=username))
        return change

    def request(self, user: User, new_email: str, *, secret: str) -> Requested:
        """Store a pending change of `user`'s e-mail to `new_email` and commit.

        The same address as now (in any case) is InvalidInput; an address another account
        has (deleted ones too) is a Conflict. Requests per account are throttled.
        """
        if user.email and user.email.lower() == new_email.lower():
            raise InvalidInput(
                "That is already your e-mail address.",
                errors=[{"path": "/email", "message": "is already your e-mail address"}],
            )
        if UserDao(self.session, self.clock).email_taken(new_email, except_username=user.username):
            raise Conflict(f"The e-mail address '{new_email}' is already registered.")
        throttles = ThrottleDao(self.session, self.clock)
        key = f"email-change:{user.username}"
        throttles.check(key, TOO_MANY_REQUESTS)
        limit = REQUESTS_PER_ACCOUNT
        throttles.record(key, limit=limit.attempts, window=limit.window, lockout=limit.lockout)
        now = self.clock()
        code = new_code(CODE_LENGTH)
        change = self.pending(user.username)
        if change is None:
            change = EmailChange(username=user.username)
            self.session.add(change)
        change.new_email = new_email
        change.code_hash = code_digest(secret, user.username, code)
        change.created_at = now
        change.expires_at = now + CODE_LIFETIME
        change.attempts = 0
        self.safe_commit("Another e-mail change request was made at the same moment; try again.")
        return Requested(change, code)

    def confirm(self, user: User, code: str, *, secret: str) -> str | None:
        """Make the pending address `user`'s e-mail if `code` is right; return the old address.

        Every guess spends one of `MAX_ATTEMPTS` first (atomically, so concurrent guesses
        cannot exceed it); the last wrong one voids the change. An expired change is Gone, an
        address that another account took meanwhile is a Conflict; both void the change.
        """
        self.get_unexpired_or_gone(user.username)
        spent = self.session.execute(
            update(EmailChange)
            .where(EmailChange.username == user.username, EmailChange.attempts < MAX_ATTEMPTS)
            .values(attempts=EmailChange.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        self.session.commit()
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            self._void(user.username)
            raise NotFound(NO_PENDING.format(username=user.username))
        # Read it again: a concurrent request may have replaced it, or a cancel removed it.
        change: EmailChange | None = self.session.scalar(
            select(EmailChange)
            .where(EmailChange.username == user.username)
            .execution_options(populate_existing=True)
        )
        if change is None:
            raise NotFound(NO_PENDING.format(username=user.username))
        if not hmac.compare_digest(change.code_hash, code_digest(secret, user.username, code)):
            left = MAX_ATTEMPTS - change.attempts
            if left <= 0:
                self._void(user.username)
                detail = "The code is wrong; that was the last attempt, so the change is void."
            else:
                detail = f"The code is wrong; {left} attempt(s) left."
            raise InvalidInput(detail, errors=[{"path": "/code", "message": "wrong code"}])
        new_email = change.new_email
        if UserDao(self.session, self.clock).email_taken(new_email, except_username=user.username):
            self._void(user.username)
            raise Conflict(f"The e-mail address '{new_email}' was registered by someone else.")
        old = user.email
        now = self.clock()
        user.email = new_email
        user.modified_date, user.modified_user, user.modified_app = now, user.username, APP_NAME
        self.session.execute(delete(EmailChange).where(EmailChange.username == user.username))
        # Reset codes went to the old address: they must not outlive it.
        self.session.execute(delete(ForgotPassword).where(ForgotPassword.username == user.username))
        self.safe_commit(f"The e-mail address '{new_email}' was registered by someone else.")
        return old

    def get_unexpired_or_gone(self, username: str) -> EmailChange:
        """Return the pending change; NotFound without one, Gone (and voided) once expired."""
        change = self.pending(username)
        if change is None:
            raise NotFound(NO_PENDING.format(username=username))
        if change.expires_at <= self.clock():
            self._void(username)
            raise Gone("The e-mail change has expired; request a new one.")
        return change

    def cancel(self, username: str) -> None:
        """Drop the user's pending change (NotFound without one) and commit."""
        self.get(username)
        self._void(username)

    def _void(self, username: str) -> None:
        self.session.execute(delete(EmailChange).where(EmailChange.username == username))
        self.session.commit()
