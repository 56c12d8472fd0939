"""Team and group memberships: the membership flow of legacy-v2 §3.8, in one place.

A user asks to join (pending), a group admin or team admin accepts, and leaving is a soft delete.
Memberships are unique per (team, user) and (group, user) even when soft-deleted, so joining
again revives the old row instead of inserting a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Row, and_, func, select, update
from sqlalchemy.orm import aliased

from dao.base import APP_NAME, Dao
from dao.errors import InvalidInput
from domain.roles import MemberRole, MembershipStatus
from models import Group, GroupMember, Log, Team, TeamGroup, TeamMember, User

M = TypeVar("M", GroupMember, TeamMember)


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group named by its team and its name, as membership requests name it."""

    team_name: str
    group_name: str


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """The four lists of `PUT /v2/users/memberships/{u}`; each may be empty."""

    teams_joined: Sequence[str] = ()
    teams_left: Sequence[str] = ()
    groups_joined: Sequence[GroupRef] = ()
    groups_left: Sequence[GroupRef] = ()

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> MembershipChange:
        """Read a request body validated by schemas/memberships-update.json."""

        def groups(key: str) -> tuple[GroupRef, ...]:
            return tuple(
                GroupRef(item["team_name"], item["group_name"]) for item in body.get(key, [])
            )

        return cls(
            teams_joined=tuple(body.get("teams_joined", [])),
            teams_left=tuple(body.get("teams_left", [])),
            groups_joined=groups("groups_joined"),
            groups_left=groups("groups_left"),
        )


@dataclass(slots=True)
class TeamMemberships:
    """One team membership of a user with their group memberships in that team."""

    team: TeamMember
    title: str
    groups: list[tuple[GroupMember, Group]] = field(default_factory=list)


def _active(column: Any) -> Any:
    # Legacy rows may hold NULL in `deleted`; reads treat it as deleted (legacy-v2 §2.1).
    return column.is_(False)


class MembershipDao(Dao):
    """Read and change one user's team and group memberships."""

    # -- reads --------------------------------------------------------------------------------

    def team_membership(
        self, team_name: str, username: str, *, include_deleted: bool = False
    ) -> TeamMember | None:
        """Return the user's membership row in a team (active ones first), or None."""
        return self._membership(
            TeamMember, TeamMember.team_name == team_name, username, include_deleted
        )

    def group_membership(
        self, group_id: int, username: str, *, include_deleted: bool = False
    ) -> GroupMember | None:
        """Return the user's membership row in a group (active ones first), or None."""
        return self._membership(
            GroupMember, GroupMember.group_id == group_id, username, include_deleted
        )

    def _membership(
        self, member: type[M], in_scope: Any, username: str, include_deleted: bool
    ) -> M | None:
        query = select(member).where(in_scope, member.username == username)
        row = self.session.scalars(query.where(_active(member.deleted)).limit(1)).first()
        if row is None and include_deleted:
            # The oldest row: GroupMember's key is `id`, TeamMember's `teammember_id`.
            oldest = query.order_by(*member.__mapper__.primary_key).limit(1)
            row = self.session.scalars(oldest).first()
        return row

    def is_group_admin(self, group_id: int, username: str | None) -> bool:
        """Tell whether `username` is an accepted admin of the group (legacy-v2 §3.8)."""
        if username is None:
            return False
        membership = self.group_membership(group_id, username)
        return (
            membership is not None
            and membership.user == MemberRole.ADMIN
            and membership.status == MembershipStatus.ACCEPTED
        )

    def is_team_admin(self, team_name: str, username: str | None) -> bool:
        """Tell whether `username` is an accepted admin of the team."""
        if username is None:
            return False
        membership = self.team_membership(team_name, username)
        return (
            membership is not None
            and membership.user == MemberRole.ADMIN
            and membership.status == MembershipStatus.ACCEPTED
        )

    def admin_group_ids(self, username: str | None, group_ids: Iterable[int]) -> set[int]:
        """Return which of `group_ids` the user administers (one query for a whole page)."""
        return self._administered(GroupMember, GroupMember.group_id, username, group_ids)

    def admin_team_names(self, username: str | None, team_names: Iterable[str]) -> set[str]:
        """Return which of `team_names` the user administers (one query for a whole page)."""
        return self._administered(TeamMember, TeamMember.team_name, username, team_names)

    def _administered(
        self,
        member: type[GroupMember | TeamMember],
        key: Any,
        username: str | None,
        keys: Iterable[Any],
    ) -> set[Any]:
        values = list(keys)
        if username is None or not values:
            return set()
        rows = self.session.scalars(
            select(key).where(
                key.in_(values),
                member.username == username,
                member.user == MemberRole.ADMIN,
                member.status == MembershipStatus.ACCEPTED,
                _active(member.deleted),
            )
        )
        return {value for value in rows if value is not None}

    def are_teammates(self, one: str, other: str) -> bool:
        """Tell whether two users share a live team in which both are accepted members.

        A pending request, a left (soft-deleted) membership or a deleted team does not count,
        on either side.
        """
        mine, theirs = aliased(TeamMember), aliased(TeamMember)
        shared = (
            select(mine.team_name)
            .join(theirs, theirs.team_name == mine.team_name)
            .join(Team, Team.name == mine.team_name)
            .where(
                mine.username == one,
                theirs.username == other,
                mine.status == MembershipStatus.ACCEPTED,
                theirs.status == MembershipStatus.ACCEPTED,
                _active(mine.deleted),
                _active(theirs.deleted),
                _active(Team.deleted),
            )
            .limit(1)
        )
        return self.session.scalar(shared) is not None

    def groups_of(self, username: str) -> list[Row[GroupMember, Group, str | None]]:
        """Return the user's active group memberships with their group and team name."""
        return list(
            self.session.execute(
                select(GroupMember, Group, TeamGroup.team_name)
                .join(Group, Group.id == GroupMember.group_id)
                .outerjoin(
                    TeamGroup, and_(TeamGroup.group_id == Group.id, _active(TeamGroup.deleted))
                )
                .where(
                    GroupMember.username == username,
                    _active(GroupMember.deleted),
                    _active(Group.deleted),
                )
                .order_by(Group.group_name, Group.id)
            ).all()
        )

    def teams_of(self, username: str) -> list[Row[TeamMember, Team]]:
        """Return the user's active team memberships with their team."""
        return list(
            self.session.execute(
                select(TeamMember, Team)
                .join(Team, Team.name == TeamMember.team_name)
                .where(
                    TeamMember.username == username,
                    _active(TeamMember.deleted),
                    _active(Team.deleted),
                )
                .order_by(Team.name)
            ).all()
        )

    def memberships_of(self, username: str) -> list[TeamMemberships]:
        """Return the user's teams, each with the user's groups in it (two queries)."""
        teams = {
            member.team_name: TeamMemberships(member, team.title)
            for member, team in self.teams_of(username)
        }
        for membership, group, team_name in self.groups_of(username):
            if team_name in teams:
                teams[team_name].groups.append((membership, group))
        return list(teams.values())

    def newest_logs(self, group_ids: Sequence[int]) -> dict[int, dt.datetime]:
        """Return, per group, the newest `time_created` of an accepted member's log."""
        if not group_ids:
            return {}
        rows = self.session.execute(
            select(GroupMember.group_id, func.max(Log.time_created))
            .join(Log, Log.username == GroupMember.username)
            .where(
                GroupMember.group_id.in_(group_ids),
                GroupMember.status == MembershipStatus.ACCEPTED,
                _active(GroupMember.deleted),
                _active(Log.deleted),
            )
            .group_by(GroupMember.group_id)
        ).all()
        return {group_id: newest for group_id, newest in rows if group_id is not None}

    # -- the membership flow ------------------------------------------------------------------

    def join_team(self, team_name: str, username: str, *, status: str, by: str) -> bool:
        """Add (or revive) a team membership with role `user`; return whether a row changed."""
        row = self.team_membership(team_name, username, include_deleted=True)
        key = {"team_name": team_name, "username": username}
        return self._join(row, TeamMember, key, status=status, by=by, role=MemberRole.USER)

    def join_group(
        self, group: Group, username: str, *, status: str, by: str, role: str = MemberRole.USER
    ) -> bool:
        """Add (or revive) a group membership with `role`; return whether a row changed."""
        row = self.group_membership(group.id, username, include_deleted=True)
        key = {"group_id": group.id, "group_name": group.group_name, "username": username}
        return self._join(row, GroupMember, key, status=status, by=by, role=role)

    def _join(
        self,
        row: TeamMember | GroupMember | None,
        model: type[TeamMember] | type[GroupMember],
        key: dict[str, Any],
        *,
        status: str,
        by: str,
        role: str,
    ) -> bool:
        """Add a membership `model(**key)`, revive the deleted `row`, or accept the active one.

        An active membership keeps its role (joining twice never demotes an admin); a pending
        one becomes accepted when asked to. A revived row takes `key` again (a renamed group's
        name). Return whether a row changed.
        """
        now = self.clock()
        if row is not None and row.deleted is False:
            if status == MembershipStatus.ACCEPTED and row.status != MembershipStatus.ACCEPTED:
                row.status = MembershipStatus.ACCEPTED
                _modified(row, by, now)
                return True
            return False
        if row is None:
            self.session.add(
                model(
                    **key,
                    status=status,
                    user=role,
                    deleted=False,
                    created_date=now,
                    created_user=by,
                    created_app=APP_NAME,
                )
            )
        else:
            for name, value in key.items():
                setattr(row, name, value)
            _revive(row, status, by, now, role)
        return True

    def accept_team_membership(self, team_name: str, username: str, *, by: str) -> None:
        """Accept the user's active team membership, if they have one (legacy side effect)."""
        row = self.team_membership(team_name, username)
        if row is not None and row.status != MembershipStatus.ACCEPTED:
            row.status = MembershipStatus.ACCEPTED
            _modified(row, by, self.clock())

    def leave_group(self, group_id: int, username: str, *, by: str) -> bool:
        """Soft-delete the user's membership of one group; return whether there was one."""
        row = self.group_membership(group_id, username)
        if row is None:
            return False
        _soft_delete(row, by, self.clock())
        return True

    def leave_team(self, team_name: str, username: str, *, by: str) -> bool:
        """Soft-delete the team membership and every group membership in that team."""
        now = self.clock()
        team_groups = select(TeamGroup.group_id).where(
            TeamGroup.team_name == team_name, _active(TeamGroup.deleted)
        )
        # A bulk UPDATE bypasses the ORM's version counter, so it bumps `version` itself.
        left_groups = self.session.execute(
            update(GroupMember)
            .where(
                GroupMember.username == username,
                GroupMember.group_id.in_(team_groups),
                _active(GroupMember.deleted),
            )
            .values(
                deleted=True,
                deleted_date=now,
                deleted_user=by,
                deleted_app=APP_NAME,
                modified_date=now,
                modified_user=by,
                modified_app=APP_NAME,
                version=GroupMember.version + 1,
            )
            .execution_options(synchronize_session="fetch")
        )
        row = self.team_membership(team_name, username)
        if row is not None:
            _soft_delete(row, by, now)
        return row is not None or bool(left_groups.rowcount)  # type: ignore[attr-defined]

    def has_group_in_team(self, team_name: str, username: str) -> bool:
        """Tell whether the user still has an active group membership in the team."""
        query = (
            select(GroupMember.id)
            .join(TeamGroup, TeamGroup.group_id == GroupMember.group_id)
            .where(
                TeamGroup.team_name == team_name,
                _active(TeamGroup.deleted),
                GroupMember.username == username,
                _active(GroupMember.deleted),
            )
            .limit(1)
        )
        return self.session.scalar(query) is not None

    # -- PUT /v2/users/memberships/{u} --------------------------------------------------------

    def change(self, user: User, change: MembershipChange, *, by: str) -> bool:
        """Apply joins (pending) and leaves in one transaction; return whether anything changed.

        Every team and group is checked first, and all unknown ones are reported together
        (400), so a request either applies completely or not at all.
        """
        teams, groups = self._resolve(change)
        changed = False
        for ref in change.groups_left:
            changed |= self.leave_group(groups[ref].id, user.username, by=by)
        for team_name in change.teams_left:
            changed |= self.leave_team(team_name, user.username, by=by)
        # Joining a group of a team you are not in asks to join that team too.
        wanted_teams = list(
            dict.fromkeys([*change.teams_joined, *(g.team_name for g in change.groups_joined)])
        )
        for team_name in wanted_teams:
            changed |= self.join_team(
                teams[team_name].name, user.username, status=MembershipStatus.PENDING, by=by
            )
        for ref in change.groups_joined:
            changed |= self.join_group(
                groups[ref], user.username, status=MembershipStatus.PENDING, by=by
            )
        self.safe_commit("The memberships changed concurrently; read them and retry.")
        return changed

    def _resolve(self, change: MembershipChange) -> tuple[dict[str, Team], dict[GroupRef, Group]]:
        """Load the teams and groups `change` names; raise InvalidInput naming each bad entry."""
        teams = self._teams(
            {
                *change.teams_joined,
                *change.teams_left,
                *(ref.team_name for ref in (*change.groups_joined, *change.groups_left)),
            }
        )
        groups = self._groups({*change.groups_joined, *change.groups_left})
        errors = [*_unknown(change, teams, groups), *_contradictions(change)]
        if errors:
            raise InvalidInput(
                f"The membership change names unknown or contradictory teams or groups "
                f"({len(errors)} error(s)).",
                errors=errors,
            )
        return teams, groups

    def _teams(self, names: set[str]) -> dict[str, Team]:
        """Return the active teams among `names`, by name."""
        return {
            team.name: team
            for team in self.session.scalars(
                select(Team).where(Team.name.in_(names), _active(Team.deleted))
            )
        }

    def _groups(self, refs: set[GroupRef]) -> dict[GroupRef, Group]:
        """Return the active groups among `refs` (in one query), by reference."""
        if not refs:
            return {}
        rows = self.session.execute(
            select(TeamGroup.team_name, Group)
            .join(Group, Group.id == TeamGroup.group_id)
            .where(
                TeamGroup.team_name.in_({ref.team_name for ref in refs}),
                Group.group_name.in_({ref.group_name for ref in refs}),
                _active(TeamGroup.deleted),
                _active(Group.deleted),
            )
        ).all()
        return {GroupRef(team_name, group.group_name): group for team_name, group in rows}


def _modified(row: TeamMember | GroupMember, by: str, now: dt.datetime) -> None:
    row.modified_date, row.modified_user, row.modified_app = now, by, APP_NAME


def _soft_delete(row: TeamMember | GroupMember, by: str, now: dt.datetime) -> None:
    row.deleted = True
    row.deleted_date, row.deleted_user, row.deleted_app = now, by, APP_NAME
    _modified(row, by, now)


def _revive(
    row: TeamMember | GroupMember,
    status: str,
    by: str,
    now: dt.datetime,
    role: str = MemberRole.USER,
) -> None:
    row.deleted, row.status, row.user = False, status, role
    row.deleted_date = row.deleted_user = row.deleted_app = None
    _modified(row, by, now)


def _unknown(
    change: MembershipChange, teams: dict[str, Team], groups: dict[GroupRef, Group]
) -> list[dict[str, str]]:
    """Return an error for each team or group of `change` that does not exist."""
    errors = []
    for key in ("teams_joined", "teams_left"):
        for index, name in enumerate(getattr(change, key)):
            if name not in teams:
                errors.append({"path": f"/{key}/{index}", "message": f"no team '{name}'"})
    for key in ("groups_joined", "groups_left"):
        for index, ref in enumerate(getattr(change, key)):
            if ref not in groups or ref.team_name not in teams:
                errors.append(
                    {
                        "path": f"/{key}/{index}",
                        "message": f"no group '{ref.group_name}' in team '{ref.team_name}'",
                    }
                )
    return errors


def _contradictions(change: MembershipChange) -> list[dict[str, str]]:
    """Return an error for each team or group that `change` both joins and leaves."""
    left_teams, left_groups = set(change.teams_left), set(change.groups_left)
    errors = [
        {"path": f"/teams_joined/{index}", "message": "both joined and left"}
        for index, name in enumerate(change.teams_joined)
        if name in left_teams
    ]
    errors += [
        {"path": f"/groups_joined/{index}", "message": "both joined and left"}
        for index, ref in enumerate(change.groups_joined)
        if ref in left_groups or ref.team_name in left_teams
    ]
    return errors
