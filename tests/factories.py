"""Test-data factories: real rows through the DAOs, with cheap bcrypt."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.security import PasswordHasher
from dao.users import UserDao
from models import User

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
