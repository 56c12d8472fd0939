"""The membership and role StrEnums are the legacy strings, and the lookups follow from them."""

from __future__ import annotations

from domain.identity import Principal
from domain.roles import MemberRole, MembershipStatus, SiteRole
from models.lookups import LOOKUP_ROWS, MEMBER_ROLES, MEMBER_STATUSES, SITE_ROLES


def test_the_enums_are_the_stored_strings():
    # The legacy database holds exactly these in groupmembers/teammembers and users.role.
    assert MEMBER_STATUSES == ("accepted", "pending") == LOOKUP_ROWS["status"]
    assert MEMBER_ROLES == ("user", "admin") == LOOKUP_ROWS["admins"]
    assert SITE_ROLES == ("user", "admin")
    assert MembershipStatus.ACCEPTED == "accepted" and f"{MembershipStatus.PENDING}" == "pending"
    assert all(type(value) is str for value in (*MEMBER_STATUSES, *MEMBER_ROLES, *SITE_ROLES))


def test_a_principal_is_a_site_admin_by_its_role_string():
    assert Principal("root", None, "admin").is_admin
    assert Principal("root", None, SiteRole.ADMIN).is_admin
    assert not Principal("alice", None, SiteRole.USER).is_admin
    assert not Principal("alice", None, MemberRole.ADMIN.upper()).is_admin
