"""Teams: list, read, members, groups, search, create (site admins), approve (team admins)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import TeamMember
from tests.resources.conftest import actions, hrefs

NEW_TEAM = {"name": "lakeside", "title": "Lakeside Track Club", "week_start": "sunday"}


# -- list ---------------------------------------------------------------------------------------


def test_list_needs_a_token(client, club):
    assert client.simulate_get("/v2/teams").status_code == 401


def test_list_pages_teams_with_total_and_links(client, club):
    result = client.simulate_get("/v2/teams", params={"limit": 1}, headers=club["alice"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/teams?limit=1&offset=0"
    assert body["total"] == 2 and [team["name"] for team in body["teams"]] == ["hilltop"]
    team = body["teams"][0]
    assert team["self"] == "/v2/teams/hilltop" and team["title"] == "Hilltop Harriers"
    assert team["deleted"] is False and team["week_start"] == "monday"
    assert '</v2/teams?limit=1&offset=1>; rel="next"' in result.headers["link"]
    assert "/v2/teams/members/hilltop" in hrefs(team)


def test_list_filters_by_text_on_name_or_title(client, club):
    body = client.simulate_get(
        "/v2/teams", params={"contains": "HARRIER"}, headers=club["alice"]
    ).json
    assert [team["name"] for team in body["teams"]] == ["hilltop"]
    body = client.simulate_get(
        "/v2/teams", params={"starts_with": "river"}, headers=club["alice"]
    ).json
    assert [team["name"] for team in body["teams"]] == ["riverdale"]
    body = client.simulate_get("/v2/teams", params={"contains": "%"}, headers=club["alice"]).json
    assert body["teams"] == [] and body["total"] == 0


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "201"}, {"offset": "x"}, {"contains": "x" * 51}]
)
def test_list_bad_parameters_are_400(client, club, params):
    assert client.simulate_get("/v2/teams", params=params, headers=club["alice"]).status_code == 400


def test_create_link_only_for_site_admins(client, club):
    for name in ("alice", "coach"):
        body = client.simulate_get("/v2/teams", headers=club[name]).json
        assert ("POST", "/v2/teams") not in actions(body)
    body = client.simulate_get("/v2/teams", headers=club["root"]).json
    assert ("POST", "/v2/teams") in actions(body)


def test_soft_deleted_teams_are_hidden(client, club, db):
    club.other_team.deleted = True
    db.commit()
    body = client.simulate_get("/v2/teams", headers=club["alice"]).json
    assert [team["name"] for team in body["teams"]] == ["riverdale"]
    assert client.simulate_get("/v2/teams/hilltop", headers=club["alice"]).status_code == 404


# -- one team -----------------------------------------------------------------------------------


def test_get_a_team(client, club):
    result = client.simulate_get("/v2/teams/riverdale", headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/teams/riverdale"
    assert body["team"]["title"] == "Riverdale Running"
    assert result.headers["etag"]
    assert {"/v2/teams/members/riverdale", "/v2/teams/groups/riverdale"} <= hrefs(body["team"])


def test_get_unknown_team_is_404(client, club):
    assert client.simulate_get("/v2/teams/nowhere", headers=club["bob"]).status_code == 404


def test_get_team_needs_a_token(client, club):
    assert client.simulate_get("/v2/teams/riverdale").status_code == 401


def test_if_none_match_gives_304(client, club):
    etag = client.simulate_get("/v2/teams/riverdale", headers=club["bob"]).headers["etag"]
    again = client.simulate_get(
        "/v2/teams/riverdale", headers={**club["bob"], "If-None-Match": etag}
    )
    assert again.status_code == 304


def test_group_create_link_only_for_team_admins_and_site_admins(client, club):
    def can_create(name):
        team = client.simulate_get("/v2/teams/riverdale", headers=club[name]).json["team"]
        return ("POST", "/v2/groups") in actions(team)

    assert can_create("coach") and can_create("root")
    assert not can_create("alice") and not can_create("bob") and not can_create("carol")


# -- members ------------------------------------------------------------------------------------


def test_members_of_any_status(client, club):
    result = client.simulate_get("/v2/teams/members/riverdale", headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["group"] == body["team"] == "/v2/teams/riverdale"  # legacy key kept
    members = {member["username"]: member for member in body["team_members"]}
    assert set(members) == {"alice", "carol", "coach"}
    assert members["carol"]["status"] == "pending" and members["coach"]["user"] == "admin"
    assert members["alice"]["self"] == "/v2/users/alice"
    assert members["alice"]["member_since"].count("-") == 2 and members["alice"]["deleted"] is False
    assert body["total"] == 3
    assert "email" not in result.text and "password" not in result.text


def test_members_hide_deleted_users_and_memberships(client, club, db):
    row = db.scalar(select(TeamMember).where(TeamMember.username == "carol"))
    row.deleted = True
    db.commit()
    body = client.simulate_get("/v2/teams/members/riverdale", headers=club["bob"]).json
    assert {member["username"] for member in body["team_members"]} == {"alice", "coach"}


def test_members_of_unknown_team_is_404(client, club):
    assert client.simulate_get("/v2/teams/members/nowhere", headers=club["bob"]).status_code == 404


def test_members_need_a_token(client, club):
    assert client.simulate_get("/v2/teams/members/riverdale").status_code == 401


def test_approve_links_only_for_team_admins_on_pending_members(client, club):
    def approve_links(name):
        body = client.simulate_get("/v2/teams/members/riverdale", headers=club[name]).json
        return {
            member["username"]
            for member in body["team_members"]
            if ("POST", "/v2/teams/members/riverdale") in actions(member)
        }

    assert approve_links("coach") == {"carol"} and approve_links("root") == {"carol"}
    assert approve_links("alice") == set() and approve_links("bob") == set()


# -- approve ------------------------------------------------------------------------------------


def test_team_admin_approves_a_pending_member(client, club):
    result = client.simulate_post(
        "/v2/teams/members/riverdale", json={"username": "carol"}, headers=club["coach"]
    )
    assert result.status_code == 200, result.json
    assert result.json["updated"] is True
    assert result.json["team_member"]["status"] == "accepted"
    assert result.json["team_member"]["user"] == "user"
    again = client.simulate_post(
        "/v2/teams/members/riverdale", json={"username": "carol"}, headers=club["coach"]
    )
    assert again.status_code == 200 and again.json["updated"] is False
    teams = client.simulate_get("/v2/users/teams/carol", headers=club["carol"]).json["teams"]
    assert teams[0]["status"] == "accepted"


def test_site_admin_approves_and_promotes(client, club):
    result = client.simulate_post(
        "/v2/teams/members/riverdale",
        json={"username": "alice", "user": "admin"},
        headers=club["root"],
    )
    assert result.status_code == 200 and result.json["updated"] is True
    assert result.json["team_member"]["user"] == "admin"
    # alice now runs the team: she may create groups in it.
    team = client.simulate_get("/v2/teams/riverdale", headers=club["alice"]).json["team"]
    assert ("POST", "/v2/groups") in actions(team)


@pytest.mark.parametrize("caller", ["alice", "bob", "carol"])
def test_others_may_not_approve(client, club, caller):
    result = client.simulate_post(
        "/v2/teams/members/riverdale", json={"username": "carol"}, headers=club[caller]
    )
    assert result.status_code == 403


def test_admin_of_another_team_may_not_approve(client, club, make, login):
    make.team_member("hilltop", "bob", role="admin")
    result = client.simulate_post(
        "/v2/teams/members/riverdale", json={"username": "carol"}, headers=club["bob"]
    )
    assert result.status_code == 403


def test_approve_needs_a_token(client, club):
    result = client.simulate_post("/v2/teams/members/riverdale", json={"username": "carol"})
    assert result.status_code == 401


@pytest.mark.parametrize("username", ["bob", "nobody"])
def test_approve_someone_who_did_not_ask_is_400(client, club, username):
    result = client.simulate_post(
        "/v2/teams/members/riverdale", json={"username": username}, headers=club["coach"]
    )
    assert result.status_code == 400
    assert result.json["errors"] == [
        {"path": "/username", "message": "has not asked to join this team"}
    ]


def test_approve_in_unknown_team_is_404(client, club):
    result = client.simulate_post(
        "/v2/teams/members/nowhere", json={"username": "carol"}, headers=club["root"]
    )
    assert result.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "carol", "user": "owner"},
        {"username": "carol", "status": "x"},
        {"username": 5},
    ],
)
def test_approve_bad_bodies_are_400(client, club, body):
    result = client.simulate_post("/v2/teams/members/riverdale", json=body, headers=club["coach"])
    assert result.status_code == 400 and result.json["errors"]


# -- groups of a team ---------------------------------------------------------------------------


def test_groups_of_a_team(client, club):
    result = client.simulate_get("/v2/teams/groups/riverdale", headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["group"] == "/v2/teams/riverdale"
    groups = {group["group_name"]: group for group in body["team_groups"]}
    assert set(groups) == {"varsity", "alumni"}
    assert groups["varsity"]["self"] == f"/v2/groups/{club.varsity.id}"
    assert groups["varsity"]["week_start"] == "sunday" and groups["varsity"]["deleted"] is False
    assert "grouppic" not in groups["varsity"]


def test_groups_of_unknown_team_is_404(client, club):
    assert client.simulate_get("/v2/teams/groups/nowhere", headers=club["bob"]).status_code == 404


def test_team_without_groups_lists_none(client, club, make):
    make.team("empty")
    body = client.simulate_get("/v2/teams/groups/empty", headers=club["bob"]).json
    assert body["team_groups"] == [] and body["total"] == 0


def test_groups_need_a_token(client, club):
    assert client.simulate_get("/v2/teams/groups/riverdale").status_code == 401


# -- search -------------------------------------------------------------------------------------


def test_search_by_name_or_title(client, club):
    result = client.simulate_get("/v2/teams/search/RUNNING/10", headers=club["bob"])
    assert result.status_code == 200
    assert result.json["self"] == "/v2/teams/search/RUNNING/10"
    assert [team["name"] for team in result.json["teams"]] == ["riverdale"]
    both = client.simulate_get("/v2/teams/search/e/1", headers=club["bob"]).json
    assert len(both["teams"]) == 1


def test_search_without_results_keeps_the_legacy_message(client, club):
    body = client.simulate_get("/v2/teams/search/zzz/5", headers=club["bob"]).json
    assert body["teams"] == [] and body["message"] == "no teams were found with the provided text"


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "9999999999"])
def test_search_limit_out_of_range_is_400(client, club, limit):
    result = client.simulate_get(f"/v2/teams/search/river/{limit}", headers=club["bob"])
    assert result.status_code == 400


def test_search_needs_a_token(client, club):
    assert client.simulate_get("/v2/teams/search/river/5").status_code == 401


# -- create -------------------------------------------------------------------------------------


def test_site_admin_creates_a_team(client, club):
    result = client.simulate_post("/v2/teams", json=NEW_TEAM, headers=club["root"])
    assert result.status_code == 201, result.json
    assert result.headers["location"] == "/v2/teams/lakeside"
    assert result.json["added"] is True and result.json["team"]["title"] == "Lakeside Track Club"
    read = client.simulate_get("/v2/teams/lakeside", headers=club["bob"]).json
    assert read["team"]["week_start"] == "sunday"


def test_create_with_a_trailing_slash(client, club):
    result = client.simulate_post("/v2/teams/", json=NEW_TEAM, headers=club["root"])
    assert result.status_code == 201


def test_duplicate_team_is_409(client, club):
    result = client.simulate_post(
        "/v2/teams", json={**NEW_TEAM, "name": "riverdale"}, headers=club["root"]
    )
    assert result.status_code == 409


@pytest.mark.parametrize("caller", ["alice", "coach"])
def test_only_site_admins_create_teams(client, club, caller):
    assert client.simulate_post("/v2/teams", json=NEW_TEAM, headers=club[caller]).status_code == 403


def test_create_team_needs_a_token(client, club):
    assert client.simulate_post("/v2/teams", json=NEW_TEAM).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x"},
        {**NEW_TEAM, "name": "has space"},
        {**NEW_TEAM, "name": "x" * 32},
        {**NEW_TEAM, "name": "members"},
        {**NEW_TEAM, "name": "links"},
        {**NEW_TEAM, "week_start": "tuesday"},
        {**NEW_TEAM, "deleted": True},
        {**NEW_TEAM, "title": ""},
    ],
)
def test_create_team_bad_bodies_are_400(client, club, body):
    result = client.simulate_post("/v2/teams", json=body, headers=club["root"])
    assert result.status_code == 400 and result.json["errors"]


def test_teams_links_document(client):
    endpoints = client.simulate_get("/v2/teams/links").json["endpoints"]
    pairs = {(entry["link"], entry["verb"]) for entry in endpoints}
    assert {
        ("/v2/teams", "GET"),
        ("/v2/teams", "POST"),
        ("/v2/teams/{team_name}", "GET"),
        ("/v2/teams/members/{team_name}", "GET"),
        ("/v2/teams/members/{team_name}", "POST"),
        ("/v2/teams/groups/{team_name}", "GET"),
        ("/v2/teams/search/{text}/{limit}", "GET"),
    } <= pairs
