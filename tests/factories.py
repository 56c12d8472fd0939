"""Test-data factories: real rows through the DAOs, with cheap bcrypt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from api.security import PasswordHasher
from dao.comments import CommentDao
from dao.logs import LogDao
from dao.users import UserDao
from models import (
    Code,
    Comment,
    Flair,
    ForgotPassword,
    Group,
    GroupMember,
    Log,
    Notification,
    Team,
    TeamGroup,
    TeamMember,
    User,
)

PASSWORD = "correct horse battery"
_HASHER = PasswordHasher(4)
_HASHES: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """Return a cost-4 bcrypt hash of `password`, memoized across tests."""
    if password not in _HASHES:
        _HASHES[password] = _HASHER.hash(password)
    return _HASHES[password]


class Factory:
    """Create rows for tests; every helper commits, inside the test's outer transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(self, username: str, *, password: str = PASSWORD, **fields: Any) -> User:
        """Create an active user; e-mail defaults to <username>@example.com."""
        fields.setdefault("first", username.title())
        fields.setdefault("last", "Runner")
        email = fields.pop("email", f"{username}@example.com")
        return UserDao(self.session).create(
            username=username, email=email, password_hash=password_hash(password), **fields
        )

    def log(self, username: str, **fields: Any) -> Log:
        """Create a log through LogDao (miles and pace derived); a run today, feel 5, by default.

        `date` may be a `datetime.date`; `time` a "H:MM:SS" string, as clients send it.
        """
        document: dict[str, Any] = {"date": _today(), "type": "run", "feel": 5, **fields}
        if isinstance(document["date"], dt.date):
            document["date"] = document["date"].isoformat()
        return LogDao(self.session).create(username, document)

    def comment(
        self, username: str, log_id: int, content: str = "Nice one", **fields: Any
    ) -> Comment:
        """Create a comment through CommentDao; `time` may be overridden."""
        comment = CommentDao(self.session).create(username, log_id, content)
        return self._change(comment, fields)

    def notification(
        self, username: str, description: str = "Hello", **fields: Any
    ) -> Notification:
        """Create an unread notification for `username` now (`time`, `viewed`, `link` may vary)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        row = Notification(
            username=username, time=now, viewed="N", description=description, deleted=False
        )
        return self._add(row, fields)

    def flair(self, username: str, flair: str = "Site Creator") -> Flair:
        """Grant `flair` to `username`."""
        return self._add(Flair(username=username, flair=flair, deleted=False), {})

    def team(self, name: str, **fields: Any) -> Team:
        """Create a team (week start monday unless given)."""
        fields.setdefault("title", name.title())
        fields.setdefault("week_start", "monday")
        return self._add(Team(name=name, deleted=False), fields)

    def group(self, group_name: str, *, team: str | None = None, **fields: Any) -> Group:
        """Create a group (week start monday unless given), in `team` when one is named."""
        fields.setdefault("group_title", group_name.title())
        fields.setdefault("week_start", "monday")
        group = self._add(Group(group_name=group_name, deleted=False), fields)
        if team is not None:
            self._add(
                TeamGroup(team_name=team, group_id=group.id, group_name=group_name, deleted=False),
                {},
            )
        return group

    def team_member(
        self, team_name: str, username: str, *, status: str = "accepted", role: str = "user"
    ) -> TeamMember:
        """Add `username` to a team with a status and a role."""
        row = TeamMember(
            team_name=team_name, username=username, status=status, user=role, deleted=False
        )
        return self._add(row, {})

    def group_member(
        self, group: Group, username: str, *, status: str = "accepted", role: str = "user"
    ) -> GroupMember:
        """Add `username` to a group with a status and a role."""
        row = GroupMember(
            group_id=group.id,
            group_name=group.group_name,
            username=username,
            status=status,
            user=role,
            deleted=False,
        )
        return self._add(row, {})

    def code(
        self,
        email: str,
        group: Group,
        *,
        created_user: str | None = None,
        code: str = "INVITE01",
        expires_in: dt.timedelta = dt.timedelta(days=14),
        **fields: Any,
    ) -> Code:
        """Create an activation code for `email` into `group`, made by `created_user`."""
        expires = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + expires_in
        row = Code(
            activation_code=code,
            email=email,
            group_id=group.id,
            expiration_date=expires,
            created_user=created_user,
            deleted=False,
        )
        return self._add(row, fields)

    def reset_code(
        self,
        username: str,
        code: str = "RESET123",
        *,
        expires_in: dt.timedelta = dt.timedelta(hours=2),
    ) -> ForgotPassword:
        """Create a forgot-password code for `username`."""
        expires = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + expires_in
        return self._add(
            ForgotPassword(forgot_code=code, username=username, expires=expires, deleted=False), {}
        )

    def _add(self, row: Any, fields: dict[str, Any]) -> Any:
        for name, value in fields.items():
            setattr(row, name, value)
        self.session.add(row)
        self.session.commit()
        return row

    def _change(self, row: Any, fields: dict[str, Any]) -> Any:
        if fields:
            for name, value in fields.items():
                setattr(row, name, value)
            self.session.commit()
        return row


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
