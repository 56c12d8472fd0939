"""The membership flow rules (legacy-v2 §3.8) on the DAO, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dao.errors import InvalidInput
from dao.groups import GroupDao
from dao.memberships import GroupRef, MembershipChange, MembershipDao
from models import GroupMember, TeamMember


@pytest.fixture
def team(make):
    make.user("ann")
    make.user("ben")
    make.team("tc")
    one = make.group("one", team="tc")
    two = make.group("two", team="tc")
    return one, two


def test_join_creates_pending_then_accept_keeps_the_row(db, team):
    one, _ = team
    dao = MembershipDao(db)
    assert dao.join_group(one, "ann", status="pending", by="ann") is True
    db.commit()
    assert dao.join_group(one, "ann", status="pending", by="ann") is False
    assert dao.join_group(one, "ann", status="accepted", by="x") is True
    db.commit()
    rows = db.scalars(select(GroupMember).where(GroupMember.username == "ann")).all()
    assert [(row.status, row.user) for row in rows] == [("accepted", "user")]


def test_rejoin_revives_a_left_row(db, team):
    one, _ = team
    dao = MembershipDao(db)
    dao.join_group(one, "ann", status="accepted", by="ann", role="admin")
    db.commit()
    assert dao.leave_group(one.id, "ann", by="ann") is True
    db.commit()
    assert dao.group_membership(one.id, "ann") is None
    assert dao.join_group(one, "ann", status="pending", by="ann") is True
    db.commit()
    (row,) = db.scalars(select(GroupMember).where(GroupMember.username == "ann")).all()
    assert (row.deleted, row.status, row.user, row.deleted_date) == (False, "pending", "user", None)


def test_leave_team_soft_deletes_every_group_of_it(db, team, make):
    one, two = team
    make.team_member("tc", "ann")
    make.group_member(one, "ann")
    make.group_member(two, "ann", status="pending")
    other = make.group("elsewhere", team=None)
    make.group_member(other, "ann")
    assert MembershipDao(db).leave_team("tc", "ann", by="ann") is True
    db.commit()
    active = db.scalars(
        select(GroupMember.group_id).where(
            GroupMember.username == "ann", GroupMember.deleted.is_(False)
        )
    ).all()
    assert active == [other.id]
    team_row = db.scalar(select(TeamMember).where(TeamMember.username == "ann"))
    db.refresh(team_row)
    assert team_row.deleted is True


def test_admin_checks_need_accepted_admins(db, team, make):
    one, two = team
    make.group_member(one, "ann", role="admin")
    make.group_member(two, "ann", role="admin", status="pending")
    make.team_member("tc", "ben", role="admin")
    dao = MembershipDao(db)
    assert dao.is_group_admin(one.id, "ann") and not dao.is_group_admin(two.id, "ann")
    assert dao.admin_group_ids("ann", [one.id, two.id]) == {one.id}
    assert dao.is_team_admin("tc", "ben") and not dao.is_team_admin("tc", "ann")
    assert dao.admin_team_names("ben", ["tc", "zz"]) == {"tc"}
    assert not dao.is_group_admin(one.id, None)


def test_change_reports_every_unknown_item(db, team, make):
    user = make.user("cy")
    change = MembershipChange(
        teams_joined=("nope",),
        groups_joined=(GroupRef("tc", "three"),),
        groups_left=(GroupRef("nope", "one"),),
    )
    with pytest.raises(InvalidInput) as caught:
        MembershipDao(db).change(user, change, by="cy")
    assert [error["path"] for error in caught.value.errors] == [
        "/teams_joined/0",
        "/groups_joined/0",
        "/groups_left/0",
    ]


def test_change_joins_groups_with_their_team_in_one_commit(db, team, make):
    user = make.user("cy")
    _one, _two = team
    change = MembershipChange.from_body(
        {"groups_joined": [{"team_name": "tc", "group_name": "two"}]}
    )
    assert MembershipDao(db).change(user, change, by="cy") is True
    (entry,) = MembershipDao(db).memberships_of("cy")
    assert entry.team.status == "pending" and [g.group_name for _, g in entry.groups] == ["two"]


def test_removing_the_last_group_leaves_the_team(db, team, make):
    one, _two = team
    make.team_member("tc", "ann")
    member = make.group_member(one, "ann")
    GroupDao(db).remove_membership(one, member, by="boss")
    assert MembershipDao(db).team_membership("tc", "ann") is None


def test_groups_with_the_same_name_in_two_teams_stay_apart(db, make):
    make.user("ann")
    make.team("a")
    make.team("b")
    in_a = make.group("alumni", team="a")
    in_b = make.group("alumni", team="b")
    assert GroupDao(db).get_by_names("a", "alumni").id == in_a.id
    assert GroupDao(db).get_by_names("b", "alumni").id == in_b.id
