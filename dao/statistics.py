"""Statistics, leaderboards and range views (legacy-v2 §3.2-§3.4), read from the aggregates.

Nothing here reads a log: all-time figures sum `log_totals` (one row per user and exercise type)
and date-bounded ones sum `log_days` (one row per user, day and type), both kept exact by the
triggers on `logs` (`models.logs`). Each figure is one SQL statement whatever the number of
logs, and a group's figures need one more, `get_group`, which reads the group with its members.
The calendar arithmetic and the rounding rules live in `dao.training`; the scopes (a user, a
group's accepted members, a caller's teammates) are shared with the log feed through the
`*_members` helpers below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from dao.base import Clock, Dao
from dao.errors import NotFound
from dao.training import average_feel, interval_start, round_miles, whole_feel
from domain.roles import MembershipStatus
from models import Group, GroupMember, LogDay, LogTotal, TeamMember, User

#: The twelve figures of a user's or a group's statistics, in legacy order (legacy-v2 §0.6).
STAT_KEYS = (
    "miles_all_time",
    "miles_past_year",
    "miles_past_month",
    "miles_past_week",
    "run_miles_all_time",
    "run_miles_past_year",
    "run_miles_past_month",
    "run_miles_past_week",
    "feel_all_time",
    "feel_past_year",
    "feel_past_month",
    "feel_past_week",
)
_STAT_INTERVALS = ("all", "year", "month", "week")
#: The range view's letters and the exercise types each selects; `o` is every other type.
TYPE_LETTERS = {"r": "run", "b": "bike", "s": "swim"}
OTHER_LETTER = "o"
_NAMED_TYPES = tuple(TYPE_LETTERS.values())


@dataclass(frozen=True, slots=True)
class LeaderRow:
    """One member's miles in a leaderboard interval, split by exercise type."""

    username: str
    first: str
    last: str
    miles: float
    miles_run: float
    miles_biked: float
    miles_swam: float
    miles_other: float


@dataclass(frozen=True, slots=True)
class RangeDay:
    """The miles and the mean feel (rounded half up) of one day of a range view."""

    date: dt.date
    miles: float
    feel: int


def accepted_members(group_id: int) -> Select[str | None]:
    """Select the usernames of a group's accepted, non-deleted members who are active users."""
    return (
        select(GroupMember.username)
        .join(User, User.username == GroupMember.username)
        .where(
            GroupMember.group_id == group_id,
            GroupMember.status == MembershipStatus.ACCEPTED,
            GroupMember.deleted.is_(False),
            User.deleted.is_(False),
        )
    )


def teammates(username: str) -> Select[str]:
    """Select the active users accepted into any team in which `username` is accepted."""
    my_teams = select(TeamMember.team_name).where(
        TeamMember.username == username,
        TeamMember.status == MembershipStatus.ACCEPTED,
        TeamMember.deleted.is_(False),
    )
    return (
        select(TeamMember.username)
        .join(User, User.username == TeamMember.username)
        .where(
            TeamMember.team_name.in_(my_teams),
            TeamMember.status == MembershipStatus.ACCEPTED,
            TeamMember.deleted.is_(False),
            User.deleted.is_(False),
        )
    )


def active_users() -> Select[str]:
    """Select the usernames of every user who is not soft-deleted."""
    return select(User.username).where(User.deleted.is_(False))


def types_for_letters(letters: str, column: Any = LogDay.type) -> ColumnElement[bool]:
    """Return the condition on an exercise type `column` that the range view's letters select."""
    named = [TYPE_LETTERS[letter] for letter in dict.fromkeys(letters) if letter in TYPE_LETTERS]
    conditions: list[ColumnElement[bool]] = []
    if named:
        conditions.append(column.in_(named))
    if OTHER_LETTER in letters:
        conditions.append(column.not_in(_NAMED_TYPES))
    return or_(*conditions) if conditions else false()


class StatisticsDao(Dao):
    """Sum the log aggregates into statistics, leaderboards and daily range views.

    One instance serves one request: `get_group` keeps the group's members it read, so that the
    group's figures that follow need no second lookup.
    """

    def __init__(self, session: Session, clock: Clock | None = None) -> None:
        if clock is None:
            super().__init__(session)
        else:
            super().__init__(session, clock)
        self._members: dict[int, list[str]] = {}

    def get_group(self, group_id: int) -> Group:
        """Return the active group with this id, or raise NotFound; keep its accepted members.

        One statement reads the group and its members (an outer join: a group without
        members is one row with no username).
        """
        members = accepted_members(group_id).subquery()
        rows = self.session.execute(
            select(Group, members.c.username)
            .outerjoin(members, true())
            .where(Group.id == group_id, Group.deleted.is_(False))
        ).all()
        if not rows:
            raise NotFound(f"There is no group with id {group_id}.")
        self._members[group_id] = [username for _, username in rows if username is not None]
        return rows[0][0]

    def know_members(self, group_id: int, members: tuple[str, ...] | None) -> None:
        """Take a group's accepted active members as already read (with its version)."""
        if members is not None:
            self._members[group_id] = list(members)

    def members(self, group_id: int) -> list[str]:
        """Return the usernames of a group's accepted, active members (as `get_group` read them).

        Scoping a date-bounded query by this list of constants, rather than by the subquery,
        lets MariaDB read each member's slice of `log_days` as a range on (username, date),
        not every day of each member.
        """
        if group_id not in self._members:
            self._members[group_id] = [
                username
                for username in self.session.scalars(accepted_members(group_id))
                if username is not None
            ]
        return self._members[group_id]

    def _group_scope(self, group_id: int) -> Select[str | None] | list[str]:
        """Return the group's members as constants when known, else as a subquery."""
        return self._members.get(group_id, accepted_members(group_id))

    def _today(self) -> dt.date:
        return self.clock().date()

    def _stats(self, who: Select[Any] | list[str], week_start: str | None) -> dict[str, float]:
        """Return the twelve figures of the users `who` selects, in one statement.

        All time sums their `log_totals` rows; the year, month and week sum their `log_days`
        rows since the earliest of the three starts, one conditional sum per interval.
        """
        today = self._today()
        starts = {name: interval_start(name, today, week_start) for name in _STAT_INTERVALS[1:]}
        run = LogTotal.type == "run"
        totals = (
            select(
                func.sum(LogTotal.miles),
                func.sum(case((run, LogTotal.miles))),
                func.sum(LogTotal.feel),
                func.sum(LogTotal.logs),
            )
            .where(LogTotal.username.in_(who), LogTotal.logs > 0)
            .subquery()
        )

        def since(name: str, value: Any, *extra: ColumnElement[bool]) -> Any:
            return func.sum(case((and_(LogDay.date >= starts[name], *extra), value)))

        columns: list[Any] = [since(name, LogDay.miles) for name in starts]
        columns += [since(name, LogDay.miles, LogDay.type == "run") for name in starts]
        for name in starts:
            columns += [since(name, LogDay.feel), since(name, LogDay.logs)]
        earliest = min(start for start in starts.values() if start is not None)
        days = (
            select(*columns)
            .where(LogDay.username.in_(who), LogDay.logs > 0, LogDay.date >= earliest)
            .subquery()
        )
        row = self.session.execute(
            select(*totals.c, *days.c).select_from(totals.join(days, true()))
        ).one()
        miles_all, run_all, feel_all, count_all = row[:4]
        bounded = row[4:]
        figures = [
            round_miles(value) for value in (miles_all, *bounded[0:3], run_all, *bounded[3:6])
        ]
        feels = [(feel_all, count_all), *zip(bounded[6::2], bounded[7::2], strict=True)]
        figures += [average_feel(total, count) for total, count in feels]
        return dict(zip(STAT_KEYS, figures, strict=True))

    def for_user(self, username: str, week_start: str | None) -> dict[str, float]:
        """Return the twelve statistics of one user's logs; zeros when there are none."""
        return self._stats([username], week_start)

    def for_group(self, group_id: int, week_start: str | None) -> dict[str, float]:
        """Return the twelve statistics over the logs of a group's accepted members."""
        return self._stats(self._group_scope(group_id), week_start)

    def leaderboard(self, group_id: int, interval: str, week_start: str | None) -> list[LeaderRow]:
        """Rank a group's accepted members by miles in the interval (those with a log in it).

        All time sums the members' `log_totals` rows (one per type); a bounded interval sums
        their `log_days` rows since its start, read as (username, date) ranges.
        """
        start = interval_start(interval, self._today(), week_start)
        source: Any
        members: Select[str | None] | list[str]
        if start is None:  # the totals are keyed by username: one key lookup per member
            source, members = LogTotal, self._group_scope(group_id)
            rows = LogTotal.logs > 0
        else:  # the days are read as (username, date) ranges, which need constant usernames
            source, members = LogDay, self.members(group_id)
            rows = and_(LogDay.logs > 0, LogDay.date >= start)

        def miles(condition: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((condition, source.miles))), 0)

        total = func.coalesce(func.sum(source.miles), 0)
        query = (
            select(
                User.username,
                User.first,
                User.last,
                total,
                miles(source.type == "run"),
                miles(source.type == "bike"),
                miles(source.type == "swim"),
                miles(source.type.not_in(_NAMED_TYPES)),
            )
            .join(User, User.username == source.username)
            .where(source.username.in_(members), rows)
            .group_by(User.username, User.first, User.last)
            .order_by(total.desc(), User.username)
        )
        return [
            LeaderRow(username, first, last, *(round_miles(value) for value in figures))
            for username, first, last, *figures in self.session.execute(query)
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
        """Return each day in [start, end] with matching logs: miles and mean feel, by date.

        The scope is one user's logs, a group's accepted members' logs, or (neither given)
        the logs of every active user.
        """
        if username is not None:
            who = LogDay.username == username
        elif group_id is not None:
            who = LogDay.username.in_(self.members(group_id))
        else:
            who = LogDay.username.in_(active_users())
        rows = self.session.execute(
            select(
                LogDay.date, func.sum(LogDay.miles), func.sum(LogDay.feel), func.sum(LogDay.logs)
            )
            .where(
                who,
                LogDay.logs > 0,
                LogDay.date >= start,
                LogDay.date <= end,
                types_for_letters(letters),
            )
            .group_by(LogDay.date)
            .order_by(LogDay.date)
        )
        return [
            RangeDay(day, round_miles(miles), whole_feel(feel, count))
            for day, miles, feel, count in rows
        ]
