"""Groups, teams and their memberships (plus the unused legacy `events` table)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import AuditMixin, Base, VersionedMixin
from models.users import PICTURE

# Relationships here are read-only navigation (viewonly): writes set the key columns, so there is
# one way to change a membership. They raise on lazy load; use selectinload/joinedload.


class GroupMember(AuditMixin, VersionedMixin, Base):
    """Hold one user's membership (status and role) in one group."""

    __tablename__ = "groupmembers"
    __table_args__ = (
        UniqueConstraint("group_id", "username"),
        Index("ix_groupmembers_group_id_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    # A copy of groups.group_name. Legacy had a FK to the non-unique groups.group_name, which
    # SQLite refuses to enforce and which pins the name; Splits keys memberships by group_id.
    group_name: Mapped[str | None] = mapped_column(String(20))
    username: Mapped[str | None] = mapped_column(String(20), index=True)
    status: Mapped[str | None] = mapped_column(ForeignKey("status.status"))
    # The member's role in the group ('user' | 'admin'); the legacy column name is kept.
    user: Mapped[str | None] = mapped_column(ForeignKey("admins.user"))

    group: Mapped[Group | None] = relationship(viewonly=True, lazy="raise_on_sql")


class Group(AuditMixin, VersionedMixin, Base):
    """Hold one group of a team (for example a season's squad)."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Indexed but not unique: two teams may both have an "alumni" group.
    group_name: Mapped[str] = mapped_column(String(20), index=True)
    group_title: Mapped[str | None] = mapped_column(String(50))
    grouppic: Mapped[bytes | None] = mapped_column(PICTURE, deferred=True)
    grouppic_name: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    week_start: Mapped[str | None] = mapped_column(ForeignKey("weekstart.week_start"))

    members: Mapped[list[GroupMember]] = relationship(viewonly=True, lazy="raise_on_sql")
    team_groups: Mapped[list[TeamGroup]] = relationship(viewonly=True, lazy="raise_on_sql")


class Team(AuditMixin, VersionedMixin, Base):
    """Hold one team, the top level that groups belong to."""

    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(31), primary_key=True)
    title: Mapped[str] = mapped_column(String(127))
    picture_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    # No FK: the legacy database has none (only the legacy ORM declared one).
    week_start: Mapped[str | None] = mapped_column(String(15))

    team_groups: Mapped[list[TeamGroup]] = relationship(viewonly=True, lazy="raise_on_sql")
    members: Mapped[list[TeamMember]] = relationship(viewonly=True, lazy="raise_on_sql")


class TeamGroup(AuditMixin, Base):
    """Link one group to the team it belongs to."""

    __tablename__ = "teamgroups"
    __table_args__ = (UniqueConstraint("team_name", "group_id"),)

    # Legacy had no primary key at all; Splits adds a surrogate one (revisions 0003, 0013). Not
    # `id`: the legacy team-groups query selects `groups.id` as an unqualified `id`.
    teamgroup_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_name: Mapped[str] = mapped_column(ForeignKey("teams.name"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    # A copy of groups.group_name (see GroupMember.group_name).
    group_name: Mapped[str] = mapped_column(String(20))

    team: Mapped[Team] = relationship(viewonly=True, lazy="raise_on_sql")
    group: Mapped[Group] = relationship(viewonly=True, lazy="raise_on_sql")


class TeamMember(AuditMixin, Base):
    """Hold one user's membership (status and role) in one team."""

    __tablename__ = "teammembers"
    __table_args__ = (UniqueConstraint("team_name", "username"),)

    # Splits' surrogate key (revisions 0003, 0013), named so that no legacy join finds two of it.
    teammember_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_name: Mapped[str] = mapped_column(ForeignKey("teams.name"))
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    user: Mapped[str] = mapped_column(String(10))

    team: Mapped[Team] = relationship(viewonly=True, lazy="raise_on_sql")


class Event(AuditMixin, Base):
    """Hold one group event: a legacy table that no endpoint uses, kept so no data is lost."""

    __tablename__ = "events"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(20))
    group_name: Mapped[str] = mapped_column(String(50))
    start_date: Mapped[str] = mapped_column(String(50))
    end_date: Mapped[str | None] = mapped_column(String(50))
    start_time: Mapped[str | None] = mapped_column(String(50))
    end_time: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(50))
