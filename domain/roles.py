"""The closed vocabularies of membership and roles, as stored in the legacy columns.

They are `StrEnum`s, so a member compares equal to the stored string and goes into SQL and JSON
as that string; code names them instead of typing the literal.
"""

from __future__ import annotations

from enum import StrEnum


class MembershipStatus(StrEnum):
    """A team or group membership's state (teammembers.status, groupmembers.status)."""

    ACCEPTED = "accepted"
    PENDING = "pending"


class MemberRole(StrEnum):
    """A member's role inside a team or group (teammembers.user, groupmembers.user)."""

    USER = "user"
    ADMIN = "admin"


class SiteRole(StrEnum):
    """A user's site-wide role (users.role, a Splits addition)."""

    USER = "user"
    ADMIN = "admin"
