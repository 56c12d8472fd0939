"""Users: lookups by username or e-mail, paged search, profile updates, soft and hard delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import defer

from dao.base import APP_NAME, Dao
from dao.errors import Conflict, InvalidInput, NotFound
from dao.search import TextFilter
from domain.identity import Principal
from domain.roles import SiteRole
from models import (
    AuthSession,
    Comment,
    EmailChange,
    Flair,
    ForgotPassword,
    GroupMember,
    Log,
    LogDay,
    LogTotal,
    Notification,
    TeamMember,
    User,
)


class EmailChangeRequired(InvalidInput):
    """Raise when a profile update names another e-mail address than the user's own."""


#: The profile fields of PUT and PATCH; the e-mail must stay the same (username and password
#: are not editable here either).
EDITABLE_FIELDS = (
    "first",
    "last",
    "email",
    "profilepic_name",
    "description",
    "class_year",
    "location",
    "favorite_event",
    "week_start",
    "subscribed",
)


#: A profile read leaves the credentials out of the query (the audit columns are deferred by
#: the model); touching one later loads it. Both lookups are built once, not per request.
_PROFILE = (
    select(User)
    .options(defer(User.salt), defer(User.password), defer(User.activation_code))
    .where(User.deleted.is_(False))
)
_PROFILE_BY_USERNAME = _PROFILE.where(User.username == bindparam("key"))
_PROFILE_BY_EMAIL = _PROFILE.where(func.lower(User.email) == bindparam("email"))


def _may_resolve_email(viewer: Principal | None, email: str) -> bool:
    """Tell whether `viewer` may turn this e-mail into a username: its owner or a site admin."""
    if viewer is None:
        return False
    return viewer.is_admin or (viewer.email or "").lower() == email.lower()


class UserDao(Dao):
    """Read and change users; deleted users are invisible unless asked for."""

    def _active(self) -> Select[User]:
        return select(User).where(User.deleted.is_(False))

    def find(self, username_or_email: str) -> User | None:
        """Return the active user with this username, else with this e-mail, else None."""
        user = self.session.scalar(_PROFILE_BY_USERNAME, {"key": username_or_email})
        if user is None and "@" in username_or_email:
            user = self.session.scalar(_PROFILE_BY_EMAIL, {"email": username_or_email.lower()})
        return user

    def get(self, username_or_email: str, *, viewer: Principal | None) -> User:
        """Return the active user named by username, or by e-mail for whoever may know it.

        E-mail addresses are private (only the user and site admins see them), so a look-up by
        e-mail resolves only for a site admin or for the address's owner; for anyone else it
        is the same NotFound as an unknown user, without querying, so neither the answer nor
        its timing tells whose address it is.
        """
        user = self.session.scalar(_PROFILE_BY_USERNAME, {"key": username_or_email})
        if (
            user is None
            and "@" in username_or_email
            and _may_resolve_email(viewer, username_or_email)
        ):
            user = self.session.scalar(_PROFILE_BY_EMAIL, {"email": username_or_email.lower()})
        if user is None:
            raise NotFound(f"There is no user '{username_or_email}'.")
        return user

    def exists(self, username_or_email: str) -> bool:
        """Tell whether an active user has this username or e-mail (the public lookup)."""
        return self.find(username_or_email) is not None

    def get_by_username(self, username: str) -> User:
        """Return the active user with exactly this username, or raise NotFound."""
        user = self.session.scalar(self._active().where(User.username == username))
        if user is None:
            raise NotFound(f"There is no user '{username}'.")
        return user

    def page(self, filters: TextFilter, *, limit: int, offset: int) -> tuple[list[User], int]:
        """Return one page of active users ordered by username, and the total count.

        The filters match the username, the first name or the last name.
        """
        query = self._active().where(*filters.conditions(User.username, User.first, User.last))
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(User.username).limit(limit).offset(offset)).all()
        return list(rows), total

    def email_taken(self, email: str, *, except_username: str | None = None) -> bool:
        """Tell whether another user (deleted ones included) already has this e-mail."""
        query = select(User.username).where(func.lower(User.email) == email.lower())
        if except_username:
            query = query.where(User.username != except_username)
        return self.session.scalar(query.limit(1)) is not None

    def create(
        self,
        *,
        username: str,
        email: str,
        password_hash: str,
        first: str,
        last: str,
        role: str = SiteRole.USER,
        activation_code: str = "",
        commit: bool = True,
        **profile: Any,
    ) -> User:
        """Insert a user and commit; a taken username or e-mail is a Conflict.

        With `commit=False` the caller commits, so registration adds the user, their
        memberships and the spent code in one transaction.
        """
        if self.session.get(User, username) is not None:
            raise Conflict(f"The username '{username}' is taken.")
        if self.email_taken(email):
            raise Conflict(f"The e-mail address '{email}' is already registered.")
        now = self.clock()
        user = User(
            username=username,
            email=email,
            password=password_hash,
            first=first,
            last=last,
            role=role,
            activation_code=activation_code,
            member_since=now.date(),
            last_signin=now,
            week_start=profile.pop("week_start", None) or "monday",
            deleted=False,
            created_date=now,
            created_app=APP_NAME,
            **profile,
        )
        self.session.add(user)
        if commit:
            self.safe_commit(f"The username '{username}' or e-mail '{email}' is taken.")
        return user

    def update_profile(self, user: User, values: dict[str, Any], *, by: str) -> bool:
        """Replace the editable fields with `values`; return whether anything changed.

        The e-mail must be the current one, compared without regard to case (as the unique
        index does) and kept as stored: a new address needs the password and a code mailed
        to it (dao/email_changes.py), so a different one is EmailChangeRequired.
        """
        email = values.get("email")
        if (email or "").lower() != (user.email or "").lower():
            raise EmailChangeRequired(
                "A profile update cannot change the e-mail address: request the change with "
                "your password (POST /v2/users/{username}/email) and confirm it with the code "
                "mailed to the new address.".replace("{username}", user.username),
                errors=[{"path": "/email", "message": "differs from your e-mail address"}],
            )
        new = {name: values.get(name) for name in EDITABLE_FIELDS if name != "email"}
        changed = {name: value for name, value in new.items() if getattr(user, name) != value}
        if not changed:
            return False
        for name, value in changed.items():
            setattr(user, name, value)
        user.modified_date, user.modified_user, user.modified_app = self.clock(), by, APP_NAME
        self.safe_commit()
        return True

    def touch_last_login(self, user: User) -> dt.datetime:
        """Stamp the user's last sign-in with the current time and commit."""
        user.last_signin = self.clock()
        self.safe_commit()
        return user.last_signin

    def soft_delete(self, user: User, *, by: str) -> None:
        """Flag the user deleted and end every session and access token they hold."""
        now = self.clock()
        user.deleted = True
        user.deleted_date, user.deleted_user, user.deleted_app = now, by, APP_NAME
        user.modified_date, user.modified_user, user.modified_app = now, by, APP_NAME
        self._revoke_tokens(user, now)
        self.safe_commit()

    def revoke_tokens(self, user: User) -> None:
        """End every session of `user` and invalidate their access tokens; commit."""
        self._revoke_tokens(user, self.clock())
        self.safe_commit()

    def _revoke_tokens(self, user: User, now: dt.datetime) -> None:
        user.token_generation = (user.token_generation or 0) + 1
        self.session.execute(
            update(AuthSession)
            .where(AuthSession.username == user.username, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def hard_delete(self, user: User) -> None:
        """Remove the user and everything that refers to them, in one transaction.

        Notifications they sent stay with their addressees, with no sender (as the foreign
        key's ON DELETE SET NULL would do; done here so the rows' versions, and ETags, change).
        """
        name = user.username
        own_logs = select(Log.log_id).where(Log.username == name).scalar_subquery()
        self.session.execute(
            update(Notification)
            .where(Notification.sender == name, Notification.username != name)
            .values(sender=None, version=Notification.version + 1)
        )
        for statement in (
            delete(Comment).where(or_(Comment.username == name, Comment.log_id.in_(own_logs))),
            delete(Log).where(Log.username == name),
            delete(LogTotal).where(LogTotal.username == name),
            delete(LogDay).where(LogDay.username == name),
            delete(Notification).where(Notification.username == name),
            delete(Flair).where(Flair.username == name),
            delete(ForgotPassword).where(ForgotPassword.username == name),
            delete(EmailChange).where(EmailChange.username == name),
            delete(GroupMember).where(GroupMember.username == name),
            delete(TeamMember).where(TeamMember.username == name),
            delete(AuthSession).where(AuthSession.username == name),
        ):
            self.session.execute(statement)
        self.session.delete(user)
        self.safe_commit()
