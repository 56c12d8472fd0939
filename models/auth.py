"""Splits' own authentication state: login sessions, refresh tokens and login throttles.

All timestamps are naive UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class AuthSession(Base):
    """Hold one login: the family of refresh tokens issued from one password check."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    # The database deletes the tokens with their session (ON DELETE CASCADE), so the ORM need
    # not load them first.
    refresh_tokens: Mapped[list[RefreshToken]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )


class RefreshToken(Base):
    """Hold one refresh token, by hash only; `used_at` set means rotated (reuse = theft)."""

    __tablename__ = "refresh_tokens"

    # SHA-256 hex of the token: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    session: Mapped[AuthSession] = relationship(
        back_populates="refresh_tokens", lazy="raise_on_sql"
    )


class Throttle(Base):
    """Count failed attempts for one key (e.g. "login:<username>") across all app instances."""

    __tablename__ = "throttles"

    # 191 characters is the longest utf8mb4 key older MySQL InnoDB row formats can index.
    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_start: Mapped[dt.datetime] = mapped_column(DateTime)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
