"""Conditional GETs of feeds, range views, leaderboards, statistics, member lists and snapshots.

Their ETags come from the change stamps that triggers keep (revision 0015, dao/versions.py):
every kind of change in a scope, written through the ORM or as plain SQL (as the legacy API or
an operator would), must change the tag; a change outside it must not; and a 304 must cost the
caller lookup plus one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from falcon import testing
from sqlalchemy import text

from api.app import create_app
from api.config import DEFAULT_DISABLED_ROUTES
from api.openapi import build_openapi
from api.registry import build_registry
from api.routes import RESOURCE_MODULES
from resources.discovery import LinksDocuments
from tests.resources.conftest import Club

RANGE = "rbso/2024-01-01/2026-12-31"
#: Path -> the scopes whose changes its body shows: alice (the caller and a varsity member),
#: the varsity group, the riverdale team, and everyone.
ENDPOINTS: dict[str, set[str]] = {
    "/v2/log_feed/group/{varsity}/10/0": {"alice", "varsity"},
    "/v2/log_feed/user/alice/10/0": {"alice"},
    "/v2/log_feed/all/all/10/0": {"alice", "riverdale"},
    f"/v2/range_view/group/{{varsity}}/{RANGE}": {"alice", "varsity"},
    f"/v2/range_view/user/alice/{RANGE}": {"alice"},
    f"/v2/range_view/all/_/{RANGE}": {"alice", "everyone"},
    "/v2/groups/statistics/{varsity}": {"alice", "varsity"},
    "/v2/groups/leaderboard/{varsity}": {"alice", "varsity"},
    "/v2/groups/leaderboard/{varsity}/week": {"alice", "varsity"},
    "/v2/users/statistics/alice": {"alice"},
    "/v2/groups/members/{varsity}": {"alice", "varsity"},
    # Named by team: the team's stamp (its row, which may be deleted) takes part.
    "/v2/groups/members/riverdale/varsity": {"alice", "varsity", "riverdale"},
    "/v2/groups/snapshot/riverdale/varsity": {"alice", "varsity", "riverdale"},
    "/v2/teams/members/riverdale": {"alice", "riverdale"},
}


@pytest.fixture
def scene(club: Club, make: Any, db: Any) -> dict[str, Any]:
    """The club, with a log (commented) by alice and dave on hilltop's group `hill`."""
    make.user("dave", first="Dave", last="Dunn")
    make.team_member("hilltop", "dave")
    make.group_member(club.hill, "dave")
    log = make.log("alice", date=dt.date(2024, 3, 1), distance=5, metric="miles", time="0:40:00")
    make.comment("coach", log.log_id, "good")
    return {"club": club, "log": log}


def paths(club: Club) -> dict[str, str]:
    """Return each endpoint's path for the club."""
    return {template.format(varsity=club.varsity.id): template for template in ENDPOINTS}


def etag(client: testing.TestClient, path: str, headers: dict[str, str]) -> str:
    """GET `path` and return its ETag."""
    result = client.simulate_get(path, headers=headers)
    assert result.status_code == 200, (path, result.text)
    assert result.headers.get("ETag"), path
    return result.headers["ETag"]


def tags(client: testing.TestClient, club: Club) -> dict[str, str]:
    """Return every endpoint's ETag for alice."""
    return {path: etag(client, path, club["alice"]) for path in paths(club)}


def sql(db: Any, statement: str, **params: Any) -> None:
    """Run plain SQL and commit it, as another writer would (no ORM hook runs)."""
    db.execute(text(statement), params)
    db.commit()


def test_every_endpoint_sends_an_etag_and_answers_a_match_with_304(client, scene):
    club = scene["club"]
    for path in paths(club):
        tag = etag(client, path, club["alice"])
        result = client.simulate_get(path, headers={**club["alice"], "If-None-Match": tag})
        assert result.status_code == 304, path
        assert result.content == b"" and result.headers["ETag"] == tag
        weak = client.simulate_get(path, headers={**club["alice"], "If-None-Match": f"W/{tag}"})
        assert weak.status_code == 304, path  # nginx's gzip weakens tags
        other = client.simulate_get(path, headers={**club["alice"], "If-None-Match": '"d0"'})
        assert other.status_code == 200 and other.json["self"], path


def _orm_log(db, make, scene):
    make.log("alice", date=dt.date(2024, 3, 2))


def _sql_log(db, make, scene):
    sql(
        db,
        "INSERT INTO logs (username, first, last, date, type, feel, miles, time_created, deleted)"
        " VALUES ('alice', 'Alice', 'Ames', '2024-03-03', 'run', 6, 3.0, '2024-03-03', :no)",
        no=False,
    )


def _sql_log_update(db, make, scene):
    sql(db, "UPDATE logs SET miles = 9.5 WHERE log_id = :id", id=scene["log"].log_id)


def _sql_soft_delete(db, make, scene):
    sql(db, "UPDATE logs SET deleted = :yes WHERE log_id = :id", yes=True, id=scene["log"].log_id)


def _sql_hard_delete(db, make, scene):
    sql(db, "DELETE FROM comments WHERE log_id = :id", id=scene["log"].log_id)
    sql(db, "DELETE FROM logs WHERE log_id = :id", id=scene["log"].log_id)


def _orm_comment(db, make, scene):
    make.comment("bob", scene["log"].log_id, "who is this?")


def _sql_comment(db, make, scene):
    sql(db, "UPDATE comments SET content = 'edited' WHERE log_id = :id", id=scene["log"].log_id)


def _sql_rename(db, make, scene):
    sql(db, "UPDATE users SET first = 'Alicia' WHERE username = 'alice'")


def _sql_group_join(db, make, scene):
    sql(
        db,
        "INSERT INTO groupmembers (group_id, group_name, username, status, user, deleted)"
        " VALUES (:id, 'varsity', 'bob', 'accepted', 'user', :no)",
        id=scene["club"].varsity.id,
        no=False,
    )


def _orm_team_join(db, make, scene):
    make.team_member("riverdale", "bob")


def _sql_week_start(db, make, scene):
    sql(db, "UPDATE groups SET week_start = 'monday' WHERE id = :id", id=scene["club"].varsity.id)


def _out_of_scope_log(db, make, scene):
    make.log("dave", date=dt.date(2024, 3, 1))
    _sql_comment_on_daves(db)


def _sql_comment_on_daves(db):
    sql(
        db,
        "INSERT INTO comments (username, first, last, log_id, time, content, deleted)"
        " SELECT 'alice', 'Alice', 'Ames', log_id, '2024-03-01', 'hi', :no FROM logs"
        " WHERE username = 'dave'",
        no=False,
    )


def _sql_login(db, make, scene):
    sql(db, "UPDATE users SET last_signin = '2030-01-01', password = 'x' WHERE username = 'dave'")


#: change -> the scopes it touches (bob and dave are in none of alice's scopes; bob's team join
#: bumps his own stamp too, which "everyone" sums).
CHANGES: dict[str, tuple[Callable[..., Any], set[str]]] = {
    "log written through the ORM": (_orm_log, {"alice", "everyone"}),
    "log inserted with plain SQL": (_sql_log, {"alice", "everyone"}),
    "log updated with plain SQL": (_sql_log_update, {"alice", "everyone"}),
    "log soft-deleted with plain SQL": (_sql_soft_delete, {"alice", "everyone"}),
    "log hard-deleted with plain SQL": (_sql_hard_delete, {"alice", "everyone"}),
    "comment written through the ORM": (_orm_comment, {"alice", "everyone"}),
    "comment edited with plain SQL": (_sql_comment, {"alice", "everyone"}),
    "member renamed with plain SQL": (_sql_rename, {"alice", "everyone"}),
    "member added to the group with plain SQL": (_sql_group_join, {"varsity"}),
    "member added to the team through the ORM": (_orm_team_join, {"riverdale", "everyone"}),
    "group week start changed with plain SQL": (_sql_week_start, {"varsity"}),
    "another group's member logs and is commented": (_out_of_scope_log, {"everyone"}),
    "a login and a password change": (_sql_login, set()),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_changes_exactly_the_tags_of_the_scopes_it_touches(
    client, db, make, scene, change
):
    club = scene["club"]
    write, touched = CHANGES[change]
    before = tags(client, club)
    write(db, make, scene)
    after = tags(client, club)
    for path, template in paths(club).items():
        if ENDPOINTS[template] & touched:
            assert after[path] != before[path], (change, path)
            stale = client.simulate_get(
                path, headers={**club["alice"], "If-None-Match": before[path]}
            )
            assert stale.status_code == 200, (change, path)
        else:
            assert after[path] == before[path], (change, path)


def test_a_restored_log_does_not_bring_back_an_old_tag(client, db, scene):
    club = scene["club"]
    path = "/v2/log_feed/user/alice/10/0"
    first = etag(client, path, club["alice"])
    _sql_soft_delete(db, None, scene)
    deleted = etag(client, path, club["alice"])
    sql(db, "UPDATE logs SET deleted = :no WHERE log_id = :id", no=False, id=scene["log"].log_id)
    restored = etag(client, path, club["alice"])
    assert len({first, deleted, restored}) == 3


def test_a_soft_deleted_member_changes_the_tags_of_their_groups(client, db, scene):
    club = scene["club"]
    before = tags(client, club)
    sql(db, "UPDATE users SET deleted = :yes WHERE username = 'coach'", yes=True)
    after = tags(client, club)
    for path, template in paths(club).items():
        if ENDPOINTS[template] & {"varsity", "riverdale", "everyone"}:
            assert after[path] != before[path], path


def test_tags_differ_by_caller_and_by_query(client, scene):
    club = scene["club"]
    varsity = club.varsity.id
    for path in (f"/v2/log_feed/group/{varsity}/10/0", f"/v2/groups/members/{varsity}"):
        mine = etag(client, path, club["alice"])
        assert etag(client, path, club["coach"]) != mine  # the coach's links differ
        coach = client.simulate_get(path, headers={**club["coach"], "If-None-Match": mine})
        assert coach.status_code == 200
    alice = club["alice"]
    variants = [
        f"/v2/log_feed/group/{varsity}/10/0",
        f"/v2/log_feed/group/{varsity}/5/0",
        f"/v2/log_feed/group/{varsity}/10/10",
        f"/v2/log_feed/groups/{varsity}/10/0",
        f"/v2/groups/leaderboard/{varsity}",
        *(f"/v2/groups/leaderboard/{varsity}/{interval}" for interval in ("week", "month", "year")),
        f"/v2/range_view/group/{varsity}/r/2024-01-01/2024-12-31",
        f"/v2/range_view/group/{varsity}/rb/2024-01-01/2024-12-31",
        f"/v2/range_view/group/{varsity}/r/2024-01-02/2024-12-31",
        f"/v2/groups/members/{varsity}",
        f"/v2/groups/members/{varsity}?limit=1",
        f"/v2/groups/members/{varsity}?limit=1&offset=1",
    ]
    assert len({etag(client, path, alice) for path in variants}) == len(variants)


def test_a_missing_scope_is_still_a_404_without_an_etag(client, scene):
    club = scene["club"]
    for path in (
        "/v2/log_feed/group/999999/10/0",
        "/v2/log_feed/user/nobody/10/0",
        "/v2/range_view/group/999999/r/2024-01-01/2024-12-31",
        "/v2/groups/statistics/999999",
        "/v2/groups/leaderboard/999999/week",
        "/v2/users/statistics/nobody",
        "/v2/groups/members/999999",
        "/v2/groups/members/riverdale/nothing",
        "/v2/groups/snapshot/riverdale/nothing",
        "/v2/teams/members/nothing",
    ):
        result = client.simulate_get(path, headers={**club["alice"], "If-None-Match": "*"})
        assert result.status_code == 404, path
        assert "ETag" not in result.headers


def test_the_date_takes_part_where_the_body_depends_on_it(config, session_factory, scene):
    now = [dt.datetime(2024, 3, 6, 12, 0)]  # a Wednesday
    client = testing.TestClient(
        create_app(config, session_factory=session_factory, clock=lambda: now[0])
    )

    varsity = scene["club"].varsity.id
    dated = {  # path -> whether the next day changes its body
        f"/v2/groups/leaderboard/{varsity}": False,
        f"/v2/groups/leaderboard/{varsity}/week": False,  # Sunday starts varsity's week
        f"/v2/groups/leaderboard/{varsity}/year": False,
        f"/v2/log_feed/group/{varsity}/10/0": False,
        f"/v2/groups/statistics/{varsity}": True,  # links to this year's range view, to today
        "/v2/users/statistics/alice": True,
    }
    # The tokens' expiry follows the real time; the app's clock sets the dates of the figures.
    headers = scene["club"]["alice"]
    before = {path: etag(client, path, headers) for path in dated}
    now[0] += dt.timedelta(days=1)
    after = {path: etag(client, path, headers) for path in dated}
    for path, changes in dated.items():
        assert (after[path] != before[path]) is changes, path
    now[0] += dt.timedelta(days=3)  # Sunday: a new week for varsity, the same month
    sunday = {path: etag(client, path, headers) for path in dated}
    board = f"/v2/groups/leaderboard/{varsity}"
    assert sunday[f"{board}/week"] != after[f"{board}/week"]
    assert sunday[f"{board}/year"] == after[f"{board}/year"]
    assert sunday[board] == after[board]


def _statements(statements: list[str]) -> list[str]:
    """Leave out the savepoints of the test's outer transaction."""
    bookkeeping = ("SAVEPOINT", "RELEASE", "ROLLBACK")
    return [s for s in statements if not s.lstrip().upper().startswith(bookkeeping)]


def test_a_304_costs_the_caller_lookup_and_one_statement(client, scene, make, count_queries):
    club = scene["club"]
    for n in range(12):  # the cost does not grow with the logs
        make.log("alice", date=dt.date(2024, 4, 1) + dt.timedelta(days=n))
        make.log("coach", date=dt.date(2024, 4, 1) + dt.timedelta(days=n))
    for path in paths(club):
        tag = etag(client, path, club["alice"])
        with count_queries() as statements:
            result = client.simulate_get(path, headers={**club["alice"], "If-None-Match": tag})
        assert result.status_code == 304, path
        assert len(_statements(statements)) == 2, (path, statements)
        assert "change_stamps" in _statements(statements)[1], path
        assert "logs" not in _statements(statements)[1].replace("change_stamps", ""), path


def test_the_openapi_document_declares_the_304s():
    registry = build_registry(
        RESOURCE_MODULES, links_resource=LinksDocuments, disabled_routes=DEFAULT_DISABLED_ROUTES
    )
    operations = build_openapi(registry)["paths"]
    for template in (
        "/v2/log_feed/{filter_by}/{bucket}/{limit}/{offset}",
        "/v2/range_view/{filter_by}/{bucket}/{exercise_types}/{start}/{end}",
        "/v2/groups/statistics/{group_id}",
        "/v2/groups/leaderboard/{group_id}",
        "/v2/groups/leaderboard/{group_id}/{interval}",
        "/v2/users/statistics/{username}",
        "/v2/groups/members/{key}",
        "/v2/groups/members/{key}/{second}",
        "/v2/groups/snapshot/{key}/{group_name}",
        "/v2/teams/members/{team_name}",
    ):
        assert "304" in operations[template]["get"]["responses"], template
