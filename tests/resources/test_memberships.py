"""A user's memberships: groups, teams, both nested, the join/leave PUT, and the user snapshot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import GroupMember, TeamMember
from tests.resources.conftest import actions


def memberships(client, club, username, caller="alice"):
    return client.simulate_get(f"/v2/users/memberships/{username}", headers=club[caller]).json[
        "memberships"
    ]


# -- reads --------------------------------------------------------------------------------------


def test_groups_of_a_user(client, club):
    result = client.simulate_get("/v2/users/groups/carol", headers=club["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/users/groups/carol"
    assert body["groups"] == [
        {
            "self": f"/v2/groups/{club.alumni.id}",
            "id": club.alumni.id,
            "group_name": "alumni",
            "group_title": "Alumni",
            "team_name": "riverdale",
            "status": "pending",
            "user": "user",
            "links": body["groups"][0]["links"],
        }
    ]


def test_teams_of_a_user(client, club):
    result = client.simulate_get("/v2/users/teams/coach", headers=club["bob"])
    assert result.status_code == 200
    teams = result.json["teams"]
    assert [(t["team_name"], t["title"], t["status"], t["user"]) for t in teams] == [
        ("riverdale", "Riverdale Running", "accepted", "admin")
    ]
    assert teams[0]["self"] == "/v2/teams/riverdale"


def test_user_without_memberships_has_empty_lists(client, club):
    assert client.simulate_get("/v2/users/groups/bob", headers=club["bob"]).json["groups"] == []
    assert client.simulate_get("/v2/users/teams/bob", headers=club["bob"]).json["teams"] == []
    assert memberships(client, club, "bob") == []


def test_memberships_nest_groups_in_teams(client, club):
    result = memberships(client, club, "alice", caller="bob")
    assert result == [
        {
            "self": "/v2/teams/riverdale",
            "team_name": "riverdale",
            "title": "Riverdale Running",
            "status": "accepted",
            "user": "user",
            "groups": [
                {
                    "self": f"/v2/groups/{club.varsity.id}",
                    "group_name": "varsity",
                    "group_title": "Varsity",
                    "group_id": club.varsity.id,
                    "status": "accepted",
                    "user": "user",
                }
            ],
            "links": result[0]["links"],
        }
    ]


@pytest.mark.parametrize("kind", ["groups", "teams", "memberships", "snapshot"])
def test_reads_of_unknown_users_are_404(client, club, kind):
    assert client.simulate_get(f"/v2/users/{kind}/nobody", headers=club["bob"]).status_code == 404


@pytest.mark.parametrize("kind", ["groups", "teams", "memberships", "snapshot"])
def test_reads_need_a_token(client, club, kind):
    assert client.simulate_get(f"/v2/users/{kind}/alice").status_code == 401


def test_deleted_memberships_are_hidden(client, club, db):
    row = db.scalar(select(GroupMember).where(GroupMember.username == "alice"))
    row.deleted = True
    db.commit()
    assert client.simulate_get("/v2/users/groups/alice", headers=club["bob"]).json["groups"] == []


def test_update_link_only_for_the_user_and_site_admins(client, club):
    def can_update(caller):
        body = client.simulate_get("/v2/users/memberships/alice", headers=club[caller]).json
        return ("PUT", "/v2/users/memberships/alice") in actions(body)

    assert can_update("alice") and can_update("root")
    assert not can_update("bob") and not can_update("coach")


def test_user_items_link_to_memberships_and_snapshot(client, club):
    user = client.simulate_get("/v2/users/alice", headers=club["alice"]).json["user"]
    hrefs = {(link["method"], link["href"]) for link in user["links"]}
    assert {
        ("GET", "/v2/users/snapshot/alice"),
        ("GET", "/v2/users/memberships/alice"),
        ("PUT", "/v2/users/memberships/alice"),
    } <= hrefs
    seen_by_bob = client.simulate_get("/v2/users/alice", headers=club["bob"]).json["user"]
    assert ("PUT", "/v2/users/memberships/alice") not in {
        (link["method"], link["href"]) for link in seen_by_bob["links"]
    }


# -- join and leave -----------------------------------------------------------------------------


def test_join_a_team_and_a_group_as_pending(client, club):
    body = {
        "teams_joined": ["hilltop"],
        "groups_joined": [{"team_name": "hilltop", "group_name": "hill"}],
    }
    result = client.simulate_put("/v2/users/memberships/bob", json=body, headers=club["bob"])
    assert result.status_code == 200, result.json
    assert result.json["updated"] is True
    assert result.json["memberships"] == memberships(client, club, "bob")
    (team,) = result.json["memberships"]
    assert (team["team_name"], team["status"], team["user"]) == ("hilltop", "pending", "user")
    assert [(g["group_name"], g["status"]) for g in team["groups"]] == [("hill", "pending")]
    again = client.simulate_put("/v2/users/memberships/bob", json=body, headers=club["bob"])
    assert again.status_code == 200 and again.json["updated"] is False


def test_joining_a_group_asks_to_join_its_team_too(client, club):
    body = {"groups_joined": [{"team_name": "hilltop", "group_name": "hill"}]}
    result = client.simulate_put("/v2/users/memberships/bob", json=body, headers=club["bob"])
    assert result.status_code == 200
    assert [t["team_name"] for t in result.json["memberships"]] == ["hilltop"]


def test_joining_never_demotes_an_accepted_admin(client, club):
    body = {
        "teams_joined": ["riverdale"],
        "groups_joined": [{"team_name": "riverdale", "group_name": "varsity"}],
    }
    result = client.simulate_put("/v2/users/memberships/coach", json=body, headers=club["coach"])
    assert result.status_code == 200 and result.json["updated"] is False
    (team,) = result.json["memberships"]
    assert (team["status"], team["user"]) == ("accepted", "admin")
    assert (team["groups"][0]["status"], team["groups"][0]["user"]) == ("accepted", "admin")


def test_leave_a_group(client, club):
    body = {"groups_left": [{"team_name": "riverdale", "group_name": "varsity"}]}
    result = client.simulate_put("/v2/users/memberships/alice", json=body, headers=club["alice"])
    assert result.status_code == 200 and result.json["updated"] is True
    (team,) = result.json["memberships"]
    assert team["groups"] == []  # legacy: leaving a group keeps the team


def test_leaving_a_team_leaves_its_groups(client, club, db):
    result = client.simulate_put(
        "/v2/users/memberships/alice", json={"teams_left": ["riverdale"]}, headers=club["alice"]
    )
    assert result.status_code == 200 and result.json["memberships"] == []
    rows = db.scalars(select(GroupMember).where(GroupMember.username == "alice")).all()
    for row in rows:
        db.refresh(row)
    assert rows and all(row.deleted and row.deleted_user == "alice" for row in rows)


def test_rejoining_revives_the_old_rows_as_pending(client, club, db):
    client.simulate_put(
        "/v2/users/memberships/alice", json={"teams_left": ["riverdale"]}, headers=club["alice"]
    )
    body = {"groups_joined": [{"team_name": "riverdale", "group_name": "varsity"}]}
    result = client.simulate_put("/v2/users/memberships/alice", json=body, headers=club["alice"])
    assert result.status_code == 200
    (team,) = result.json["memberships"]
    assert team["status"] == "pending" and team["groups"][0]["status"] == "pending"
    assert len(db.scalars(select(TeamMember).where(TeamMember.username == "alice")).all()) == 1


def test_empty_body_object_changes_nothing(client, club):
    result = client.simulate_put("/v2/users/memberships/alice", json={}, headers=club["alice"])
    assert result.status_code == 200 and result.json["updated"] is False


def test_unknown_teams_and_groups_fail_the_whole_request(client, club):
    body = {
        "teams_joined": ["hilltop", "nowhere"],
        "groups_joined": [{"team_name": "riverdale", "group_name": "hill"}],
        "groups_left": [{"team_name": "riverdale", "group_name": "varsity"}],
    }
    result = client.simulate_put("/v2/users/memberships/alice", json=body, headers=club["alice"])
    assert result.status_code == 400
    assert {e["path"] for e in result.json["errors"]} == {"/teams_joined/1", "/groups_joined/0"}
    # Nothing was applied: alice is still in varsity and not in hilltop.
    (team,) = memberships(client, club, "alice")
    assert team["team_name"] == "riverdale" and team["groups"][0]["group_name"] == "varsity"


def test_joining_and_leaving_the_same_team_is_400(client, club):
    body = {"teams_joined": ["hilltop"], "teams_left": ["hilltop"]}
    result = client.simulate_put("/v2/users/memberships/alice", json=body, headers=club["alice"])
    assert result.status_code == 400 and result.json["errors"][0]["path"] == "/teams_joined/0"


@pytest.mark.parametrize(
    "body",
    [
        {"teams_joined": "hilltop"},
        {"groups_joined": ["hill"]},
        {"groups_joined": [{"team_name": "hilltop"}]},
        {"teams_joined": [""]},
        {"clubs_joined": []},
        [],
    ],
)
def test_bad_bodies_are_400(client, club, body):
    result = client.simulate_put("/v2/users/memberships/alice", json=body, headers=club["alice"])
    assert result.status_code == 400


def test_only_the_user_changes_their_memberships(client, club):
    body = {"teams_joined": ["hilltop"]}
    assert (
        client.simulate_put(
            "/v2/users/memberships/alice", json=body, headers=club["bob"]
        ).status_code
        == 403
    )
    assert (
        client.simulate_put(
            "/v2/users/memberships/alice", json=body, headers=club["coach"]
        ).status_code
        == 403
    )
    assert client.simulate_put("/v2/users/memberships/alice", json=body).status_code == 401
    by_root = client.simulate_put("/v2/users/memberships/alice", json=body, headers=club["root"])
    assert by_root.status_code == 200
    assert {t["team_name"]: t["status"] for t in by_root.json["memberships"]}[
        "hilltop"
    ] == "pending"


def test_unknown_user_is_404_for_a_site_admin(client, club):
    result = client.simulate_put("/v2/users/memberships/nobody", json={}, headers=club["root"])
    assert result.status_code == 404


def test_a_join_request_then_approval(client, club):
    """The membership flow end to end: ask, see it pending, the group admin accepts."""
    body = {"groups_joined": [{"team_name": "riverdale", "group_name": "varsity"}]}
    client.simulate_put("/v2/users/memberships/bob", json=body, headers=club["bob"])
    path = f"/v2/groups/members/{club.varsity.id}/bob"
    accepted = client.simulate_put(
        path, json={"status": "accepted", "user": "user"}, headers=club["coach"]
    )
    assert accepted.status_code == 200
    (team,) = memberships(client, club, "bob")
    assert team["status"] == "accepted" and team["groups"][0]["status"] == "accepted"


# -- snapshot -----------------------------------------------------------------------------------


def test_own_snapshot_has_everything_private_too(client, club, make):
    make.flair("alice", "Fastest")
    make.notification("alice", "Bob liked your run")
    make.log("alice", distance=3, metric="miles", time="0:24:00", feel=7)
    make.reset_code("alice", "SECRET12")
    make.code("alice@example.com", club.varsity, created_user="coach", code="INVITE77")
    result = client.simulate_get("/v2/users/snapshot/alice", headers=club["alice"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/users/snapshot/alice"
    user = body["user"]
    assert user["username"] == "alice" and user["email"] == "alice@example.com"
    (group,) = user["groups"]
    assert (group["group_name"], group["status"], group["user"]) == ("varsity", "accepted", "user")
    assert group["newest_log"] and group["newest_message"] is None
    assert [f["flair"] for f in user["flair"]] == ["Fastest"]
    assert [n["description"] for n in user["notifications"]] == ["Bob liked your run"]
    assert user["statistics"]["miles_all_time"] == 3.0
    assert "forgotpassword" not in user
    assert "SECRET12" not in result.text and "INVITE77" not in result.text
    assert "$2b$" not in result.text and '"password"' not in result.text


def test_snapshot_of_someone_else_hides_private_parts(client, club, make):
    make.notification("alice", "private")
    result = client.simulate_get("/v2/users/snapshot/alice", headers=club["bob"])
    user = result.json["user"]
    assert "notifications" not in user and "email" not in user and "role" not in user
    assert "private" not in result.text
    assert set(user["statistics"].values()) == {0.0}
    assert user["groups"][0]["newest_log"] is None


def test_site_admin_sees_the_private_parts(client, club, make):
    make.notification("alice", "for alice")
    user = client.simulate_get("/v2/users/snapshot/alice", headers=club["root"]).json["user"]
    assert user["email"] == "alice@example.com" and len(user["notifications"]) == 1


def test_snapshot_by_email_names_the_real_user(client, club):
    # E-mail is private: only its owner and site admins may look a user up by it.
    for who in ("alice", "root"):
        result = client.simulate_get("/v2/users/snapshot/alice@example.com", headers=club[who])
        assert result.status_code == 200 and result.json["self"] == "/v2/users/snapshot/alice"
    other = client.simulate_get("/v2/users/snapshot/alice@example.com", headers=club["bob"])
    assert other.status_code == 404


def test_newest_log_counts_accepted_members_only(client, club, make):
    make.log("carol", distance=1, metric="miles", time="0:08:00")
    groups = client.simulate_get("/v2/users/snapshot/carol", headers=club["carol"]).json["user"][
        "groups"
    ]
    assert groups[0]["group_name"] == "alumni" and groups[0]["newest_log"] is None


def test_users_links_document_lists_membership_endpoints(client):
    endpoints = client.simulate_get("/v2/users/links").json["endpoints"]
    pairs = {(e["link"], e["verb"]) for e in endpoints}
    assert {
        ("/v2/users/groups/{username}", "GET"),
        ("/v2/users/teams/{username}", "GET"),
        ("/v2/users/memberships/{username}", "GET"),
        ("/v2/users/memberships/{username}", "PUT"),
        ("/v2/users/snapshot/{username}", "GET"),
        ("/v2/users", "POST"),
        ("/v2/users/{username}/change_password", "PUT"),
    } <= pairs
