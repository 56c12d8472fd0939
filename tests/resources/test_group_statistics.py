"""A group's statistics and leaderboards: accepted members only, the group's week start."""

from __future__ import annotations

import datetime as dt

import pytest

from dao.statistics import STAT_KEYS
from dao.training import INTERVALS
from models import User
from tests.statements import after_the_caller

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def squad(make, runners, db):
    """alice and bob accepted; carol pending; dan's account deleted. Each ran today."""
    group = make.group("squad", week_start="sunday")
    make.user("carol")
    make.user("dan")
    for name, status in (
        ("alice", "accepted"),
        ("bob", "accepted"),
        ("carol", "pending"),
        ("dan", "accepted"),
    ):
        make.group_member(group, name, status=status)
    make.log("alice", date=TODAY, type="run", distance=6, metric="miles", time="48:00", feel=8)
    make.log("alice", date=TODAY, type="swim", distance=1, metric="miles", time="30:00", feel=6)
    make.log("bob", date=TODAY, type="bike", distance=20, metric="miles", time="1:00:00", feel=4)
    make.log(
        "bob",
        date=TODAY - dt.timedelta(days=400),
        type="kayak",
        distance=4,
        metric="miles",
        time="1:00:00",
        feel=4,
    )
    make.log("carol", date=TODAY, type="run", distance=50, metric="miles", time="8:00:00", feel=1)
    make.log("dan", date=TODAY, type="run", distance=70, metric="miles", time="9:00:00", feel=1)
    db.get(User, "dan").deleted = True
    db.commit()
    return group


def test_group_statistics(client, runners, squad):
    result = client.simulate_get(f"/v2/groups/statistics/{squad.id}", headers=runners["bob"])
    assert result.status_code == 200, result.json
    assert result.json["self"] == f"/v2/groups/statistics/{squad.id}"
    stats = result.json["stats"]
    assert list(stats) == list(STAT_KEYS)
    assert stats["miles_all_time"] == 31.0  # alice 6 + 1, bob 20 + 4
    assert stats["miles_past_week"] == stats["miles_past_month"] == stats["miles_past_year"] == 27.0
    assert stats["run_miles_all_time"] == 6.0
    assert stats["feel_all_time"] == 5.5  # (8 + 6 + 4 + 4) / 4
    assert stats["feel_past_week"] == 6.0  # (8 + 6 + 4) / 3
    hrefs = {link["href"] for link in result.json["links"]}
    assert f"/v2/groups/leaderboard/{squad.id}" in hrefs


def test_an_empty_group_has_zeros(client, runners, make):
    group = make.group("quiet")
    stats = client.simulate_get(f"/v2/groups/statistics/{group.id}", headers=runners["bob"]).json[
        "stats"
    ]
    assert set(stats.values()) == {0.0}
    board = client.simulate_get(f"/v2/groups/leaderboard/{group.id}/week", headers=runners["bob"])
    assert board.status_code == 200 and board.json["leaderboard"] == []


def test_leaderboard_all_time(client, runners, squad):
    result = client.simulate_get(f"/v2/groups/leaderboard/{squad.id}", headers=runners["alice"])
    assert result.status_code == 200, result.json
    body = result.json
    assert body["self"] == f"/v2/groups/leaderboard/{squad.id}"
    rows = [
        {k: v for k, v in row.items() if k not in ("self", "links")} for row in body["leaderboard"]
    ]
    assert rows == [
        {
            "username": "bob",
            "first": "Bob",
            "last": "Barnes",
            "miles": 24.0,
            "miles_run": 0.0,
            "miles_biked": 20.0,
            "miles_swam": 0.0,
            "miles_other": 4.0,
        },
        {
            "username": "alice",
            "first": "Alice",
            "last": "Ames",
            "miles": 7.0,
            "miles_run": 6.0,
            "miles_biked": 0.0,
            "miles_swam": 1.0,
            "miles_other": 0.0,
        },
    ]
    assert (
        body["leaderboard"][0]["self"]
        == body["leaderboard"][0]["links"][0]["href"]
        == "/v2/users/bob"
    )
    rels = {link["rel"] for link in body["links"]}
    assert {"year", "month", "week", "statistics"} <= rels


@pytest.mark.parametrize("interval", ["year", "month", "week"])
def test_leaderboard_intervals(client, runners, squad, interval):
    result = client.simulate_get(
        f"/v2/groups/leaderboard/{squad.id}/{interval}", headers=runners["alice"]
    )
    assert result.status_code == 200
    assert result.json["self"] == f"/v2/groups/leaderboard/{squad.id}/{interval}"
    # bob's kayak is 400 days old: out of every interval.
    assert [(row["username"], row["miles"]) for row in result.json["leaderboard"]] == [
        ("bob", 20.0),
        ("alice", 7.0),
    ]


def test_all_is_an_explicit_interval(client, runners, squad):
    result = client.simulate_get(f"/v2/groups/leaderboard/{squad.id}/all", headers=runners["alice"])
    assert [row["miles"] for row in result.json["leaderboard"]] == [24.0, 7.0]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v2/groups/leaderboard/{id}/fortnight", 400),
        ("/v2/groups/leaderboard/{id}/YEAR", 400),
        ("/v2/groups/leaderboard/abc", 400),
        ("/v2/groups/leaderboard/abc/week", 400),
        ("/v2/groups/statistics/abc", 400),
        ("/v2/groups/statistics/-1", 400),
        ("/v2/groups/statistics/99999999999", 400),
        ("/v2/groups/statistics/999999", 404),
        ("/v2/groups/leaderboard/999999", 404),
        ("/v2/groups/leaderboard/999999/week", 404),
    ],
)
def test_errors(client, runners, squad, path, status):
    result = client.simulate_get(path.format(id=squad.id), headers=runners["alice"])
    assert result.status_code == status, result.json


def test_a_deleted_group_is_404(client, runners, make, db):
    group = make.group("gone")
    group.deleted = True
    db.merge(group)
    db.commit()
    assert (
        client.simulate_get(
            f"/v2/groups/statistics/{group.id}", headers=runners["alice"]
        ).status_code
        == 404
    )


def test_they_need_a_token(client, squad):
    for path in (
        f"/v2/groups/statistics/{squad.id}",
        f"/v2/groups/leaderboard/{squad.id}",
        f"/v2/groups/leaderboard/{squad.id}/week",
    ):
        assert client.simulate_get(path).status_code == 401


def test_the_groups_links_document_lists_them(client):
    endpoints = {
        (e["link"], e["verb"]) for e in client.simulate_get("/v2/groups/links").json["endpoints"]
    }
    assert {
        ("/v2/groups/statistics/{group_id}", "GET"),
        ("/v2/groups/leaderboard/{group_id}", "GET"),
        ("/v2/groups/leaderboard/{group_id}/{interval}", "GET"),
    } <= endpoints


def test_statistics_link_the_groups_feed_and_range_view(client, runners, squad):
    links = client.simulate_get(f"/v2/groups/statistics/{squad.id}", headers=runners["bob"]).json[
        "links"
    ]
    by_rel = {link["rel"]: link["href"] for link in links}
    feed = client.simulate_get(by_rel["feed"], headers=runners["bob"]).json
    assert {log["username"] for log in feed["logs"]} == {"alice", "bob"}
    days = client.simulate_get(by_rel["range_view"], headers=runners["bob"]).json["range_view"]
    assert days and days[-1]["miles"] == 27.0


@pytest.mark.parametrize("size", [2, 50])
def test_a_groups_figures_cost_two_statements_after_the_caller_whatever_its_size(
    client, runners, make, count_queries, size
):
    group = make.group("big" if size > 2 else "pair")
    for n in range(size):
        name = f"member{n:02d}"
        make.user(name)
        make.group_member(group, name)
        make.log(name, date=TODAY - dt.timedelta(days=n), distance=n + 1, metric="miles",
                 time="30:00")  # fmt: skip
    start = (TODAY - dt.timedelta(days=89)).isoformat()
    paths = [
        f"/v2/groups/statistics/{group.id}",
        f"/v2/groups/leaderboard/{group.id}",
        *(f"/v2/groups/leaderboard/{group.id}/{interval}" for interval in INTERVALS),
        f"/v2/range_view/group/{group.id}/rbso/{start}/{TODAY.isoformat()}",
    ]
    for path in paths:
        with count_queries() as statements:
            result = client.simulate_get(path, headers=runners["alice"])
        assert result.status_code == 200, (path, result.json)
        # the group's version with its members, then the figures
        assert len(after_the_caller(statements)) == 2, (path, after_the_caller(statements))
