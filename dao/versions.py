"""Versions of what feeds and aggregates show, each read in one indexed statement.

A conditional GET of a feed page, a range view, a leaderboard, statistics, a member list or a
snapshot asks here for the version of its scope before it reads anything else, and answers 304
when the client's ETag matches (`api.conditional.send_digest_etag`). The version is built from
the change stamps that database triggers keep (models/stamps.py, revision 0015):

* a user: their own stamp (their logs, the comments on them, their shown fields);
* a group: the group's stamp (its row, its memberships, its team links) and the sum of the
  stamps of the users of its live memberships;
* a team: the team's stamp (its row and memberships) and the sum of its members' stamps;
* the caller's teammates: the caller's stamp (which their team memberships bump), the sum of
  the stamps of the caller's accepted teams, and the sum of those teams' members' stamps;
* everyone: the sum of every user's stamp.

Why that identifies the body: stamps only grow. While a group's stamp stays the same its
membership rows stay the same, so the same users are summed, and their sum grows with every
change to any of them; so two reads with equal versions saw the same memberships and the same
member stamps. The teammates' version chains that argument once more through the caller's stamp.
Each statement looks up the scope's row by key, then its memberships by index and each member's
stamp by primary key: the cost grows with the members of the scope, never with their logs.
"everyone" is the exception: it reads one small row per user.

Read the version first, then the body, in the same transaction: the body is then at least as
new as the tag, never older.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, String, and_, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql._typing import _ColumnExpressionArgument
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from dao.base import Dao
from dao.errors import NotFound
from domain.roles import MembershipStatus
from models import ChangeStamp, Group, GroupMember, Team, TeamGroup, TeamMember, User
from models.stamps import GROUP, TEAM, USER


@dataclass(frozen=True, slots=True)
class Version:
    """The stamps a scope's representations depend on, its week start and (a user's) name."""

    stamps: str
    week_start: str | None = None
    name: str | None = None
    #: A group's accepted members who are active users, read with its version (`group`).
    members: tuple[str, ...] | None = None


class _AsKey(FunctionElement[str]):
    """A group id as the text of a stamp's `name`, in the collation of the `name` column.

    MariaDB's CAST(... AS CHAR) takes the connection's collation with the same weight as the
    column's, and comparing the two fails ("illegal mix of collations"); CONCAT's result gives
    way to the column's collation, so the primary key still serves the lookup.
    """

    type = String()
    name = "as_key"
    inherit_cache = True


@compiles(_AsKey)
def _as_key(element: _AsKey, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS VARCHAR)"


@compiles(_AsKey, "mysql")
@compiles(_AsKey, "mariadb")
def _as_key_mysql(element: _AsKey, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CONCAT({compiler.process(element.clauses, **kw)})"


def _stamp(kind: str, name: _ColumnExpressionArgument[Any]) -> ColumnElement[int]:
    """Return the stamp of one user, group or team as a scalar subquery (0 when it has none)."""
    stamps = aliased(ChangeStamp)
    own = select(stamps.stamp).where(stamps.kind == kind, stamps.name == name)
    return func.coalesce(own.scalar_subquery(), 0)


def _user_stamps(member: Any, *conditions: ColumnElement[bool]) -> ColumnElement[int]:
    """Return the sum of the stamps of the users of `member` rows (a membership model)."""
    stamps = aliased(ChangeStamp)
    total = (
        select(func.coalesce(func.sum(stamps.stamp), 0))
        .select_from(member)
        .join(stamps, and_(stamps.kind == USER, stamps.name == member.username))
        .where(*conditions)
    )
    return total.scalar_subquery()


def _group_columns() -> tuple[Any, ...]:
    live = aliased(GroupMember)
    return (
        Group.week_start,
        _stamp(GROUP, _AsKey(Group.id)),
        _user_stamps(live, live.group_id == Group.id, live.deleted.is_(False)),
    )


def _group_with_members() -> Any:
    """Select a group's week start and stamp, then one row per live membership.

    Each row has the member's username, status, whether their account is deleted and their
    stamp; a group without members is one row of nulls after the stamp. The version sums the
    stamps, and the accepted active members come with it, so the figures need no other lookup.
    """
    live = aliased(GroupMember)
    member_stamp = aliased(ChangeStamp)
    return (
        select(
            Group.week_start,
            _stamp(GROUP, _AsKey(Group.id)),
            live.username,
            live.status,
            User.deleted,
            member_stamp.stamp,
        )
        .select_from(Group)
        .outerjoin(live, and_(live.group_id == Group.id, live.deleted.is_(False)))
        .outerjoin(User, User.username == live.username)
        .outerjoin(
            member_stamp, and_(member_stamp.kind == USER, member_stamp.name == live.username)
        )
        .where(Group.id == bindparam("group_id"), Group.deleted.is_(False))
    )


_GROUP = _group_with_members()
_GROUP_BY_NAMES = (
    select(*_group_columns(), _stamp(TEAM, Team.name))
    .select_from(Group)
    .join(TeamGroup, TeamGroup.group_id == Group.id)
    .join(Team, Team.name == TeamGroup.team_name)
    .where(
        TeamGroup.team_name == bindparam("team_name"),
        Group.group_name == bindparam("group_name"),
        Group.deleted.is_(False),
        TeamGroup.deleted.is_(False),
        Team.deleted.is_(False),
    )
    .order_by(Group.id)
    .limit(1)
)
_USER = select(User.week_start, User.username, _stamp(USER, User.username)).where(
    User.username == bindparam("username"), User.deleted.is_(False)
)


def _team_members() -> ColumnElement[int]:
    live = aliased(TeamMember)
    return _user_stamps(live, live.team_name == Team.name, live.deleted.is_(False))


_TEAM = select(_stamp(TEAM, Team.name), _team_members()).where(
    Team.name == bindparam("team_name"), Team.deleted.is_(False)
)


def _teammates() -> Any:
    me: BindParameter[str] = bindparam("username")
    mine = aliased(TeamMember)
    my_teams = and_(mine.username == me, mine.status == "accepted", mine.deleted.is_(False))
    team_stamps = aliased(ChangeStamp)
    teams = (
        select(func.coalesce(func.sum(team_stamps.stamp), 0))
        .select_from(mine)
        .join(team_stamps, and_(team_stamps.kind == TEAM, team_stamps.name == mine.team_name))
        .where(my_teams)
        .scalar_subquery()
    )
    mate = aliased(TeamMember)
    mate_stamps = aliased(ChangeStamp)
    mates = (
        select(func.coalesce(func.sum(mate_stamps.stamp), 0))
        .select_from(mine)
        .join(mate, mate.team_name == mine.team_name)
        .join(mate_stamps, and_(mate_stamps.kind == USER, mate_stamps.name == mate.username))
        .where(my_teams, mate.status == "accepted", mate.deleted.is_(False))
        .scalar_subquery()
    )
    return select(_stamp(USER, me), teams, mates)


_TEAMMATES = _teammates()
_EVERYONE = select(func.coalesce(func.sum(ChangeStamp.stamp), 0)).where(ChangeStamp.kind == USER)


def _stamps(kind: str, row: Any) -> str:
    return kind + ".".join(str(int(value)) for value in row)


class VersionDao(Dao):
    """Read the version of a scope in one statement.

    `group` and `user` stand for the target's lookup too: they raise the same NotFound, so a
    responder that needs no more of the row than its key and week start runs no other lookup.
    The others return None for a missing scope and let the responder's own lookup answer 404.
    """

    def _first(self, statement: Any, **params: Any) -> Any:
        # Core on the session's connection: no entity to build (as the caller lookup does).
        return self.session.connection().execute(statement, params).first()

    def find_user(self, username: str) -> Version | None:
        """Return the version of an active user's logs and shown fields (`name`: as stored)."""
        row = self._first(_USER, username=username)
        return None if row is None else Version(_stamps("u", row[2:]), row[0], row[1])

    def user(self, username: str) -> Version:
        """Return an active user's version, or raise NotFound (as `UserDao.get_by_username`)."""
        version = self.find_user(username)
        if version is None:
            raise NotFound(f"There is no user '{username}'.")
        return version

    def group(self, group_id: int) -> Version:
        """Return the version of an active group, its memberships and its members' logs.

        Raise NotFound for a missing or deleted group, as `GroupDao.get` does.
        """
        rows = self.session.connection().execute(_GROUP, {"group_id": group_id}).all()
        if not rows:
            raise NotFound(f"There is no group with id {group_id}.")
        week_start, own = rows[0][0], rows[0][1]
        members = sum(int(row[5] or 0) for row in rows)
        accepted = tuple(
            row[2]
            for row in rows
            if row[2] is not None
            and row[3] == MembershipStatus.ACCEPTED
            and row[4] is not None
            and not row[4]
        )
        return Version(_stamps("g", (own, members)), week_start, members=accepted)

    def group_by_names(self, team_name: str, group_name: str) -> Version | None:
        """Return the version of a group named by team and name (the team's stamp included)."""
        row = self._first(_GROUP_BY_NAMES, team_name=team_name, group_name=group_name)
        return None if row is None else Version(_stamps("n", row[1:]), row[0])

    def team(self, team_name: str) -> Version | None:
        """Return the version of an active team, its memberships and its members' fields."""
        row = self._first(_TEAM, team_name=team_name)
        return None if row is None else Version(_stamps("t", row))

    def teammates(self, username: str) -> Version:
        """Return the version of the logs of everyone on `username`'s teams."""
        return Version(_stamps("m", self._first(_TEAMMATES, username=username)))

    def everyone(self) -> Version:
        """Return the version of every user's logs (one small row per user)."""
        return Version(_stamps("e", self._first(_EVERYONE)))
