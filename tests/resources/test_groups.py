"""Groups: list, create, read and edit by id or by names, team, members, memberships, snapshot."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import Group, GroupMember, TeamGroup, TeamMember
from tests.resources.conftest import actions, hrefs

NEW_GROUP = {"team_name": "riverdale", "group_name": "juniors", "group_title": "Juniors"}
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def group_path(club, group=None):
    return f"/v2/groups/{(group or club.varsity).id}"


# -- list ---------------------------------------------------------------------------------------


def test_list_needs_a_token(client, club):
    assert client.simulate_get("/v2/groups").status_code == 401


def test_list_pages_groups_with_their_team(client, club):
    result = client.simulate_get("/v2/groups", params={"limit": 2}, headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["total"] == 3 and [g["group_name"] for g in body["groups"]] == ["alumni", "hill"]
    alumni = body["groups"][0]
    assert alumni["self"] == f"/v2/groups/{club.alumni.id}" and alumni["team_name"] == "riverdale"
    assert "grouppic" not in alumni
    assert 'rel="next"' in result.headers["link"]


def test_list_shows_edit_links_only_on_groups_the_caller_runs(client, club):
    def editable(name):
        body = client.simulate_get("/v2/groups", headers=club[name]).json
        return {g["group_name"] for g in body["groups"] if ("PUT", g["self"]) in actions(g)}

    assert editable("coach") == {"varsity"}
    assert editable("root") == {"varsity", "alumni", "hill"}
    assert editable("alice") == set() and editable("bob") == set()


def test_list_bad_paging_is_400(client, club):
    assert client.simulate_get("/v2/groups?limit=500", headers=club["bob"]).status_code == 400


# -- create -------------------------------------------------------------------------------------


def test_team_admin_creates_a_group_and_runs_it(client, club):
    result = client.simulate_post("/v2/groups", json=NEW_GROUP, headers=club["coach"])
    assert result.status_code == 201, result.json
    group = result.json["group"]
    assert result.headers["location"] == group["self"] == f"/v2/groups/{group['id']}"
    assert group["team_name"] == "riverdale" and group["week_start"] == "monday"
    members = client.simulate_get(f"/v2/groups/members/{group['id']}", headers=club["coach"]).json
    assert [(m["username"], m["status"], m["user"]) for m in members["group_members"]] == [
        ("coach", "accepted", "admin")
    ]
    by_names = client.simulate_get("/v2/groups/riverdale/juniors", headers=club["bob"])
    assert by_names.status_code == 200 and by_names.json["group"]["id"] == group["id"]
    listed = client.simulate_get("/v2/teams/groups/riverdale", headers=club["bob"]).json
    assert "juniors" in {g["group_name"] for g in listed["team_groups"]}


def test_site_admin_creates_a_group_without_joining_it(client, club):
    body = {**NEW_GROUP, "team_name": "hilltop", "week_start": "sunday", "description": "Young"}
    result = client.simulate_post("/v2/groups", json=body, headers=club["root"])
    assert result.status_code == 201
    group = result.json["group"]
    assert group["week_start"] == "sunday" and group["description"] == "Young"
    members = client.simulate_get(f"/v2/groups/members/{group['id']}", headers=club["root"]).json
    assert members["group_members"] == []


@pytest.mark.parametrize("caller", ["alice", "bob", "carol"])
def test_others_may_not_create_groups(client, club, caller):
    assert (
        client.simulate_post("/v2/groups", json=NEW_GROUP, headers=club[caller]).status_code == 403
    )


def test_team_admin_may_not_create_groups_in_another_team(client, club):
    body = {**NEW_GROUP, "team_name": "hilltop"}
    assert client.simulate_post("/v2/groups", json=body, headers=club["coach"]).status_code == 403


def test_create_group_needs_a_token(client, club):
    assert client.simulate_post("/v2/groups", json=NEW_GROUP).status_code == 401


def test_create_group_in_unknown_team_is_400(client, club):
    body = {**NEW_GROUP, "team_name": "nowhere"}
    result = client.simulate_post("/v2/groups", json=body, headers=club["root"])
    assert result.status_code == 400
    assert result.json["errors"] == [{"path": "/team_name", "message": "no such team"}]


def test_duplicate_group_name_in_a_team_is_409(client, club):
    body = {**NEW_GROUP, "group_name": "varsity"}
    assert client.simulate_post("/v2/groups", json=body, headers=club["coach"]).status_code == 409
    # The same name in another team is fine: names are unique per team.
    other = {**body, "team_name": "hilltop"}
    assert client.simulate_post("/v2/groups", json=other, headers=club["root"]).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"team_name": "riverdale", "group_name": "x"},
        {**NEW_GROUP, "group_name": "bad name"},
        {**NEW_GROUP, "group_name": "x" * 21},
        {**NEW_GROUP, "id": 99},
        {**NEW_GROUP, "week_start": "friday"},
    ],
)
def test_create_group_bad_bodies_are_400(client, club, body):
    result = client.simulate_post("/v2/groups", json=body, headers=club["root"])
    assert result.status_code == 400 and result.json["errors"]


# -- read ---------------------------------------------------------------------------------------


def test_get_by_id(client, club):
    result = client.simulate_get(group_path(club), headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == group_path(club)
    group = body["group"]
    assert (group["group_name"], group["group_title"], group["week_start"]) == (
        "varsity",
        "Varsity",
        "sunday",
    )
    assert group["team_name"] == "riverdale" and group["deleted"] is False
    assert "grouppic" not in group
    expected = {
        f"/v2/groups/team/{club.varsity.id}",
        f"/v2/groups/members/{club.varsity.id}",
        "/v2/groups/riverdale/varsity",
        "/v2/groups/snapshot/riverdale/varsity",
        f"/v2/groups/statistics/{club.varsity.id}",
        f"/v2/groups/leaderboard/{club.varsity.id}",
    }
    assert expected <= hrefs(group)
    assert result.headers["etag"] and "merge-patch" in result.headers["accept-patch"]


def test_admin_links_only_for_group_admins(client, club):
    def edit_actions(name):
        return actions(client.simulate_get(group_path(club), headers=club[name]).json["group"])

    admin = {
        ("PUT", group_path(club)),
        ("PATCH", group_path(club)),
        ("POST", "/v2/activation_code"),
    }
    assert edit_actions("coach") == admin and edit_actions("root") == admin
    assert edit_actions("alice") == set() and edit_actions("bob") == set()


def test_etag_differs_for_admins_and_gives_304(client, club):
    plain = client.simulate_get(group_path(club), headers=club["bob"]).headers["etag"]
    admin = client.simulate_get(group_path(club), headers=club["coach"]).headers["etag"]
    assert plain != admin
    again = client.simulate_get(group_path(club), headers={**club["bob"], "If-None-Match": plain})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v2/groups/999999", 404),
        ("/v2/groups/abc", 400),
        ("/v2/groups/1e3", 400),
        ("/v2/groups/9999999999", 400),
        ("/v2/groups/²", 400),  # str.isdigit() says yes, int() says no
        ("/v2/groups/statistics/²", 400),
    ],
)
def test_get_bad_or_unknown_ids(client, club, path, status):
    assert client.simulate_get(path, headers=club["bob"]).status_code == status


def test_get_by_id_needs_a_token(client, club):
    assert client.simulate_get(group_path(club)).status_code == 401


def test_soft_deleted_group_is_404(client, club, db):
    club.alumni.deleted = True
    db.commit()
    assert (
        client.simulate_get(group_path(club, club.alumni), headers=club["bob"]).status_code == 404
    )
    assert (
        client.simulate_get("/v2/groups/riverdale/alumni", headers=club["bob"]).status_code == 404
    )


def test_get_by_names(client, club):
    result = client.simulate_get("/v2/groups/riverdale/varsity", headers=club["bob"])
    assert result.status_code == 200
    assert result.json["self"] == "/v2/groups/riverdale/varsity"
    assert result.json["group"]["id"] == club.varsity.id


@pytest.mark.parametrize(
    "path",
    ["/v2/groups/hilltop/varsity", "/v2/groups/riverdale/nope", "/v2/groups/nowhere/varsity"],
)
def test_get_by_names_outside_the_team_is_404(client, club, path):
    assert client.simulate_get(path, headers=club["bob"]).status_code == 404


# -- update -------------------------------------------------------------------------------------


def test_group_admin_replaces_the_group(client, club):
    body = {"description": "The fast ones", "grouppic_name": "v.png", "week_start": "monday"}
    result = client.simulate_put(group_path(club), json=body, headers=club["coach"])
    assert result.status_code == 200, result.json
    group = result.json["group"]
    assert result.json["updated"] is True
    assert (group["description"], group["grouppic_name"], group["week_start"]) == (
        "The fast ones",
        "v.png",
        "monday",
    )
    assert group["group_title"] == "Varsity"  # left out of a PUT: kept, as legacy clients expect
    same = client.simulate_put(group_path(club), json=body, headers=club["coach"])
    assert same.status_code == 200 and same.json["updated"] is False


def test_put_accepts_the_echoed_representation_and_targets_the_url(client, club):
    group = client.simulate_get(group_path(club), headers=club["coach"]).json["group"]
    group.update(group_name="alumni", id=club.alumni.id, group_title="Varsity A", description="x")
    result = client.simulate_put(group_path(club), json=group, headers=club["coach"])
    assert result.status_code == 200, result.json
    assert result.json["group"]["group_name"] == "varsity"
    assert result.json["group"]["group_title"] == "Varsity A"
    alumni = client.simulate_get(group_path(club, club.alumni), headers=club["coach"]).json["group"]
    assert alumni["description"] is None and alumni["group_title"] == "Alumni"


def test_put_by_names(client, club):
    result = client.simulate_put(
        "/v2/groups/riverdale/varsity", json={"description": "named"}, headers=club["coach"]
    )
    assert result.status_code == 200 and result.json["self"] == "/v2/groups/riverdale/varsity"
    assert result.json["group"]["description"] == "named"


@pytest.mark.parametrize("caller", ["alice", "bob", "carol"])
def test_non_admins_may_not_update(client, club, caller):
    body = {"description": "mine now"}
    assert client.simulate_put(group_path(club), json=body, headers=club[caller]).status_code == 403
    result = client.simulate_patch(
        group_path(club), body=json.dumps(body), headers={**club[caller], **MERGE}
    )
    assert result.status_code == 403


def test_admin_of_one_group_may_not_edit_another(client, club):
    path = group_path(club, club.alumni)
    assert client.simulate_put(path, json={}, headers=club["coach"]).status_code == 403


def test_site_admin_updates_any_group(client, club):
    result = client.simulate_put(
        group_path(club, club.hill), json={"description": "root was here"}, headers=club["root"]
    )
    assert result.status_code == 200 and result.json["updated"] is True


def test_update_needs_a_token(client, club):
    assert client.simulate_put(group_path(club), json={}).status_code == 401


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v2/groups/999999", 404), ("/v2/groups/x", 400), ("/v2/groups/riverdale/nope", 404)],
)
def test_update_unknown_or_bad_group(client, club, path, status):
    assert client.simulate_put(path, json={}, headers=club["root"]).status_code == status


@pytest.mark.parametrize(
    "body", [{"week_start": "someday"}, {"description": "x" * 256}, {"grouppic": 5, "extra": 1}, []]
)
def test_update_bad_bodies_are_400(client, club, body):
    assert (
        client.simulate_put(group_path(club), json=body, headers=club["coach"]).status_code == 400
    )


def test_put_without_body_is_400(client, club):
    assert client.simulate_put(group_path(club), headers=club["coach"]).status_code == 400


def test_stale_if_match_is_412(client, club):
    etag = client.simulate_get(group_path(club), headers=club["coach"]).headers["etag"]
    first = client.simulate_put(
        group_path(club), json={"description": "a"}, headers={**club["coach"], "If-Match": etag}
    )
    assert first.status_code == 200
    stale = client.simulate_put(
        group_path(club), json={"description": "b"}, headers={**club["coach"], "If-Match": etag}
    )
    assert stale.status_code == 412


def test_merge_patch_changes_only_what_it_names(client, club):
    result = client.simulate_patch(
        group_path(club),
        body=json.dumps({"group_title": "Varsity Squad"}),
        headers={**club["coach"], **MERGE},
    )
    assert result.status_code == 200, result.json
    group = result.json["group"]
    assert group["group_title"] == "Varsity Squad" and group["week_start"] == "sunday"


def test_json_patch_by_names(client, club):
    ops = [{"op": "replace", "path": "/week_start", "value": "monday"}]
    result = client.simulate_patch(
        "/v2/groups/riverdale/varsity",
        body=json.dumps(ops),
        headers={**club["coach"], **JSON_PATCH},
    )
    assert result.status_code == 200 and result.json["group"]["week_start"] == "monday"


def test_patch_to_an_invalid_group_is_400(client, club):
    result = client.simulate_patch(
        group_path(club),
        body=json.dumps({"week_start": "caturday"}),
        headers={**club["coach"], **MERGE},
    )
    assert result.status_code == 400 and result.json["errors"][0]["path"] == "/week_start"


def test_patch_needs_a_patch_media_type(client, club):
    result = client.simulate_patch(group_path(club), body=json.dumps({}), headers=club["coach"])
    assert result.status_code == 415


# -- team of a group ----------------------------------------------------------------------------


def test_team_of_a_group(client, club):
    result = client.simulate_get(f"/v2/groups/team/{club.hill.id}", headers=club["bob"])
    assert result.status_code == 200
    assert result.json["self"] == f"/v2/groups/team/{club.hill.id}"
    assert (
        result.json["team"]["name"] == "hilltop"
        and result.json["team"]["self"] == "/v2/teams/hilltop"
    )


def test_team_of_a_group_without_team_is_404(client, club, make):
    lonely = make.group("lonely")
    assert (
        client.simulate_get(f"/v2/groups/team/{lonely.id}", headers=club["bob"]).status_code == 404
    )
    assert client.simulate_get("/v2/groups/team/999999", headers=club["bob"]).status_code == 404
    assert client.simulate_get("/v2/groups/team/abc", headers=club["bob"]).status_code == 400


def test_team_of_a_group_needs_a_token(client, club):
    assert client.simulate_get(f"/v2/groups/team/{club.hill.id}").status_code == 401


# -- members ------------------------------------------------------------------------------------


def test_members_by_id(client, club):
    result = client.simulate_get(f"/v2/groups/members/{club.varsity.id}", headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["group"] == group_path(club)
    assert [(m["username"], m["user"], m["status"]) for m in body["group_members"]] == [
        ("alice", "user", "accepted"),
        ("coach", "admin", "accepted"),
    ]
    alice = body["group_members"][0]
    assert (
        alice["first"] == "Alice" and alice["member_since"] and alice["self"] == "/v2/users/alice"
    )
    assert "email" not in result.text and "password" not in result.text


def test_members_by_names_include_pending(client, club):
    result = client.simulate_get("/v2/groups/members/riverdale/alumni", headers=club["bob"])
    assert result.status_code == 200
    assert result.json["group"] == "/v2/groups/riverdale/alumni"
    assert [(m["username"], m["status"]) for m in result.json["group_members"]] == [
        ("carol", "pending")
    ]


def test_member_management_links_only_for_group_admins(client, club):
    def managed(name):
        body = client.simulate_get(f"/v2/groups/members/{club.varsity.id}", headers=club[name]).json
        return {a for m in body["group_members"] for a in actions(m)}

    alice = f"/v2/groups/members/{club.varsity.id}/alice"
    assert {("PUT", alice), ("DELETE", alice)} <= managed("coach")
    assert managed("root") == managed("coach")
    assert managed("alice") == set() and managed("bob") == set()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v2/groups/members/999999", 404),
        ("/v2/groups/members/abc", 400),
        ("/v2/groups/members/riverdale/nope", 404),
        ("/v2/groups/members/hilltop/varsity", 404),
    ],
)
def test_members_of_unknown_groups(client, club, path, status):
    assert client.simulate_get(path, headers=club["bob"]).status_code == status


def test_members_need_a_token(client, club):
    assert client.simulate_get(f"/v2/groups/members/{club.varsity.id}").status_code == 401
    assert client.simulate_get("/v2/groups/members/riverdale/varsity").status_code == 401


def test_members_page(client, club):
    result = client.simulate_get(
        f"/v2/groups/members/{club.varsity.id}",
        params={"limit": 1, "offset": 1},
        headers=club["bob"],
    )
    assert [m["username"] for m in result.json["group_members"]] == ["coach"]
    assert result.json["total"] == 2


# -- change a membership ------------------------------------------------------------------------


@pytest.fixture
def dave(club, make, login):
    """A runner waiting to join varsity (and so the team)."""
    make.user("dave", first="Dave", last="Diaz")
    make.team_member("riverdale", "dave", status="pending")
    make.group_member(club.varsity, "dave", status="pending")
    return f"/v2/groups/members/{club.varsity.id}/dave"


def test_group_admin_accepts_a_member_and_the_team_follows(client, club, dave, db):
    result = client.simulate_put(
        dave, json={"status": "accepted", "user": "user"}, headers=club["coach"]
    )
    assert result.status_code == 200, result.json
    assert result.json["updated"] is True
    member = result.json["group_member"]
    assert (member["username"], member["status"], member["user"]) == ("dave", "accepted", "user")
    assert member["group_id"] == club.varsity.id and member["self"] == dave
    team = db.scalar(select(TeamMember).where(TeamMember.username == "dave"))
    db.refresh(team)
    assert team.status == "accepted" and team.modified_user == "coach"
    same = client.simulate_put(
        dave, json={"status": "accepted", "user": "user"}, headers=club["coach"]
    )
    assert same.status_code == 200 and same.json["updated"] is False


def test_group_admin_promotes_a_member_who_may_then_edit(client, club):
    path = f"/v2/groups/members/{club.varsity.id}/alice"
    result = client.simulate_put(
        path, json={"status": "accepted", "user": "admin"}, headers=club["coach"]
    )
    assert result.status_code == 200 and result.json["group_member"]["user"] == "admin"
    edit = client.simulate_put(
        group_path(club), json={"description": "alice"}, headers=club["alice"]
    )
    assert edit.status_code == 200


def test_echoed_member_row_is_accepted(client, club, dave):
    row = next(
        m
        for m in client.simulate_get(
            f"/v2/groups/members/{club.varsity.id}", headers=club["coach"]
        ).json["group_members"]
        if m["username"] == "dave"
    )
    row["status"] = "accepted"
    assert client.simulate_put(dave, json=row, headers=club["coach"]).status_code == 200


@pytest.mark.parametrize("caller", ["alice", "bob", "carol"])
def test_non_admins_may_not_change_memberships(client, club, dave, caller):
    body = {"status": "accepted", "user": "admin"}
    assert client.simulate_put(dave, json=body, headers=club[caller]).status_code == 403
    assert client.simulate_delete(dave, headers=club[caller]).status_code == 403


def test_site_admin_changes_any_membership(client, club):
    path = f"/v2/groups/members/{club.alumni.id}/carol"
    result = client.simulate_put(
        path, json={"status": "accepted", "user": "user"}, headers=club["root"]
    )
    assert result.status_code == 200 and result.json["group_member"]["status"] == "accepted"


def test_membership_changes_need_a_token(client, club, dave):
    assert client.simulate_put(dave, json={"status": "accepted", "user": "user"}).status_code == 401
    assert client.simulate_delete(dave).status_code == 401


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v2/groups/members/{v}/bob", 404),
        ("/v2/groups/members/999999/alice", 404),
        ("/v2/groups/members/abc/alice", 400),
        ("/v2/groups/members/{v}/nobody", 404),
    ],
)
def test_change_unknown_memberships(client, club, path, status):
    path = path.format(v=club.varsity.id)
    body = {"status": "accepted", "user": "user"}
    assert client.simulate_put(path, json=body, headers=club["root"]).status_code == status
    assert client.simulate_delete(path, headers=club["root"]).status_code == status


def test_non_admin_learns_nothing_about_memberships(client, club):
    path = f"/v2/groups/members/{club.varsity.id}/nobody"
    assert client.simulate_delete(path, headers=club["bob"]).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"status": "accepted"},
        {"status": "approved", "user": "user"},
        {"status": "accepted", "user": "owner"},
        {"status": None, "user": None},
    ],
)
def test_change_membership_bad_bodies_are_400(client, club, dave, body):
    result = client.simulate_put(dave, json=body, headers=club["coach"])
    assert result.status_code == 400 and result.json["errors"]


def test_stale_if_match_on_a_membership_is_412(client, club, dave):
    result = client.simulate_put(
        dave,
        json={"status": "accepted", "user": "user"},
        headers={**club["coach"], "If-Match": '"99"'},
    )
    assert result.status_code == 412


# -- remove a membership ------------------------------------------------------------------------


def test_removing_the_last_group_in_a_team_leaves_the_team(client, club, db):
    path = f"/v2/groups/members/{club.varsity.id}/alice"
    result = client.simulate_delete(path, headers=club["coach"])
    assert result.status_code == 204 and result.text == ""
    members = client.simulate_get(
        f"/v2/groups/members/{club.varsity.id}", headers=club["coach"]
    ).json
    assert "alice" not in {m["username"] for m in members["group_members"]}
    team = client.simulate_get("/v2/teams/members/riverdale", headers=club["coach"]).json
    assert "alice" not in {m["username"] for m in team["team_members"]}
    row = db.scalar(select(GroupMember).where(GroupMember.username == "alice"))
    db.refresh(row)
    assert row.deleted is True and row.deleted_user == "coach"
    assert client.simulate_delete(path, headers=club["coach"]).status_code == 404


def test_removing_one_of_two_groups_keeps_the_team(client, club, make):
    make.group_member(club.alumni, "alice")
    path = f"/v2/groups/members/{club.varsity.id}/alice"
    assert client.simulate_delete(path, headers=club["root"]).status_code == 204
    teams = client.simulate_get("/v2/users/teams/alice", headers=club["alice"]).json["teams"]
    assert [t["team_name"] for t in teams] == ["riverdale"]


# -- snapshot -----------------------------------------------------------------------------------


def test_snapshot_without_logs_has_zero_statistics(client, club):
    result = client.simulate_get("/v2/groups/snapshot/riverdale/varsity", headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/groups/snapshot/riverdale/varsity"
    assert body["group"] == "/v2/groups/riverdale/varsity"
    snapshot = body["group_snapshot"]
    assert snapshot["id"] == club.varsity.id and snapshot["group_name"] == "varsity"
    assert [m["username"] for m in snapshot["members"]] == ["alice", "coach"]
    assert set(snapshot["statistics"].values()) == {0.0} and len(snapshot["statistics"]) == 12
    assert "grouppic" not in snapshot


def test_snapshot_statistics_count_accepted_members_only(client, club, make):
    make.log("alice", distance=5, metric="miles", time="0:40:00", feel=6)
    make.log("carol", distance=9, metric="miles", time="1:10:00", feel=3)
    make.group_member(club.varsity, "carol", status="pending")
    stats = client.simulate_get("/v2/groups/snapshot/riverdale/varsity", headers=club["bob"]).json[
        "group_snapshot"
    ]["statistics"]
    assert stats["miles_all_time"] == 5.0 and stats["run_miles_all_time"] == 5.0
    assert stats["feel_all_time"] == 6.0
    assert (
        stats
        == client.simulate_get(
            f"/v2/groups/statistics/{club.varsity.id}", headers=club["bob"]
        ).json["stats"]
    )


def test_snapshot_of_unknown_group_is_404(client, club):
    assert (
        client.simulate_get("/v2/groups/snapshot/riverdale/nope", headers=club["bob"]).status_code
        == 404
    )


def test_snapshot_needs_a_token(client, club):
    assert client.simulate_get("/v2/groups/snapshot/riverdale/varsity").status_code == 401


def test_snapshot_never_contains_credentials(client, club):
    text = client.simulate_get("/v2/groups/snapshot/riverdale/varsity", headers=club["root"]).text
    assert "$2b$" not in text and '"password"' not in text and '"activation_code"' not in text


# -- discovery ----------------------------------------------------------------------------------


def test_groups_links_document_lists_every_endpoint(client):
    endpoints = client.simulate_get("/v2/groups/links").json["endpoints"]
    pairs = {(e["link"], e["verb"]) for e in endpoints}
    assert {
        ("/v2/groups", "GET"),
        ("/v2/groups", "POST"),
        ("/v2/groups/{key}", "GET"),
        ("/v2/groups/{key}", "PUT"),
        ("/v2/groups/{key}", "PATCH"),
        ("/v2/groups/{key}/{group_name}", "GET"),
        ("/v2/groups/{key}/{group_name}", "PUT"),
        ("/v2/groups/team/{group_id}", "GET"),
        ("/v2/groups/members/{key}", "GET"),
        ("/v2/groups/members/{key}/{second}", "GET"),
        ("/v2/groups/members/{key}/{second}", "PUT"),
        ("/v2/groups/members/{key}/{second}", "DELETE"),
        ("/v2/groups/snapshot/{key}/{group_name}", "GET"),
    } <= pairs


def test_the_model_keeps_teamgroups_in_step(client, club, db):
    result = client.simulate_post("/v2/groups", json=NEW_GROUP, headers=club["coach"])
    new_id = result.json["group"]["id"]
    row = db.scalar(select(TeamGroup).where(TeamGroup.group_id == new_id))
    assert (row.team_name, row.group_name, row.created_user) == ("riverdale", "juniors", "coach")
    assert db.get(Group, new_id).created_user == "coach"


ODD = ("%00", "a" * 300, "' OR 1=1 --", "😀", "-1", "1.5", "NaN")


@pytest.mark.parametrize("value", ODD)
def test_odd_path_values_never_500(client, club, value):
    from urllib.parse import quote

    v = quote(value, safe="")
    paths = [
        f"/v2/groups/{v}",
        f"/v2/groups/{v}/{v}",
        f"/v2/groups/team/{v}",
        f"/v2/groups/members/{v}",
        f"/v2/groups/members/{v}/{v}",
        f"/v2/groups/snapshot/{v}/{v}",
        f"/v2/teams/{v}",
        f"/v2/teams/members/{v}",
        f"/v2/teams/groups/{v}",
        f"/v2/teams/search/{v}/5",
        f"/v2/users/groups/{v}",
        f"/v2/users/teams/{v}",
        f"/v2/users/memberships/{v}",
        f"/v2/users/snapshot/{v}",
        f"/v2/activation_code/{v}",
        f"/v2/activation_code/exists/{v}",
        f"/v2/forgot_password/validate/{v}",
    ]
    for path in paths:
        result = client.simulate_get(path, headers=club["root"])
        assert result.status_code in (200, 400, 404), (path, result.status_code)
    for path in (f"/v2/groups/{v}", f"/v2/groups/members/{v}/{v}"):
        result = client.simulate_put(
            path, json={"status": "accepted", "user": "user"}, headers=club["root"]
        )
        assert result.status_code in (400, 404), (path, result.status_code)
