"""Flair (granted by site admins) and a user's statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from dao.statistics import STAT_KEYS
from dao.training import interval_start
from models import User

# -- flair --------------------------------------------------------------------------------------


def test_a_site_admin_grants_flair(client, runners):
    result = client.simulate_post(
        "/v2/flair", json={"username": "alice", "flair": "Marathoner"}, headers=runners["root"]
    )
    assert result.status_code == 201, result.json
    assert result.headers["location"] == "/v2/users/flair/alice"
    assert result.json["added"] is True and result.json["self"] == "/v2/flair"
    flair = result.json["flair"]
    assert (flair["username"], flair["flair"], flair["deleted"]) == ("alice", "Marathoner", False)
    listed = client.simulate_get("/v2/users/flair/alice", headers=runners["bob"]).json
    assert [item["flair"] for item in listed["flair"]] == ["Marathoner"]


def test_users_may_not_grant_flair_even_to_themselves(client, runners):
    body = {"username": "alice", "flair": "Site Creator"}
    assert client.simulate_post("/v2/flair", json=body, headers=runners["alice"]).status_code == 403
    assert client.simulate_post("/v2/flair", json=body).status_code == 401


def test_flair_errors(client, runners):
    unknown = client.simulate_post(
        "/v2/flair", json={"username": "nobody", "flair": "x"}, headers=runners["root"]
    )
    assert unknown.status_code == 404
    for body in (
        {"username": "alice"},
        {"flair": "x"},
        {"username": "alice", "flair": "x" * 51},
        {"username": "alice", "flair": ""},
        {"username": "alice", "flair": "x", "flair_id": 1, "x": 1},
    ):
        assert (
            client.simulate_post("/v2/flair", json=body, headers=runners["root"]).status_code == 400
        ), body


def test_list_flair(client, runners, make):
    make.flair("alice", "Site Creator")
    gone = make.flair("alice", "Old")
    gone.deleted = True
    make.session.commit()
    result = client.simulate_get("/v2/users/flair/alice", headers=runners["bob"])
    assert result.status_code == 200
    assert result.json["self"] == "/v2/users/flair/alice"
    assert [item["flair"] for item in result.json["flair"]] == ["Site Creator"]
    assert client.simulate_get("/v2/users/flair/bob", headers=runners["bob"]).json["flair"] == []
    assert client.simulate_get("/v2/users/flair/alice").status_code == 401
    assert client.simulate_get("/v2/users/flair/nobody", headers=runners["bob"]).status_code == 404


def test_the_flair_links_document(client):
    body = client.simulate_get("/v2/flair/links").json
    assert {(e["link"], e["verb"], e["auth"]) for e in body["endpoints"]} >= {
        ("/v2/flair", "POST", "admin")
    }


# -- statistics ---------------------------------------------------------------------------------


def test_statistics_of_a_user_without_logs_are_zeros(client, runners):
    result = client.simulate_get("/v2/users/statistics/alice", headers=runners["bob"])
    assert result.status_code == 200
    assert result.json["self"] == "/v2/users/statistics/alice"
    stats = result.json["stats"]
    assert list(stats) == list(STAT_KEYS) and set(stats.values()) == {0.0}


def test_statistics_figures(client, runners, make):
    # Dates relative to today (the API's clock is real): every interval holds today; a log
    # 400 days ago is all-time only. Nothing more precise is needed here: tests/dao pins the rules.
    today = dt.datetime.now(dt.UTC).date()
    make.log(
        "alice", date=today, type="run", distance=10, metric="kilometers", time="50:00", feel=8
    )
    make.log("alice", date=today, type="bike", distance=20, metric="miles", time="1:00:00", feel=6)
    make.log(
        "alice",
        date=today - dt.timedelta(days=400),
        type="run",
        distance=5,
        metric="miles",
        time="40:00",
        feel=1,
    )
    stats = client.simulate_get("/v2/users/statistics/alice", headers=runners["bob"]).json["stats"]
    assert stats["miles_all_time"] == 31.21  # 6.21371 + 20 + 5
    assert stats["run_miles_all_time"] == 11.21
    for interval in ("year", "month", "week"):
        assert stats[f"miles_past_{interval}"] == 26.21
        assert stats[f"run_miles_past_{interval}"] == 6.21
        assert stats[f"feel_past_{interval}"] == 7.0
    assert stats["feel_all_time"] == 5.0


def test_statistics_follow_the_users_week_start(client, runners, make, db):
    today = dt.datetime.now(dt.UTC).date()
    sunday_start = interval_start("week", today, "sunday")
    monday_start = interval_start("week", today, "monday")
    # A day in one week but not the other (they differ by exactly one day's offset).
    day = max(sunday_start, monday_start) - dt.timedelta(days=1)
    make.log("alice", date=day, distance=1, metric="miles", time="8:00")
    for setting, start in (("sunday", sunday_start), ("monday", monday_start)):
        db.get(User, "alice").week_start = setting
        db.commit()
        stats = client.simulate_get("/v2/users/statistics/alice", headers=runners["bob"]).json[
            "stats"
        ]
        expected = 1.0 if day >= start else 0.0
        assert stats["miles_past_week"] == expected == stats["run_miles_past_week"], setting


def test_statistics_by_email_and_errors(client, runners):
    # E-mail is private: only its owner and site admins may look a user up by it.
    for who in ("alice", "root"):
        by_email = client.simulate_get(
            "/v2/users/statistics/alice@example.com", headers=runners[who]
        )
        assert by_email.status_code == 200 and by_email.json["self"] == "/v2/users/statistics/alice"
    others = client.simulate_get("/v2/users/statistics/alice@example.com", headers=runners["bob"])
    assert others.status_code == 404
    assert (
        client.simulate_get("/v2/users/statistics/nobody", headers=runners["bob"]).status_code
        == 404
    )
    assert client.simulate_get("/v2/users/statistics/alice").status_code == 401


@pytest.mark.parametrize("path", ["statistics", "flair", "notifications"])
def test_the_users_links_document_lists_them(client, path):
    endpoints = {
        (e["link"], e["verb"]) for e in client.simulate_get("/v2/users/links").json["endpoints"]
    }
    assert (f"/v2/users/{path}/{{username}}", "GET") in endpoints


def test_statistics_link_the_users_feed_and_range_view(client, runners, make):
    make.log("alice")
    links = client.simulate_get("/v2/users/statistics/alice", headers=runners["bob"]).json["links"]
    by_rel = {link["rel"]: link["href"] for link in links}
    assert by_rel["feed"] == "/v2/log_feed/user/alice/20/0"
    assert by_rel["range_view"].startswith("/v2/range_view/user/alice/rbso/")
    feed = client.simulate_get(by_rel["feed"], headers=runners["bob"]).json
    assert [log["username"] for log in feed["logs"]] == ["alice"]
    days = client.simulate_get(by_rel["range_view"], headers=runners["bob"]).json["range_view"]
    assert len(days) == 1
