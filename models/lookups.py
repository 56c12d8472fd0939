"""Lookup tables (legacy enumerations) and the same values as Python constants."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from domain.roles import MemberRole, MembershipStatus, SiteRole
from models.base import Base

# The 23 exercise types of the legacy seed script, in its order (legacy-v2 §2.3).
EXERCISE_TYPES: tuple[str, ...] = (
    # basic
    "run",
    "bike",
    "swim",
    "other",
    # strength
    "core",
    "strength",
    "weights",
    "yoga",
    # walking
    "walk",
    "hike",
    # virtual
    "virtual bike",
    # summer
    "kayak",
    "canoe",
    "row",
    "stand up paddle",
    # winter
    "alpine ski",
    "backcountry ski",
    "nordic ski",
    "snowboard",
    "snowshoe",
    "ice skate",
    # cross-train
    "roller ski",
    "inline skate",
)
METRICS: tuple[str, ...] = ("miles", "kilometers", "meters")
MEMBER_STATUSES: tuple[str, ...] = tuple(status.value for status in MembershipStatus)
# Roles inside a group or team (groupmembers.user, teammembers.user), from the `admins` table.
MEMBER_ROLES: tuple[str, ...] = tuple(role.value for role in MemberRole)
WEEK_STARTS: tuple[str, ...] = ("sunday", "monday")
# Site-wide roles (users.role), a Splits addition with no lookup table.
SITE_ROLES: tuple[str, ...] = tuple(role.value for role in SiteRole)


class Type(Base):
    """Name one exercise type (logs.type refers to it)."""

    __tablename__ = "types"

    type: Mapped[str] = mapped_column(String(15), primary_key=True)


class Metric(Base):
    """Name one distance unit (logs.metric refers to it)."""

    __tablename__ = "metrics"

    metric: Mapped[str] = mapped_column(String(15), primary_key=True)


class Status(Base):
    """Name one membership status (groupmembers.status refers to it)."""

    __tablename__ = "status"

    status: Mapped[str] = mapped_column(String(10), primary_key=True)


class Admin(Base):
    """Name one membership role (groupmembers.user refers to it)."""

    __tablename__ = "admins"

    user: Mapped[str] = mapped_column(String(10), primary_key=True)


class WeekStart(Base):
    """Name one first day of the week (users, groups and teams refer to it)."""

    __tablename__ = "weekstart"

    week_start: Mapped[str] = mapped_column(String(15), primary_key=True)


# What revision 1 seeds; tests compare the database with it.
LOOKUP_ROWS: dict[str, tuple[str, ...]] = {
    "types": EXERCISE_TYPES,
    "metrics": METRICS,
    "status": MEMBER_STATUSES,
    "admins": MEMBER_ROLES,
    "weekstart": WEEK_STARTS,
}
