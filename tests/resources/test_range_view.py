"""Range views: daily miles and feel for a user, a group or everyone, by exercise type letters."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.statements import after_the_caller

D = dt.date


@pytest.fixture
def logs(make, runners):
    """alice: run and bike on 03-01, yoga 03-02, swim 03-03 (made out of order); bob: run 03-02."""
    make.log(
        "alice", date=D(2024, 3, 3), type="swim", distance=1, metric="miles", time="40:00", feel=9
    )
    make.log(
        "alice", date=D(2024, 3, 1), type="run", distance=5, metric="miles", time="40:00", feel=6
    )
    make.log(
        "alice", date=D(2024, 3, 1), type="bike", distance=10, metric="miles", time="40:00", feel=7
    )
    make.log("alice", date=D(2024, 3, 2), type="yoga", feel=10)
    make.log(
        "bob", date=D(2024, 3, 2), type="run", distance=3, metric="kilometers", time="15:00", feel=4
    )


def days(client, headers, path):
    result = client.simulate_get(path, headers=headers)
    assert result.status_code == 200, result.json
    return result.json


def test_a_users_days_in_date_order(client, runners, logs):
    body = days(client, runners["bob"], "/v2/range_view/user/alice/rbso/2024-03-01/2024-03-31")
    assert body["self"] == "/v2/range_view/user/alice/rbso/2024-03-01/2024-03-31"
    # 03-01: run 5 + bike 10, feel (6 + 7) / 2 = 6.5 -> 7; 03-02: yoga, no miles; 03-03: swim 1
    assert body["range_view"] == [
        {"date": "2024-03-01", "miles": 15.0, "feel": 7},
        {"date": "2024-03-02", "miles": 0.0, "feel": 10},
        {"date": "2024-03-03", "miles": 1.0, "feel": 9},
    ]
    assert "message" not in body


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        ("r", [("2024-03-01", 5.0)]),
        ("b", [("2024-03-01", 10.0)]),
        ("s", [("2024-03-03", 1.0)]),
        ("o", [("2024-03-02", 0.0)]),
        ("rs", [("2024-03-01", 5.0), ("2024-03-03", 1.0)]),
    ],
)
def test_letters_select_types(client, runners, logs, letters, expected):
    body = days(
        client, runners["bob"], f"/v2/range_view/users/alice/{letters}/2024-03-01/2024-03-31"
    )
    assert [(day["date"], day["miles"]) for day in body["range_view"]] == expected


def test_everyone(client, runners, logs):
    body = days(client, runners["alice"], "/v2/range_view/all/_/r/2024-03-01/2024-03-02")
    # bob's 3 km = 1.864113 miles -> 1.86
    assert body["range_view"] == [
        {"date": "2024-03-01", "miles": 5.0, "feel": 6},
        {"date": "2024-03-02", "miles": 1.86, "feel": 4},
    ]


@pytest.mark.parametrize("filter_by", ["group", "groups"])
def test_a_group_counts_accepted_members_only(client, runners, make, logs, filter_by):
    group = make.group("squad")
    make.group_member(group, "bob")
    make.group_member(group, "alice", status="pending")
    body = days(
        client,
        runners["alice"],
        f"/v2/range_view/{filter_by}/{group.id}/rbso/2024-03-01/2024-03-31",
    )
    assert body["range_view"] == [{"date": "2024-03-02", "miles": 1.86, "feel": 4}]


def test_nothing_in_range_is_an_empty_200(client, runners, logs):
    body = days(client, runners["alice"], "/v2/range_view/user/alice/r/2020-01-01/2020-12-31")
    assert body["range_view"] == [] and body["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/v2/range_view/team/alice/r/2024-03-01/2024-03-31",
        "/v2/range_view/username/alice/r/2024-03-01/2024-03-31",
        "/v2/range_view/user/alice/x/2024-03-01/2024-03-31",
        "/v2/range_view/user/alice/rx/2024-03-01/2024-03-31",
        "/v2/range_view/user/alice/R/2024-03-01/2024-03-31",
        "/v2/range_view/user/alice/r/2024-02-30/2024-03-31",
        "/v2/range_view/user/alice/r/20240301/2024-03-31",
        "/v2/range_view/user/alice/r/yesterday/2024-03-31",
        "/v2/range_view/user/alice/r/2024-03-31/2024-03-01",
        "/v2/range_view/user/alice/r/1900-01-01/2100-01-01",
        "/v2/range_view/group/abc/r/2024-03-01/2024-03-31",
        "/v2/range_view/group/0/r/2024-03-01/2024-03-31",
    ],
)
def test_bad_parameters_are_400(client, runners, path):
    result = client.simulate_get(path, headers=runners["alice"])
    assert result.status_code == 400, result.json
    assert result.json["errors"]


def test_unknown_user_or_group_is_404(client, runners):
    assert (
        client.simulate_get(
            "/v2/range_view/user/nobody/r/2024-03-01/2024-03-31", headers=runners["alice"]
        ).status_code
        == 404
    )
    assert (
        client.simulate_get(
            "/v2/range_view/group/999999/r/2024-03-01/2024-03-31", headers=runners["alice"]
        ).status_code
        == 404
    )


def test_needs_a_token(client):
    assert client.simulate_get("/v2/range_view/all/_/r/2024-03-01/2024-03-31").status_code == 401


def test_a_range_view_costs_the_same_queries_whatever_it_covers(
    client, runners, make, count_queries
):
    path = "/v2/range_view/all/_/rbso/2024-01-01/2024-12-31"

    def queries():
        with count_queries() as statements:
            result = client.simulate_get(path, headers=runners["alice"])
        assert result.status_code == 200
        return len(statements), result.json

    make.log("alice", date=D(2024, 1, 1))
    few, _ = queries()
    for n in range(20):
        make.log("bob" if n % 2 else "alice", date=D(2024, 2, 1) + dt.timedelta(days=n))
    many, body = queries()
    assert len(body["range_view"]) == 21 and many == few


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # the user's version (which is the user's lookup too), the days
        ("/v2/range_view/user/alice/rbso/2024-01-01/2024-12-31", 2),
        # everyone's version (for If-None-Match), the days
        ("/v2/range_view/all/_/rbso/2024-01-01/2024-12-31", 2),
    ],
)
def test_a_range_view_runs_at_most_two_statements_after_the_caller(
    client, runners, logs, count_queries, path, expected
):
    with count_queries() as statements:
        result = client.simulate_get(path, headers=runners["bob"])
    assert result.status_code == 200 and result.json["range_view"]
    assert len(after_the_caller(statements)) == expected


def test_the_links_document(client):
    body = client.simulate_get("/v2/range_view/links").json
    assert ("/v2/range_view/{filter_by}/{bucket}/{exercise_types}/{start}/{end}", "GET") in {
        (e["link"], e["verb"]) for e in body["endpoints"]
    }
