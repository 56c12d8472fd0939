"""Training logs and their comments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    DateTime,
    Double,
    Float,
    ForeignKey,
    Index,
    Insert,
    Integer,
    String,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column, relationship
from sqlalchemy.orm.attributes import get_history

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


class LogTotal(Base):
    """Hold the running totals of one user's live logs of one type, for all-time figures.

    Kept by the `after_flush` hook below in the transaction of every log write, so an all-time
    leaderboard or a feed's log count reads one row per member and type instead of every log.
    A row whose `logs` fell back to 0 stays; readers skip it.
    """

    __tablename__ = "log_totals"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), ForeignKey("types.type"), primary_key=True)
    logs: Mapped[int] = mapped_column(Integer, nullable=False)
    miles: Mapped[float] = mapped_column(Double, nullable=False)
    feel: Mapped[int] = mapped_column(BigInteger, nullable=False)


# Keeping the totals: every ORM flush that inserts, changes or deletes a Log adds its change to
# the totals in the same transaction, so no code path can forget it. Core statements that write
# logs (a user's hard delete, the seeder) bypass the ORM and rebuild or delete totals themselves.

_TOTALLED = ("username", "type", "deleted", "miles", "feel")
_SUMS = ("logs", "miles", "feel")
#: Changes to apply, by (username, type, one of _SUMS).
Totals = defaultdict[tuple[str, str, str], float]


def _values(log: Log, *, before: bool) -> dict[str, Any]:
    """Return the totalled fields of `log` as flushed (`before`: as they were loaded)."""
    values = {}
    for name in _TOTALLED:
        history = get_history(log, name)
        if before and history.deleted:
            values[name] = history.deleted[0]
        else:
            values[name] = getattr(log, name)
    return values


def _add(totals: Totals, values: dict[str, Any], sign: int) -> None:
    if values["deleted"] is not False:  # only live logs count (NULL reads as deleted)
        return
    key = (values["username"], values["type"])
    totals[(*key, "logs")] += sign
    totals[(*key, "miles")] += sign * (values["miles"] or 0.0)
    totals[(*key, "feel")] += sign * (values["feel"] or 0)


@event.listens_for(Session, "after_flush")
def _keep_log_totals(session: Session, _context: UOWTransaction) -> None:
    """Add what this flush did to logs (new, changed, deleted) to their authors' totals."""
    totals: Totals = defaultdict(float)
    for log in session.new:
        if isinstance(log, Log):
            _add(totals, _values(log, before=False), +1)
    for log in session.dirty:
        if isinstance(log, Log) and session.is_modified(log):
            _add(totals, _values(log, before=True), -1)
            _add(totals, _values(log, before=False), +1)
    for log in session.deleted:
        if isinstance(log, Log):
            _add(totals, _values(log, before=True), -1)
    if not totals:
        return
    connection = session.connection()
    upsert = _upsert(connection.dialect.name)
    for username, type_ in sorted({(username, type_) for username, type_, _ in totals}):
        logs, miles, feel = (totals[(username, type_, field)] for field in _SUMS)
        if logs or miles or feel:
            row = {"username": username, "type": type_, "logs": int(logs), "feel": int(feel)}
            connection.execute(upsert, {**row, "miles": miles})


@cache
def _upsert(dialect: str) -> Insert:
    """Return the upsert that adds a row's figures to its totals row (built once per dialect)."""
    row: dict[str, Any] = {column: bindparam(column) for column in ("username", "type", *_SUMS)}
    if dialect == "mysql":
        upsert = mysql.insert(LogTotal).values(row)
        return upsert.on_duplicate_key_update(
            {field: getattr(LogTotal, field) + upsert.inserted[field] for field in _SUMS}
        )
    lite = sqlite.insert(LogTotal).values(row)
    return lite.on_conflict_do_update(
        index_elements=[LogTotal.username, LogTotal.type],
        set_={field: getattr(LogTotal, field) + lite.excluded[field] for field in _SUMS},
    )


def refill_log_totals(connection: Connection) -> None:
    """Recompute every `log_totals` row from the live logs, in the connection's transaction.

    For writes that bypass the ORM: the seeder's bulk inserts, or logs edited by hand
    (`python -m api db refill-totals`).
    """
    connection.execute(delete(LogTotal))
    connection.execute(
        insert(LogTotal).from_select(
            ["username", "type", "logs", "miles", "feel"],
            select(
                Log.username,
                Log.type,
                func.count(),
                func.coalesce(func.sum(Log.miles), 0.0),
                func.coalesce(func.sum(Log.feel), 0),
            )
            .where(Log.deleted.is_(False))
            .group_by(Log.username, Log.type),
        )
    )
