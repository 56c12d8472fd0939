"""Groups: read by id or by team and name, their team and members, create, edit, administer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, Select, func, select

from dao.base import APP_NAME, Dao
from dao.errors import Conflict, InvalidInput, NotFound
from dao.memberships import MembershipDao
from domain.roles import MemberRole, MembershipStatus
from models import Group, GroupMember, Team, TeamGroup, User

#: The group fields that PUT and PATCH change (legacy-v2 §3.8, plus the title).
EDITABLE_FIELDS = ("group_title", "description", "grouppic_name", "week_start")


def _active(column: Any) -> Any:
    return column.is_(False)


class GroupDao(Dao):
    """Read and change groups and their memberships."""

    def _groups(self) -> Select[Group]:
        return select(Group).where(_active(Group.deleted))

    def get(self, group_id: int) -> Group:
        """Return the active group with this id, or raise NotFound."""
        group = self.session.scalar(self._groups().where(Group.id == group_id))
        if group is None:
            raise NotFound(f"There is no group with id {group_id}.")
        return group

    def get_for_body(self, group_id: int, *, path: str = "/group_id") -> Group:
        """Return the group a request body names; an unknown one is a 400 pointing at the field."""
        group = self.session.scalar(self._groups().where(Group.id == group_id))
        if group is None:
            raise InvalidInput(
                f"There is no group with id {group_id}.",
                errors=[{"path": path, "message": "no such group"}],
            )
        return group

    def get_by_names(self, team_name: str, group_name: str) -> Group:
        """Return the active group called `group_name` in team `team_name`, or raise NotFound."""
        group = self.session.scalar(
            self._groups()
            .join(TeamGroup, TeamGroup.group_id == Group.id)
            .join(Team, Team.name == TeamGroup.team_name)
            .where(
                TeamGroup.team_name == team_name,
                Group.group_name == group_name,
                _active(TeamGroup.deleted),
                _active(Team.deleted),
            )
            .limit(1)
        )
        if group is None:
            raise NotFound(f"There is no group '{group_name}' in team '{team_name}'.")
        return group

    def team_names(self, group_ids: Iterable[int]) -> dict[int, str]:
        """Return the team name of each group (one query for a whole page)."""
        ids = list(group_ids)
        if not ids:
            return {}
        rows = self.session.execute(
            select(TeamGroup.group_id, TeamGroup.team_name)
            .join(Team, Team.name == TeamGroup.team_name)
            .where(TeamGroup.group_id.in_(ids), _active(TeamGroup.deleted), _active(Team.deleted))
            .order_by(TeamGroup.teamgroup_id)
        ).all()
        names: dict[int, str] = {}
        for group_id, team_name in rows:
            names.setdefault(group_id, team_name)
        return names

    def team_of(self, group_id: int) -> Team:
        """Return the team that holds the group, or raise NotFound."""
        self.get(group_id)
        team = self.session.scalar(
            select(Team)
            .join(TeamGroup, TeamGroup.team_name == Team.name)
            .where(
                TeamGroup.group_id == group_id, _active(TeamGroup.deleted), _active(Team.deleted)
            )
            .order_by(TeamGroup.teamgroup_id)
            .limit(1)
        )
        if team is None:
            raise NotFound(f"No team has the group with id {group_id}.")
        return team

    def page(self, *, limit: int, offset: int) -> tuple[list[Group], int]:
        """Return one page of active groups ordered by name and id, and the total count."""
        query = self._groups()
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(Group.group_name, Group.id).limit(limit).offset(offset)
        ).all()
        return list(rows), total

    def _members(self, group_id: int) -> Select[GroupMember, User]:
        return (
            select(GroupMember, User)
            .join(User, User.username == GroupMember.username)
            .where(
                GroupMember.group_id == group_id,
                _active(GroupMember.deleted),
                _active(User.deleted),
            )
        )

    def members(
        self, group_id: int, *, limit: int, offset: int
    ) -> tuple[list[Row[GroupMember, User]], int]:
        """Return a page of the group's active memberships (any status) of active users."""
        query = self._members(group_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.execute(
            query.order_by(GroupMember.username).limit(limit).offset(offset)
        ).all()
        return list(rows), total

    def all_members(self, group_id: int) -> list[Row[GroupMember, User]]:
        """Return every active membership of the group, for its snapshot."""
        return list(self.session.execute(self._members(group_id).order_by(GroupMember.username)))

    def create(self, team: Team, values: dict[str, Any], *, by: str, admin: bool) -> Group:
        """Insert a group in `team` and commit; a name taken in that team is a Conflict.

        When `admin` is true the creator becomes the group's accepted admin (a team admin
        creating a group must be able to run it); site admins need no membership.
        """
        name = values["group_name"]
        taken = self.session.scalar(
            select(Group.id)
            .join(TeamGroup, TeamGroup.group_id == Group.id)
            .where(
                TeamGroup.team_name == team.name,
                Group.group_name == name,
                _active(TeamGroup.deleted),
                _active(Group.deleted),
            )
            .limit(1)
        )
        if taken is not None:
            raise Conflict(f"Team '{team.name}' already has a group '{name}'.")
        now = self.clock()
        audit = {"deleted": False, "created_date": now, "created_user": by, "created_app": APP_NAME}
        group = Group(
            group_name=name,
            group_title=values.get("group_title"),
            description=values.get("description"),
            grouppic_name=values.get("grouppic_name"),
            week_start=values.get("week_start") or team.week_start or "monday",
            **audit,
        )
        self.session.add(group)
        self.session.flush()  # the teamgroups row needs the new id
        self.session.add(
            TeamGroup(team_name=team.name, group_id=group.id, group_name=name, **audit)
        )
        if admin:
            memberships = MembershipDao(self.session, self.clock)
            memberships.join_team(team.name, by, status=MembershipStatus.ACCEPTED, by=by)
            memberships.join_group(
                group, by, status=MembershipStatus.ACCEPTED, by=by, role=MemberRole.ADMIN
            )
        self.safe_commit(f"Team '{team.name}' already has a group '{name}'.")
        return group

    def update(self, group: Group, values: dict[str, Any], *, by: str) -> bool:
        """Write the editable fields from `values`; return whether any changed; commit."""
        changed = {
            name: values.get(name)
            for name in EDITABLE_FIELDS
            if name in values and getattr(group, name) != values.get(name)
        }
        if not changed:
            return False
        for name, value in changed.items():
            setattr(group, name, value)
        group.modified_date, group.modified_user, group.modified_app = self.clock(), by, APP_NAME
        self.safe_commit()
        return True

    def membership(self, group: Group, username: str) -> tuple[GroupMember, User]:
        """Return an active user's active membership of the group, or raise NotFound."""
        row = self.session.execute(
            self._members(group.id).where(GroupMember.username == username).limit(1)
        ).first()
        if row is None:
            raise NotFound(f"'{username}' is not a member of group {group.id}.")
        return row[0], row[1]

    def set_membership(
        self, group: Group, member: GroupMember, *, status: str, role: str, by: str
    ) -> bool:
        """Change a member's status and role; accepting also accepts their team membership."""
        changed = False
        if (member.status, member.user) != (status, role):
            member.status, member.user = status, role
            member.modified_date, member.modified_user, member.modified_app = (
                self.clock(),
                by,
                APP_NAME,
            )
            changed = True
        if status == MembershipStatus.ACCEPTED:
            memberships = MembershipDao(self.session, self.clock)
            for team_name in self.team_names([group.id]).values():
                memberships.accept_team_membership(team_name, member.username or "", by=by)
        self.safe_commit()
        return changed

    def remove_membership(self, group: Group, member: GroupMember, *, by: str) -> None:
        """Soft-delete a membership; leaving the last group of a team also leaves the team."""
        username = member.username or ""
        memberships = MembershipDao(self.session, self.clock)
        memberships.leave_group(group.id, username, by=by)
        self.session.flush()
        for team_name in self.team_names([group.id]).values():
            if not memberships.has_group_in_team(team_name, username):
                memberships.leave_team(team_name, username, by=by)
        self.safe_commit()
