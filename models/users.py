"""Users and the rows that belong to one user: codes, reset codes, notifications, flair."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CHAR, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AuditMixin, Base, VersionedMixin

# LargeBinary is BLOB (64 KiB) on MySQL; the legacy pictures are LONGBLOB.
PICTURE = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


class User(AuditMixin, VersionedMixin, Base):
    """Hold one account: profile, credentials and site role."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(20), primary_key=True)
    first: Mapped[str] = mapped_column(String(30), index=True)
    last: Mapped[str] = mapped_column(String(30), index=True)
    # Legacy and unused: bcrypt keeps its salt inside the hash.
    salt: Mapped[str | None] = mapped_column(String(255))
    password: Mapped[str] = mapped_column(String(255))
    # Deferred so that no ordinary query drags megabytes of picture along.
    profilepic: Mapped[bytes | None] = mapped_column(PICTURE, deferred=True)
    profilepic_name: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    member_since: Mapped[dt.date]
    class_year: Mapped[int | None] = mapped_column(Integer, index=True)
    location: Mapped[str | None] = mapped_column(String(50))
    favorite_event: Mapped[str | None] = mapped_column(String(20))
    activation_code: Mapped[str] = mapped_column(String(8))
    # E-mail is a login identifier, so Splits makes it unique (revision 0003).
    email: Mapped[str | None] = mapped_column(String(50), unique=True)
    last_signin: Mapped[dt.datetime] = mapped_column(DateTime)
    week_start: Mapped[str | None] = mapped_column(ForeignKey("weekstart.week_start"))
    subscribed: Mapped[str | None] = mapped_column(CHAR(1))
    # Splits additions: site-wide role ('user' | 'admin'), and a counter that access tokens carry
    # so that a password change, soft delete or "revoke all" invalidates every token at once.
    role: Mapped[str] = mapped_column(String(10), default="user", server_default="user")
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Code(AuditMixin, VersionedMixin, Base):
    """Hold one activation code that lets someone register into a group."""

    __tablename__ = "codes"

    activation_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(50), index=True)
    # The legacy ORM declared a FK to groups.id but the database never had one; adding it would
    # fail on legacy codes that name a group which does not exist.
    group_id: Mapped[int | None] = mapped_column(Integer)
    expiration_date: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ForgotPassword(AuditMixin, Base):
    """Hold one password-reset code sent to a user."""

    __tablename__ = "forgotpassword"

    forgot_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    expires: Mapped[dt.datetime] = mapped_column(DateTime)


class EmailChange(Base):
    """Hold a user's requested, not yet confirmed, new e-mail address (at most one per user).

    The address becomes the user's only when the code mailed to it comes back; until then
    logins, resets and invitations keep using the confirmed `users.email`. The code is stored
    as a keyed digest (HMAC-SHA256), never in clear. Timestamps are naive UTC.
    """

    __tablename__ = "email_changes"

    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    new_email: Mapped[str] = mapped_column(String(50))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: Wrong confirmation codes so far; at the limit the pending change is void.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Notification(AuditMixin, VersionedMixin, Base):
    """Hold one notification addressed to a user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_username_time", "username", "time"),)

    notification_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    time: Mapped[dt.datetime] = mapped_column(DateTime)
    link: Mapped[str | None] = mapped_column(String(127))
    viewed: Mapped[str] = mapped_column(CHAR(1))
    # VARCHAR(1000) as in the legacy SQL (the legacy ORM said 127).
    description: Mapped[str | None] = mapped_column(String(1000))
    # Splits addition (revision 0011): who sent it. NULL for legacy rows, and once the sender is
    # deleted for good (the addressee keeps the notification).
    sender: Mapped[str | None] = mapped_column(
        ForeignKey("users.username", ondelete="SET NULL"), index=True
    )


class Flair(AuditMixin, Base):
    """Hold one badge shown on a user's profile."""

    __tablename__ = "flair"

    flair_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    flair: Mapped[str | None] = mapped_column(String(50))
