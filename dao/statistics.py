"""Statistics, leaderboards and range views: aggregate queries over logs (legacy-v2 §3.2-§3.4).

Each figure is one SQL statement whatever the number of logs. The calendar arithmetic and the
rounding rules live in `dao.training`; the scopes (a user, a group's accepted members, a
caller's teammates) are shared with the log feed through the `*_members` helpers below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, true

from dao.base import Dao
from dao.errors import NotFound
from dao.training import average_feel, interval_start, round_miles, whole_feel
from domain.roles import MembershipStatus
from models import Group, GroupMember, Log, LogTotal, TeamMember, User

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


def types_for_letters(letters: str) -> ColumnElement[bool]:
    """Return the condition on `logs.type` that the range view's letters select."""
    named = [TYPE_LETTERS[letter] for letter in dict.fromkeys(letters) if letter in TYPE_LETTERS]
    conditions: list[ColumnElement[bool]] = []
    if named:
        conditions.append(Log.type.in_(named))
    if OTHER_LETTER in letters:
        conditions.append(Log.type.not_in(_NAMED_TYPES))
    return or_(*conditions) if conditions else false()


class StatisticsDao(Dao):
    """Aggregate logs into statistics, leaderboards and daily range views."""

    def get_group(self, group_id: int) -> Group:
        """Return the active group with this id, or raise NotFound."""
        group = self.session.scalar(
            select(Group).where(Group.id == group_id, Group.deleted.is_(False))
        )
        if group is None:
            raise NotFound(f"There is no group with id {group_id}.")
        return group

    def members(self, group_id: int) -> list[str]:
        """Return the usernames of a group's accepted, active members.

        Scoping a date-bounded query by this list of constants, rather than by the subquery,
        lets MariaDB read each member's slice of `ix_logs_username_date` as a range on
        (username, date), not every log of each member.
        """
        return list(self.session.scalars(accepted_members(group_id)))

    def _today(self) -> dt.date:
        return self.clock().date()

    def _stats(self, scope: ColumnElement[bool], week_start: str | None) -> dict[str, float]:
        today = self._today()
        starts = {name: interval_start(name, today, week_start) for name in _STAT_INTERVALS}

        def within(name: str, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
            start = starts[name]
            conditions = [*extra] + ([Log.date >= start] if start is not None else [])
            return and_(true(), *conditions)

        # One statement with conditional sums: each interval is a CASE over the same rows.
        columns: list[Any] = [func.sum(case((within(name), Log.miles))) for name in _STAT_INTERVALS]
        columns += [
            func.sum(case((within(name, Log.type == "run"), Log.miles))) for name in _STAT_INTERVALS
        ]
        for name in _STAT_INTERVALS:
            columns += [func.sum(case((within(name), Log.feel))), func.sum(case((within(name), 1)))]
        row = self.session.execute(select(*columns).where(scope, Log.deleted.is_(False))).one()
        figures = [round_miles(value) for value in row[:8]]
        feels = row[8:]
        figures += [average_feel(feels[i], feels[i + 1]) for i in range(0, len(feels), 2)]
        return dict(zip(STAT_KEYS, figures, strict=True))

    def for_user(self, username: str, week_start: str | None) -> dict[str, float]:
        """Return the twelve statistics of one user's logs; zeros when there are none."""
        return self._stats(Log.username == username, week_start)

    def for_group(self, group_id: int, week_start: str | None) -> dict[str, float]:
        """Return the twelve statistics over the logs of a group's accepted members."""
        return self._stats(Log.username.in_(accepted_members(group_id)), week_start)

    def leaderboard(self, group_id: int, interval: str, week_start: str | None) -> list[LeaderRow]:
        """Rank a group's accepted members by miles in the interval (those with a log in it).

        All time reads the members' running totals (`log_totals`, one row per member and
        type); a bounded interval sums the members' logs since its start.
        """
        start = interval_start(interval, self._today(), week_start)
        source: Any
        members: Select[str | None] | list[str]
        if start is None:  # the totals are keyed by username: one key lookup per member
            source, members = LogTotal, accepted_members(group_id)
            rows = LogTotal.logs > 0
        else:  # the logs are read as (username, date) ranges, which need constant usernames
            source, members = Log, self.members(group_id)
            rows = and_(Log.deleted.is_(False), Log.date >= start)

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
            who = Log.username == username
        elif group_id is not None:
            who = Log.username.in_(self.members(group_id))
        else:
            who = Log.username.in_(active_users())
        rows = self.session.execute(
            select(Log.date, func.sum(Log.miles), func.sum(Log.feel), func.count(Log.log_id))
            .where(
                who,
                Log.deleted.is_(False),
                Log.date >= start,
                Log.date <= end,
                types_for_letters(letters),
            )
            .group_by(Log.date)
            .order_by(Log.date)
        )
        return [
            RangeDay(day, round_miles(miles), whole_feel(feel, count))
            for day, miles, feel, count in rows
        ]
