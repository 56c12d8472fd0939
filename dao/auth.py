"""Sessions and refresh tokens: rotation on every refresh, whole-family revocation on reuse."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update

from dao.base import Dao
from dao.errors import NotFound
from domain.identity import Principal
from domain.roles import SiteRole
from models import AuthSession, RefreshToken, User


class RefreshRefused(Exception):
    """Raise when a refresh token is unknown, expired, revoked or reused."""


@dataclass(frozen=True, slots=True)
class Rotation:
    """The outcome of a successful refresh: who, which session, and the new refresh token."""

    user: User
    session_id: str
    refresh_token: str


#: The caller and the token's session in one query; built once, as it runs on every request.
_PRINCIPAL = (
    select(
        User.username,
        User.email,
        User.role,
        User.first,
        User.last,
        User.token_generation,
        AuthSession.revoked_at,
        AuthSession.id,
    )
    .outerjoin(
        AuthSession,
        (AuthSession.id == bindparam("session_id")) & (AuthSession.username == User.username),
    )
    .where(User.username == bindparam("username"), User.deleted.is_(False))
)


class AuthDao(Dao):
    """Create, rotate and revoke login sessions; resolve token claims to a principal."""

    def find_login_user(self, identifier: str) -> User | None:
        """Return the active user whose username or e-mail is `identifier`, if any."""
        column = func.lower(User.email) if "@" in identifier else User.username
        value = identifier.lower() if "@" in identifier else identifier
        return self.session.scalar(
            select(User).where(column == value, User.deleted.is_(False)).limit(1)
        )

    def start_session(self, user: User, *, ttl: int, token_digest: str) -> str:
        """Open a session for `user` with its first refresh token; return the session id."""
        now = self.clock()
        session_id = str(uuid.uuid4())
        expires = now + dt.timedelta(seconds=ttl)
        self.session.add(
            AuthSession(id=session_id, username=user.username, created_at=now, expires_at=expires)
        )
        self.session.flush()  # the token row refers to the session row
        self.session.add(
            RefreshToken(
                token_hash=token_digest, session_id=session_id, issued_at=now, expires_at=expires
            )
        )
        return session_id

    def rotate(self, digest: str, *, new_digest: str, new_token: str) -> Rotation:
        """Spend the refresh token with `digest` and issue its successor in the same session.

        Presenting a token that was already spent revokes the whole session (the family): either
        the client or an attacker holds a stolen copy, and both must log in again.
        """
        now = self.clock()
        row = self.session.get(RefreshToken, digest)
        if row is None:
            raise RefreshRefused("unknown refresh token")
        auth_session = self.session.get(AuthSession, row.session_id)
        if auth_session is None or auth_session.revoked_at is not None:
            raise RefreshRefused("the session has ended")
        spent = self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == digest, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            auth_session.revoked_at = now
            self.session.commit()
            raise RefreshRefused("the refresh token was already used; the session is revoked")
        if row.expires_at <= now or auth_session.expires_at <= now:
            self.session.commit()
            raise RefreshRefused("the refresh token has expired")
        user = self.session.scalar(
            select(User).where(User.username == auth_session.username, User.deleted.is_(False))
        )
        if user is None:
            self.session.commit()
            raise RefreshRefused("the user no longer exists")
        self.session.add(
            RefreshToken(
                token_hash=new_digest,
                session_id=auth_session.id,
                issued_at=now,
                expires_at=auth_session.expires_at,
            )
        )
        self.safe_commit()
        return Rotation(user=user, session_id=auth_session.id, refresh_token=new_token)

    def revoke_session(self, session_id: str | None) -> None:
        """End one session (logout); its refresh tokens and access tokens stop working."""
        if session_id is None:
            raise NotFound("This token belongs to no session.")
        self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=self.clock())
        )
        self.safe_commit()

    def principal(self, claims: dict[str, Any]) -> Principal | None:
        """Return the caller for verified `claims`, or None if the token was revoked since.

        One query reads the user and the token's session together.
        """
        session_id = claims.get("sid")
        # A Core statement on the session's connection: there is no entity to build, so it
        # skips the ORM's execution layer (6% of an authenticated profile read, in-process).
        row = (
            self.session.connection()
            .execute(_PRINCIPAL, {"username": claims["sub"], "session_id": session_id or ""})
            .first()
        )
        if row is None or row.token_generation != claims.get("gen", 0):
            return None
        if session_id and (row.id is None or row.revoked_at is not None):
            return None
        return Principal(
            username=row.username,
            email=row.email,
            role=row.role or SiteRole.USER,
            session_id=session_id,
            first=row.first,
            last=row.last,
        )
