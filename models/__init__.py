"""SQLAlchemy models of Splits: the legacy SaintsXCTF tables plus Splits' own additions.

Table and column names are those of the legacy database (legacy-v2 §2), and Python attribute
names equal column names. Importing this package registers every table on `Base.metadata`.
"""

from models.auth import AuthSession, RefreshToken, Throttle
from models.base import AuditMixin, Base, VersionedMixin
from models.groups import Event, Group, GroupMember, Team, TeamGroup, TeamMember
from models.idempotency import IdempotencyKey
from models.logs import Comment, Log, LogDay, LogTotal
from models.lookups import (
    EXERCISE_TYPES,
    MEMBER_ROLES,
    MEMBER_STATUSES,
    METRICS,
    SITE_ROLES,
    WEEK_STARTS,
    Admin,
    Metric,
    Status,
    Type,
    WeekStart,
)
from models.stamps import ChangeStamp
from models.types import MAX_DURATION, Duration
from models.users import Code, EmailChange, Flair, ForgotPassword, Notification, User

__all__ = [
    "EXERCISE_TYPES",
    "MAX_DURATION",
    "MEMBER_ROLES",
    "MEMBER_STATUSES",
    "METRICS",
    "SITE_ROLES",
    "WEEK_STARTS",
    "Admin",
    "AuditMixin",
    "AuthSession",
    "Base",
    "ChangeStamp",
    "Code",
    "Comment",
    "Duration",
    "EmailChange",
    "Event",
    "Flair",
    "ForgotPassword",
    "Group",
    "GroupMember",
    "IdempotencyKey",
    "Log",
    "LogDay",
    "LogTotal",
    "Metric",
    "Notification",
    "RefreshToken",
    "Status",
    "Team",
    "TeamGroup",
    "TeamMember",
    "Throttle",
    "Type",
    "User",
    "VersionedMixin",
    "WeekStart",
]
