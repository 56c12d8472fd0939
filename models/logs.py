"""Training logs and their comments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import AuditMixin, Base, VersionedMixin
from models.types import Duration


class Comment(AuditMixin, VersionedMixin, Base):
    """Hold one comment on a log."""

    __tablename__ = "comments"

    comment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    # Copies of the author's name, kept because legacy clients read them from the comment.
    first: Mapped[str] = mapped_column(String(30))
    last: Mapped[str] = mapped_column(String(30))
    log_id: Mapped[int] = mapped_column(ForeignKey("logs.log_id"), index=True)
    time: Mapped[dt.datetime] = mapped_column(DateTime)
    content: Mapped[str | None] = mapped_column(String(1000))


class Log(AuditMixin, VersionedMixin, Base):
    """Hold one exercise: what, when, how far, how long and how it felt."""

    __tablename__ = "logs"
    # Covers the per-user reads of feeds, range views, leaderboards and statistics (revision 0008).
    __table_args__ = (
        Index("ix_logs_username_date", "username", "date", "deleted", "type", "miles", "feel"),
    )

    log_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    first: Mapped[str] = mapped_column(String(30))
    last: Mapped[str] = mapped_column(String(30))
    name: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(String(50))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    type: Mapped[str] = mapped_column(String(40), ForeignKey("types.type"), index=True)
    distance: Mapped[float | None] = mapped_column(Float)
    metric: Mapped[str | None] = mapped_column(ForeignKey("metrics.metric"))
    miles: Mapped[float | None] = mapped_column(Float, index=True)
    time: Mapped[dt.timedelta | None] = mapped_column(Duration, index=True)
    pace: Mapped[dt.timedelta | None] = mapped_column(Duration)
    feel: Mapped[int] = mapped_column(Integer, index=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    time_created: Mapped[dt.datetime] = mapped_column(DateTime)

    # Every comment, soft-deleted ones included, newest first. Read-only navigation: load it with
    # selectinload(Log.comments.and_(Comment.deleted.is_(False))) so a feed page costs one query
    # for all its comments; a lazy load raises instead of quietly becoming N+1 queries.
    comments: Mapped[list[Comment]] = relationship(
        Comment,
        viewonly=True,
        lazy="raise_on_sql",
        order_by=lambda: (Comment.time.desc(), Comment.comment_id.desc()),
    )
