"""The log feed: all (your teams), group, user; paging with pages/prev/next and a Link header."""

from __future__ import annotations

import datetime as dt

import pytest

from models import User

DAY = dt.date(2024, 3, 1)


@pytest.fixture
def club(make, runners):
    """Team `club`: alice and bob accepted, carol pending; dave is on another team.

    Group `squad` (of club) has alice accepted and carol pending.
    """
    for name in ("carol", "dave"):
        make.user(name)
    make.team("club")
    make.team("other")
    for name, status in (("alice", "accepted"), ("bob", "accepted"), ("carol", "pending")):
        make.team_member("club", name, status=status)
    make.team_member("other", "dave")
    squad = make.group("squad", team="club")
    make.group_member(squad, "alice")
    make.group_member(squad, "carol", status="pending")
    return squad


def feed(client, headers, path):
    result = client.simulate_get(path, headers=headers)
    assert result.status_code == 200, result.json
    return result


def test_all_is_the_logs_of_your_teams_newest_first(client, runners, make, club):
    a1 = make.log("alice", date=DAY)
    b1 = make.log("bob", date=DAY + dt.timedelta(days=1))
    a2 = make.log("alice", date=DAY + dt.timedelta(days=1))
    make.log("carol", date=DAY)  # pending member
    make.log("dave", date=DAY)  # another team
    make.comment("bob", a1.log_id, "first")
    make.comment("alice", a1.log_id, "second")
    body = feed(client, runners["alice"], "/v2/log_feed/all/all/10/0").json
    # date DESC, then log_id DESC
    assert [log["log_id"] for log in body["logs"]] == [a2.log_id, b1.log_id, a1.log_id]
    assert [c["content"] for c in body["logs"][2]["comments"]] == ["second", "first"]
    assert (
        body["pages"] == 1 and body["total"] == 3 and body["next"] is None and body["prev"] is None
    )
    assert body["self"] == "/v2/log_feed/all/all/10/0"


def test_all_without_a_team_is_an_empty_200(client, runners, make, club):
    make.log("alice")
    result = feed(client, runners["root"], "/v2/log_feed/all/all/10/0")
    body = result.json
    assert body["logs"] == [] and body["pages"] == 0 and body["total"] == 0
    assert body["next"] is None and body["prev"] is None
    assert 'rel="first"' in result.headers["link"]


def test_all_hides_deleted_logs_and_users(client, runners, make, db, club):
    make.log("alice")
    gone = make.log("bob")
    gone.deleted = True
    db.merge(gone)
    make.log("bob")
    db.get(User, "bob").deleted = True
    db.commit()
    body = feed(client, runners["alice"], "/v2/log_feed/all/all/10/0").json
    assert [log["username"] for log in body["logs"]] == ["alice"]


@pytest.mark.parametrize("filter_by", ["group", "groups"])
def test_group_is_its_accepted_members(client, runners, make, club, filter_by):
    make.log("alice")
    make.log("carol")
    make.log("bob")
    body = feed(client, runners["bob"], f"/v2/log_feed/{filter_by}/{club.id}/10/0").json
    assert [log["username"] for log in body["logs"]] == ["alice"]


def test_an_empty_group_is_an_empty_200(client, runners, make):
    group = make.group("quiet")
    body = feed(client, runners["bob"], f"/v2/log_feed/group/{group.id}/10/0").json
    assert body["logs"] == [] and body["pages"] == 0


@pytest.mark.parametrize("filter_by", ["user", "users", "username"])
def test_user_is_that_users_logs(client, runners, make, filter_by):
    make.log("alice")
    make.log("bob")
    body = feed(client, runners["bob"], f"/v2/log_feed/{filter_by}/alice/10/0").json
    assert [log["username"] for log in body["logs"]] == ["alice"]
    assert body["logs"][0]["self"] == body["logs"][0]["log"]


def test_paging_is_correct_at_both_ends(client, runners, make):
    ids = [make.log("alice", date=DAY + dt.timedelta(days=n)).log_id for n in range(5)]
    newest_first = ids[::-1]
    first = feed(client, runners["bob"], "/v2/log_feed/user/alice/2/0")
    body = first.json
    assert [log["log_id"] for log in body["logs"]] == newest_first[:2]
    assert body["pages"] == 3 and body["prev"] is None
    assert body["next"] == "/v2/log_feed/user/alice/2/2"
    link = first.headers["link"]
    assert '</v2/log_feed/user/alice/2/2>; rel="next"' in link
    assert '</v2/log_feed/user/alice/2/4>; rel="last"' in link and 'rel="prev"' not in link
    last = feed(client, runners["bob"], "/v2/log_feed/user/alice/2/4").json
    assert [log["log_id"] for log in last["logs"]] == newest_first[4:]
    assert last["next"] is None and last["prev"] == "/v2/log_feed/user/alice/2/2"
    middle = feed(client, runners["bob"], "/v2/log_feed/user/alice/2/1").json
    assert (
        middle["prev"] == "/v2/log_feed/user/alice/2/0"
        and middle["next"] == "/v2/log_feed/user/alice/2/3"
    )
    exact = feed(client, runners["bob"], "/v2/log_feed/user/alice/5/0").json
    assert exact["pages"] == 1 and exact["next"] is None
    beyond = feed(client, runners["bob"], "/v2/log_feed/user/alice/2/10").json
    assert beyond["logs"] == [] and beyond["next"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/v2/log_feed/everyone/all/10/0",
        "/v2/log_feed/all/all/0/0",
        "/v2/log_feed/all/all/201/0",
        "/v2/log_feed/all/all/ten/0",
        "/v2/log_feed/all/all/10/-1",
        "/v2/log_feed/all/all/10/x",
        "/v2/log_feed/all/all/1e3/0",
        "/v2/log_feed/group/abc/10/0",
        "/v2/log_feed/group/99999999999/10/0",
    ],
)
def test_bad_parameters_are_400(client, runners, path):
    result = client.simulate_get(path, headers=runners["alice"])
    assert result.status_code == 400, result.json
    assert result.json["detail"]


def test_unknown_group_or_user_is_404(client, runners):
    assert (
        client.simulate_get("/v2/log_feed/group/999999/10/0", headers=runners["alice"]).status_code
        == 404
    )
    assert (
        client.simulate_get("/v2/log_feed/user/nobody/10/0", headers=runners["alice"]).status_code
        == 404
    )


def test_the_feed_needs_a_token(client):
    assert client.simulate_get("/v2/log_feed/all/all/10/0").status_code == 401


def test_the_limit_may_be_200(client, runners):
    assert (
        client.simulate_get("/v2/log_feed/all/all/200/0", headers=runners["alice"]).status_code
        == 200
    )


def test_a_feed_page_costs_the_same_queries_whatever_it_holds(
    client, runners, make, club, count_queries
):
    def page_queries(path):
        with count_queries() as statements:
            result = client.simulate_get(path, headers=runners["bob"])
        assert result.status_code == 200
        return len(statements), result.json

    make.log("alice", date=DAY - dt.timedelta(days=1))
    few_all, _ = page_queries("/v2/log_feed/all/all/10/0")
    few_group, _ = page_queries(f"/v2/log_feed/group/{club.id}/10/0")
    for n in range(12):
        log = make.log("alice", date=DAY + dt.timedelta(days=n))
        for k in range(2):
            make.comment("bob" if k else "alice", log.log_id, f"comment {k}")
    many_all, body = page_queries("/v2/log_feed/all/all/10/0")
    assert len(body["logs"]) == 10 and all(len(log["comments"]) == 2 for log in body["logs"])
    many_group, body = page_queries(f"/v2/log_feed/group/{club.id}/10/0")
    assert len(body["logs"]) == 10
    assert (many_all, many_group) == (few_all, few_group)


def test_the_links_document(client):
    body = client.simulate_get("/v2/log_feed/links").json
    assert {(e["link"], e["verb"]) for e in body["endpoints"]} == {
        ("/v2/log_feed/{filter_by}/{bucket}/{limit}/{offset}", "GET"),
        ("/v2/log_feed/links", "GET"),
    }
    assert client.simulate_get("/v2/links").json["log_feed"] == "/v2/log_feed/links"
