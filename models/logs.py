"""Training logs, their comments, and the aggregates of the live logs kept by triggers."""

from __future__ import annotations

import datetime as dt
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
    Integer,
    String,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
)
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


class LogTotal(Base):
    """Hold the running totals of one user's live logs of one type, for all-time figures.

    Kept by the triggers on `logs` (`LOG_TRIGGERS` below) in the transaction of every write of a
    log, whoever makes it, so an all-time leaderboard or a feed's log count reads one row per
    member and type instead of every log. A row whose `logs` fell back to 0 stays; readers skip it.
    """

    __tablename__ = "log_totals"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), ForeignKey("types.type"), primary_key=True)
    logs: Mapped[int] = mapped_column(Integer, nullable=False)
    miles: Mapped[float] = mapped_column(Double, nullable=False)
    feel: Mapped[int] = mapped_column(BigInteger, nullable=False)


class LogDay(Base):
    """Hold the sums of one user's live logs of one type on one day, for date-bounded figures.

    Range views, the week, month and year leaderboards and statistics read these rows (a
    (username, date) range per member) instead of the logs themselves. Kept like `log_totals`
    by the triggers on `logs`; a row whose `logs` fell back to 0 stays, and readers skip it.
    """

    __tablename__ = "log_days"
    # The range view of everyone reads a range of dates across all users.
    __table_args__ = (Index("ix_log_days_date", "date"),)

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    type: Mapped[str] = mapped_column(String(40), ForeignKey("types.type"), primary_key=True)
    logs: Mapped[int] = mapped_column(Integer, nullable=False)
    miles: Mapped[float] = mapped_column(Double, nullable=False)
    seconds: Mapped[int] = mapped_column(BigInteger, nullable=False)
    feel: Mapped[int] = mapped_column(BigInteger, nullable=False)


# -- Keeping the aggregates ----------------------------------------------------------------------
#
# Triggers on `logs` add each live log (deleted IS FALSE; NULL reads as deleted) to its author's
# `log_totals` row and to its `log_days` row, and take it out again, in the statement that writes
# the log: an ORM flush, a Core statement, the legacy API on an adopted database, a hand-written
# UPDATE or a bulk load. An update that changes none of the aggregated columns does nothing.
# Taking a log out only updates an existing row (a missing row means the aggregates were already
# stale; `refill_log_totals` repairs them). Revision 0014 creates the same triggers (its own
# frozen copy; tests/migrations compares them), and `Base.metadata.create_all` creates them too.

TRIGGER_NAMES = ("logs_aggregate_insert", "logs_aggregate_update", "logs_aggregate_delete")
#: The columns of `logs` the aggregates read: an update that changes none of them is skipped.
_AGGREGATED = ("deleted", "username", "date", "type", "miles", "time", "feel")


def sqlite_seconds(value: str) -> str:
    """Return SQLite SQL for the seconds of a `Duration` value (integer seconds or H:MM:SS text).

    The API stores integer seconds; text such as '1:05:00' written by plain SQL counts as
    `models.types.Duration` reads it ([-]H:MM:SS, a fraction dropped). NULL counts 0. SQLite's
    CAST to INTEGER reads the leading digits, so each part is the number before the next ':'.
    """
    text = f"trim({value})"
    rest = f"substr({text}, instr({text}, ':') + 1)"  # MM:SS
    parsed = (
        f"CASE WHEN substr({text}, 1, 1) = '-' THEN -1 ELSE 1 END"
        f" * (CAST(ltrim({text}, '-') AS INTEGER) * 3600 + CAST({rest} AS INTEGER) * 60"
        f" + CAST(substr({rest}, instr({rest}, ':') + 1) AS INTEGER))"
    )
    return (
        f"(CASE typeof({value}) WHEN 'integer' THEN {value}"
        f" WHEN 'real' THEN CAST({value} AS INTEGER) WHEN 'text' THEN {parsed} ELSE 0 END)"
    )


# MySQL/MariaDB: what a live NEW log adds to its two rows, and what a live OLD log takes out.
_MYSQL_ADD = """
    INSERT INTO log_totals (username, type, logs, miles, feel)
    VALUES (NEW.username, NEW.type, 1, COALESCE(NEW.miles, 0), COALESCE(NEW.feel, 0))
    ON DUPLICATE KEY UPDATE logs = logs + 1, miles = miles + COALESCE(NEW.miles, 0),
      feel = feel + COALESCE(NEW.feel, 0);
    INSERT INTO log_days (username, date, type, logs, miles, seconds, feel)
    VALUES (NEW.username, NEW.date, NEW.type, 1, COALESCE(NEW.miles, 0),
      COALESCE(TIME_TO_SEC(NEW.time), 0), COALESCE(NEW.feel, 0))
    ON DUPLICATE KEY UPDATE logs = logs + 1, miles = miles + COALESCE(NEW.miles, 0),
      seconds = seconds + COALESCE(TIME_TO_SEC(NEW.time), 0),
      feel = feel + COALESCE(NEW.feel, 0);"""
_MYSQL_TAKE = """
    UPDATE log_totals SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
      feel = feel - COALESCE(OLD.feel, 0)
    WHERE username = OLD.username AND type = OLD.type;
    UPDATE log_days SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
      seconds = seconds - COALESCE(TIME_TO_SEC(OLD.time), 0), feel = feel - COALESCE(OLD.feel, 0)
    WHERE username = OLD.username AND date = OLD.date AND type = OLD.type;"""
_MYSQL_UNCHANGED = "\n      AND ".join(f"OLD.{column} <=> NEW.{column}" for column in _AGGREGATED)
MYSQL_LOG_TRIGGERS = (
    "CREATE TRIGGER logs_aggregate_insert AFTER INSERT ON logs FOR EACH ROW\nBEGIN\n"
    "  IF NEW.deleted IS FALSE THEN" + _MYSQL_ADD + "\n  END IF;\nEND",
    "CREATE TRIGGER logs_aggregate_update AFTER UPDATE ON logs FOR EACH ROW\nBEGIN\n"
    f"  IF NOT ({_MYSQL_UNCHANGED}) THEN\n"
    "  IF OLD.deleted IS FALSE THEN" + _MYSQL_TAKE + "\n  END IF;\n"
    "  IF NEW.deleted IS FALSE THEN" + _MYSQL_ADD + "\n  END IF;\n"
    "  END IF;\nEND",
    "CREATE TRIGGER logs_aggregate_delete AFTER DELETE ON logs FOR EACH ROW\nBEGIN\n"
    "  IF OLD.deleted IS FALSE THEN" + _MYSQL_TAKE + "\n  END IF;\nEND",
)

# SQLite has no IF: each statement carries its own condition on the log being live.
_SQLITE_ADD = """
  INSERT INTO log_totals (username, type, logs, miles, feel)
  SELECT NEW.username, NEW.type, 1, COALESCE(NEW.miles, 0), COALESCE(NEW.feel, 0)
  WHERE NEW.deleted IS FALSE
  ON CONFLICT (username, type) DO UPDATE SET logs = logs + 1, miles = miles + excluded.miles,
    feel = feel + excluded.feel;
  INSERT INTO log_days (username, date, type, logs, miles, seconds, feel)
  SELECT NEW.username, NEW.date, NEW.type, 1, COALESCE(NEW.miles, 0), {new_seconds},
    COALESCE(NEW.feel, 0)
  WHERE NEW.deleted IS FALSE
  ON CONFLICT (username, date, type) DO UPDATE SET logs = logs + 1,
    miles = miles + excluded.miles, seconds = seconds + excluded.seconds,
    feel = feel + excluded.feel;"""
_SQLITE_TAKE = """
  UPDATE log_totals SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
    feel = feel - COALESCE(OLD.feel, 0)
  WHERE OLD.deleted IS FALSE AND username = OLD.username AND type = OLD.type;
  UPDATE log_days SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
    seconds = seconds - {old_seconds}, feel = feel - COALESCE(OLD.feel, 0)
  WHERE OLD.deleted IS FALSE AND username = OLD.username AND date = OLD.date
    AND type = OLD.type;"""
_SQLITE_CHANGED = "\n  OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in _AGGREGATED)
SQLITE_LOG_TRIGGERS = tuple(
    statement.format(new_seconds=sqlite_seconds("NEW.time"), old_seconds=sqlite_seconds("OLD.time"))
    for statement in (
        "CREATE TRIGGER logs_aggregate_insert AFTER INSERT ON logs FOR EACH ROW\n"
        "WHEN NEW.deleted IS FALSE\nBEGIN" + _SQLITE_ADD + "\nEND",
        f"CREATE TRIGGER logs_aggregate_update AFTER UPDATE OF {', '.join(_AGGREGATED)} ON logs"
        f" FOR EACH ROW\nWHEN {_SQLITE_CHANGED}\nBEGIN" + _SQLITE_TAKE + _SQLITE_ADD + "\nEND",
        "CREATE TRIGGER logs_aggregate_delete AFTER DELETE ON logs FOR EACH ROW\n"
        "WHEN OLD.deleted IS FALSE\nBEGIN" + _SQLITE_TAKE + "\nEND",
    )
)


def log_trigger_ddl(dialect: str) -> tuple[str, ...]:
    """Return the CREATE TRIGGER statements that keep `log_totals` and `log_days`.

    `dialect` is a SQLAlchemy dialect name: "mysql" (MySQL and MariaDB) or "sqlite".
    """
    if dialect == "mysql":
        return MYSQL_LOG_TRIGGERS
    if dialect == "sqlite":
        return SQLITE_LOG_TRIGGERS
    raise ValueError(f"no log triggers for the {dialect!r} dialect")


@event.listens_for(Base.metadata, "after_create")
def _create_log_triggers(_metadata: Any, connection: Connection, **kw: Any) -> None:
    """Create the triggers when `create_all` creates the `logs` table (as 0014 does on upgrade)."""
    if Log.__table__ in kw.get("tables", ()):
        for statement in log_trigger_ddl(connection.dialect.name):
            connection.exec_driver_sql(statement)


def refill_log_totals(connection: Connection) -> None:
    """Recompute every `log_totals` and `log_days` row from the live logs, in one transaction.

    The repair after the aggregates went stale: a restored backup of one table, triggers that
    were missing while logs were written (`python -m api db refill-totals`).
    """
    live = Log.deleted.is_(False)
    if connection.dialect.name == "mysql":
        seconds: Any = func.time_to_sec(Log.time)
    else:
        seconds = literal_column(sqlite_seconds("logs.time"))
    connection.execute(delete(LogTotal))
    connection.execute(delete(LogDay))
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
            .where(live)
            .group_by(Log.username, Log.type),
        )
    )
    connection.execute(
        insert(LogDay).from_select(
            ["username", "date", "type", "logs", "miles", "seconds", "feel"],
            select(
                Log.username,
                Log.date,
                Log.type,
                func.count(),
                func.coalesce(func.sum(Log.miles), 0.0),
                func.coalesce(func.sum(seconds), 0),
                func.coalesce(func.sum(Log.feel), 0),
            )
            .where(live)
            .group_by(Log.username, Log.date, Log.type),
        )
    )
