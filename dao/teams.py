"""Teams: list and search, one team, its members and groups, creation and member approval."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, func, select

from dao.base import APP_NAME, Dao
from dao.errors import Conflict, InvalidInput, NotFound
from dao.memberships import MembershipDao
from dao.search import TextFilter
from domain.roles import MembershipStatus
from models import Group, Team, TeamGroup, TeamMember, User


def _active(column: Any) -> Any:
    return column.is_(False)


class TeamDao(Dao):
    """Read and create teams; approve pending team members."""

    def _teams(self) -> Select[Team]:
        return select(Team).where(_active(Team.deleted))

    def get(self, name: str) -> Team:
        """Return the active team with this name, or raise NotFound."""
        team = self.session.scalar(self._teams().where(Team.name == name))
        if team is None:
            raise NotFound(f"There is no team '{name}'.")
        return team

    def get_for_body(self, name: str, *, path: str = "/team_name") -> Team:
        """Return the team a request body names; an unknown one is a 400 pointing at the field."""
        team = self.session.scalar(self._teams().where(Team.name == name))
        if team is None:
            raise InvalidInput(
                f"There is no team '{name}'.", errors=[{"path": path, "message": "no such team"}]
            )
        return team

    def page(self, filters: TextFilter, *, limit: int, offset: int) -> tuple[list[Team], int]:
        """Return one page of active teams ordered by name, and the total count.

        The filters match the team's name or title.
        """
        query = self._teams().where(*filters.conditions(Team.name, Team.title))
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        teams = self.session.scalars(query.order_by(Team.name).limit(limit).offset(offset)).all()
        return list(teams), total

    def search(self, text: str, limit: int) -> list[Team]:
        """Return up to `limit` active teams whose name or title contains `text` (any case)."""
        matches = TextFilter(contains=text).conditions(Team.name, Team.title)
        query = self._teams().where(*matches).order_by(Team.name).limit(limit)
        return list(self.session.scalars(query).all())

    def members(
        self, name: str, *, limit: int, offset: int
    ) -> tuple[list[Row[TeamMember, User]], int]:
        """Return a page of the team's active memberships (any status) of active users."""
        self.get(name)
        query = (
            select(TeamMember, User)
            .join(User, User.username == TeamMember.username)
            .where(
                TeamMember.team_name == name,
                _active(TeamMember.deleted),
                _active(User.deleted),
            )
        )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.execute(
            query.order_by(TeamMember.username).limit(limit).offset(offset)
        ).all()
        return list(rows), total

    def groups(self, name: str, *, limit: int, offset: int) -> tuple[list[Group], int]:
        """Return a page of the team's active groups, ordered by name."""
        self.get(name)
        query = (
            select(Group)
            .join(TeamGroup, TeamGroup.group_id == Group.id)
            .where(TeamGroup.team_name == name, _active(TeamGroup.deleted), _active(Group.deleted))
        )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(Group.group_name, Group.id).limit(limit).offset(offset)
        ).all()
        return list(rows), total

    def create(self, values: dict[str, Any], *, by: str) -> Team:
        """Insert a team and commit; a taken name (deleted teams included) is a Conflict."""
        name = values["name"]
        if self.session.get(Team, name) is not None:
            raise Conflict(f"The team name '{name}' is taken.")
        team = Team(
            name=name,
            title=values["title"],
            picture_name=values.get("picture_name"),
            description=values.get("description"),
            week_start=values.get("week_start") or "monday",
            deleted=False,
            created_date=self.clock(),
            created_user=by,
            created_app=APP_NAME,
        )
        self.session.add(team)
        self.safe_commit(f"The team name '{name}' is taken.")
        return team

    def approve(
        self, team: Team, username: str, role: str | None, *, by: str
    ) -> tuple[TeamMember, User, bool]:
        """Accept an active user's team membership, optionally setting their role.

        Return the membership, its user and whether anything changed; commit.
        """
        user = self.session.scalar(
            select(User).where(User.username == username, _active(User.deleted))
        )
        row = MembershipDao(self.session, self.clock).team_membership(team.name, username)
        if user is None or row is None:
            # The body names someone who cannot be accepted: a 400 about that field, as for
            # any other unknown reference in a body (the team in the URL does exist).
            raise InvalidInput(
                f"'{username}' is not a member of team '{team.name}' and has not asked to be.",
                errors=[{"path": "/username", "message": "has not asked to join this team"}],
            )
        wanted = {"status": MembershipStatus.ACCEPTED, "user": role or row.user}
        changed = {key: value for key, value in wanted.items() if getattr(row, key) != value}
        if not changed:
            return row, user, False
        for key, value in changed.items():
            setattr(row, key, value)
        row.modified_date, row.modified_user, row.modified_app = self.clock(), by, APP_NAME
        self.safe_commit()
        return row, user, True
