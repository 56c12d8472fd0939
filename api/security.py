"""Passwords (bcrypt) and access tokens (JWT signed by the API itself, algorithm pinned)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import bcrypt
import jwt

from dao.errors import InvalidInput
from domain.clock import Clock, utcnow

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti")
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_BYTES = 72  # bcrypt ignores (bcrypt>=5: refuses) anything past 72 bytes


def check_password_rules(password: str, *, field: str = "password") -> None:
    """Raise InvalidInput unless `password` has 8+ characters and at most 72 bytes."""
    if len(password) < PASSWORD_MIN_CHARS:
        message = f"must be at least {PASSWORD_MIN_CHARS} characters long"
    elif len(password.encode()) > PASSWORD_MAX_BYTES:
        message = f"must be at most {PASSWORD_MAX_BYTES} bytes long in UTF-8"
    else:
        return
    raise InvalidInput(
        f"The {field.replace('_', ' ')} {message}.",
        errors=[{"path": f"/{field}", "message": message}],
    )


class PasswordHasher:
    """Hash and check passwords with bcrypt at a configurable cost."""

    def __init__(self, cost: int) -> None:
        self.cost = cost

    @functools.cached_property
    def _dummy_hash(self) -> bytes:
        # Checked against when the user does not exist, so both failures take the same time.
        # Made on first use: at cost 12 it would add ~0.4 s to every worker start.
        return bcrypt.hashpw(b"splits-dummy-password", bcrypt.gensalt(self.cost))

    def hash(self, password: str) -> str:
        """Return the bcrypt hash of `password` (callers check the rules first)."""
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(self.cost)).decode()

    def verify(self, password: str, hashed: str | None) -> bool:
        """Tell whether `password` matches `hashed`; legacy `$2a$`/`$2y$` hashes work too."""
        secret = password.encode()
        if len(secret) > PASSWORD_MAX_BYTES:
            secret = secret[:PASSWORD_MAX_BYTES]
            hashed = None  # never accept a password that was silently truncated
        if not hashed:
            bcrypt.checkpw(secret, self._dummy_hash)
            return False
        try:
            return bcrypt.checkpw(secret, hashed.encode())
        except ValueError:  # a malformed stored hash is a wrong password, not a crash
            return False


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token and its lifetime in seconds."""

    token: str
    expires_in: int


class InvalidToken(Exception):
    """Raise when a bearer token is malformed, expired, or fails any claim check."""


class TokenService:
    """Issue and verify access tokens; make opaque refresh tokens and their digests."""

    def __init__(
        self, *, secret_key: str, issuer: str, audience: str, ttl: int, clock: Clock = utcnow
    ) -> None:
        self._key = secret_key
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        self.clock = clock

    def issue(
        self, *, username: str, email: str | None, name: str, generation: int, session_id: str
    ) -> IssuedToken:
        """Return a signed access token for a user's session."""
        now = self.clock().replace(tzinfo=dt.UTC)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": username,
            "email": email,
            "name": name,
            "iat": now,
            "nbf": now,
            "exp": now + dt.timedelta(seconds=self.ttl),
            "jti": uuid.uuid4().hex,
            "sid": session_id,
            "gen": generation,
        }
        return IssuedToken(jwt.encode(claims, self._key, algorithm=ALGORITHM), self.ttl)

    def verify(self, token: str) -> dict[str, Any]:
        """Return the verified claims of `token` or raise InvalidToken."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=5,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as ex:
            raise InvalidToken(str(ex)) from ex
        if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("gen", 0), int):
            raise InvalidToken("malformed claims")
        return claims

    @staticmethod
    def new_refresh_token() -> str:
        """Return a fresh opaque refresh token (only its digest is stored)."""
        return secrets.token_urlsafe(32)

    @staticmethod
    def digest(refresh_token: str) -> str:
        """Return the SHA-256 digest under which a refresh token is stored."""
        return hashlib.sha256(refresh_token.encode()).hexdigest()
