"""The log aggregates as kept (`log_totals`, `log_days`) and as recomputed from the live logs.

`FromLogs` computes every figure of `dao.statistics.StatisticsDao` straight from `logs`, the way
the DAO did before it read the aggregates: the reference the aggregates must always agree with.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from dao.statistics import STAT_KEYS, LeaderRow, RangeDay, accepted_members, active_users
from dao.statistics import types_for_letters as letters_condition
from dao.training import average_feel, interval_start, round_miles, whole_feel
from models import Log, LogDay, LogTotal, User

Totals = dict[tuple[str, str], tuple[int, float, int]]
Days = dict[tuple[str, dt.date, str], tuple[int, float, int, int]]
_NAMED = ("run", "bike", "swim")


def stored(db: Session) -> Totals:
    """The totals as kept, rows fallen back to zero logs left out."""
    rows = db.execute(select(LogTotal).where(LogTotal.logs != 0)).scalars()
    return {(t.username, t.type): (t.logs, round(t.miles, 6), t.feel) for t in rows}


def recomputed(db: Session) -> Totals:
    """The totals summed over the live logs, as a reader would compute them."""
    rows = db.execute(
        select(
            Log.username,
            Log.type,
            func.count(),
            func.coalesce(func.sum(Log.miles), 0.0),
            func.coalesce(func.sum(Log.feel), 0),
        )
        .where(Log.deleted.is_(False))
        .group_by(Log.username, Log.type)
    )
    return {(u, t): (n, round(m, 6), f) for u, t, n, m, f in rows}


def stored_days(db: Session) -> Days:
    """The day rows as kept (logs, miles, seconds, feel), rows fallen back to zero left out."""
    rows = db.execute(select(LogDay).where(LogDay.logs != 0)).scalars()
    return {
        (d.username, d.date, d.type): (d.logs, round(d.miles, 6), d.seconds, d.feel) for d in rows
    }


def recomputed_days(db: Session) -> Days:
    """The day rows summed over the live logs: miles in SQL, seconds from the loaded times."""
    rows = db.execute(
        select(
            Log.username,
            Log.date,
            Log.type,
            func.count(),
            func.coalesce(func.sum(Log.miles), 0.0),
            func.coalesce(func.sum(Log.feel), 0),
        )
        .where(Log.deleted.is_(False))
        .group_by(Log.username, Log.date, Log.type)
    )
    seconds: defaultdict[tuple[str, dt.date, str], int] = defaultdict(int)
    for username, date, type_, time in db.execute(
        select(Log.username, Log.date, Log.type, Log.time).where(Log.deleted.is_(False))
    ):
        seconds[(username, date, type_)] += int(time.total_seconds()) if time else 0
    return {(u, d, t): (n, round(m, 6), seconds[(u, d, t)], f) for u, d, t, n, m, f in rows}


class FromLogs:
    """Every figure of StatisticsDao, computed by scanning the live logs (the old way)."""

    def __init__(self, db: Session, today: dt.date) -> None:
        self.db = db
        self.today = today

    def stats(self, scope: ColumnElement[bool], week_start: str | None) -> dict[str, float]:
        """Return the twelve statistics of the logs `scope` selects."""
        names = ("all", "year", "month", "week")
        starts = {name: interval_start(name, self.today, week_start) for name in names}

        def within(name: str, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
            start = starts[name]
            return and_(true(), *extra, *([Log.date >= start] if start else []))

        columns: list[Any] = [func.sum(case((within(name), Log.miles))) for name in names]
        columns += [func.sum(case((within(name, Log.type == "run"), Log.miles))) for name in names]
        for name in names:
            columns += [func.sum(case((within(name), Log.feel))), func.sum(case((within(name), 1)))]
        row = self.db.execute(select(*columns).where(scope, Log.deleted.is_(False))).one()
        figures = [round_miles(value) for value in row[:8]]
        feels = row[8:]
        figures += [average_feel(feels[i], feels[i + 1]) for i in range(0, len(feels), 2)]
        return dict(zip(STAT_KEYS, figures, strict=True))

    def for_user(self, username: str, week_start: str | None) -> dict[str, float]:
        """Return a user's statistics."""
        return self.stats(Log.username == username, week_start)

    def for_group(self, group_id: int, week_start: str | None) -> dict[str, float]:
        """Return a group's statistics."""
        return self.stats(Log.username.in_(accepted_members(group_id)), week_start)

    def leaderboard(self, group_id: int, interval: str, week_start: str | None) -> list[LeaderRow]:
        """Rank a group's members by their logs' miles since the interval's start."""
        start = interval_start(interval, self.today, week_start)

        def miles(condition: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((condition, Log.miles))), 0)

        total = func.coalesce(func.sum(Log.miles), 0)
        query = (
            select(
                User.username,
                User.first,
                User.last,
                total,
                miles(Log.type == "run"),
                miles(Log.type == "bike"),
                miles(Log.type == "swim"),
                miles(Log.type.not_in(_NAMED)),
            )
            .join(User, User.username == Log.username)
            .where(
                Log.username.in_(accepted_members(group_id)),
                Log.deleted.is_(False),
                *([Log.date >= start] if start else []),
            )
            .group_by(User.username, User.first, User.last)
            .order_by(total.desc(), User.username)
        )
        return [
            LeaderRow(username, first, last, *(round_miles(value) for value in figures))
            for username, first, last, *figures in self.db.execute(query)
        ]

    def range_view(
        self,
        letters: str,
        start: dt.date,
        end: dt.date,
        *,
        username: str | None = None,
        group_id: int | None = None,
    ) -> list[RangeDay]:
        """Return the days in [start, end] with matching logs."""
        if username is not None:
            who = Log.username == username
        elif group_id is not None:
            who = Log.username.in_(accepted_members(group_id))
        else:
            who = Log.username.in_(active_users())
        rows = self.db.execute(
            select(Log.date, func.sum(Log.miles), func.sum(Log.feel), func.count(Log.log_id))
            .where(
                who,
                Log.deleted.is_(False),
                Log.date >= start,
                Log.date <= end,
                letters_condition(letters, Log.type),
            )
            .group_by(Log.date)
            .order_by(Log.date)
        )
        return [
            RangeDay(day, round_miles(miles), whole_feel(feel, count))
            for day, miles, feel, count in rows
        ]
