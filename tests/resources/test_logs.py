"""Logs: list with comments, create, read, replace, patch, hard and soft delete."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import Comment, Log, User

RUN = {
    "date": "2024-03-01",
    "type": "run",
    "feel": 7,
    "distance": 12.31,
    "metric": "miles",
    "time": "1:25:30",
}
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def actions(body):
    return {
        (link["rel"], link["method"], link["href"])
        for link in body["links"]
        if link["method"] != "GET"
    }


@pytest.fixture
def alices_log(make, runners):
    return make.log("alice", **RUN)


# -- create -------------------------------------------------------------------------------------


def test_create_answers_201_with_location_and_derived_figures(client, runners):
    result = client.simulate_post("/v2/logs", json=RUN, headers=runners["alice"])
    assert result.status_code == 201, result.json
    log = result.json["log"]
    assert (
        result.headers["location"]
        == f"/v2/logs/{log['log_id']}"
        == result.json["self"]
        == log["self"]
    )
    assert result.json["added"] is True
    assert log["username"] == "alice" and (log["first"], log["last"]) == ("Alice", "Ames")
    assert log["miles"] == 12.31 and log["time"] == "01:25:30" and log["pace"] == "00:06:56"
    assert log["date"] == "2024-03-01" and log["deleted"] is False
    assert result.json["comments"] == []


@pytest.mark.parametrize(
    ("distance", "metric", "time", "miles", "pace"),
    [
        (10, "kilometers", "50:00", 6.21371, "00:08:02"),
        (1609.344, "meters", "7:05", 1.0, "00:07:05"),
        (0.1, "miles", "10:00:00", 0.1, "100:00:00"),  # hours past 99
        (None, None, "45:00", None, None),
        (0, "miles", None, 0.0, None),
    ],
)
def test_create_derives_miles_and_pace_from_each_metric(
    client, runners, distance, metric, time, miles, pace
):
    body = {**RUN, "distance": distance, "metric": metric, "time": time}
    log = client.simulate_post("/v2/logs", json=body, headers=runners["alice"]).json["log"]
    assert log["miles"] == (pytest.approx(miles) if miles else miles)
    assert log["pace"] == pace


def test_client_figures_names_and_ids_are_ignored(client, runners, make):
    make.log("bob")
    body = {
        **RUN,
        "log_id": 1,
        "miles": 999,
        "pace": "00:00:01",
        "first": "Mallory",
        "last": "M",
        "time_created": "2000-01-01T00:00:00Z",
        "deleted": True,
    }
    result = client.simulate_post("/v2/logs", json=body, headers=runners["alice"])
    assert result.status_code == 201, result.json
    log = result.json["log"]
    assert log["log_id"] != 1 and log["miles"] == 12.31 and log["pace"] == "00:06:56"
    assert (log["first"], log["last"]) == ("Alice", "Ames") and log["deleted"] is False


def test_create_for_someone_else_is_403(client, runners):
    result = client.simulate_post(
        "/v2/logs", json={**RUN, "username": "bob"}, headers=runners["alice"]
    )
    assert result.status_code == 403
    admin = client.simulate_post(
        "/v2/logs", json={**RUN, "username": "alice"}, headers=runners["root"]
    )
    assert admin.status_code == 403
    mine = client.simulate_post(
        "/v2/logs", json={**RUN, "username": "alice"}, headers=runners["alice"]
    )
    assert mine.status_code == 201


def test_create_needs_a_token(client, runners):
    assert client.simulate_post("/v2/logs", json=RUN).status_code == 401


def test_a_distance_without_a_time_is_a_clear_400(client, runners):
    result = client.simulate_post("/v2/logs", json={**RUN, "time": None}, headers=runners["alice"])
    assert result.status_code == 400
    assert result.json["errors"] == [{"path": "/time", "message": result.json["detail"]}]
    assert "time" in result.json["detail"]


def test_a_distance_without_a_metric_is_400(client, runners):
    result = client.simulate_post(
        "/v2/logs", json={**RUN, "metric": None}, headers=runners["alice"]
    )
    assert result.status_code == 400 and result.json["errors"][0]["path"] == "/metric"


def test_a_pace_beyond_mysql_time_is_400(client, runners):
    body = {**RUN, "distance": 0.001, "time": "10:00:00"}
    result = client.simulate_post("/v2/logs", json=body, headers=runners["alice"])
    assert result.status_code == 400 and "838:59:59" in result.json["detail"]


def test_create_reports_every_invalid_field(client, runners):
    bad = {
        "date": "2024-02-30",
        "type": "running",
        "feel": 11,
        "metric": "leagues",
        "time": "1:99:00",
        "distance": -1,
        "name": "x" * 41,
        "surprise": True,
    }
    result = client.simulate_post("/v2/logs", json=bad, headers=runners["alice"])
    assert result.status_code == 400
    paths = {error["path"] for error in result.json["errors"]}
    assert {
        "/date",
        "/type",
        "/feel",
        "/metric",
        "/time",
        "/distance",
        "/name",
        "/surprise",
    } <= paths


@pytest.mark.parametrize(
    "body",
    ['{"date": "2024-03-01", "type": "run", "feel": NaN}', "[]", '"log"', "{", ""],
)
def test_malformed_bodies_are_400(client, runners, body):
    headers = {**runners["alice"], "Content-Type": "application/json"}
    assert client.simulate_post("/v2/logs", body=body, headers=headers).status_code == 400


def test_feel_bounds(client, runners):
    for feel, status in ((0, 400), (1, 201), (10, 201), (5.5, 400)):
        result = client.simulate_post(
            "/v2/logs", json={**RUN, "feel": feel}, headers=runners["alice"]
        )
        assert result.status_code == status, feel


# -- list ---------------------------------------------------------------------------------------


def test_list_pages_oldest_first_with_comments(client, runners, make):
    logs = [make.log("alice", date=f"2024-03-0{day}") for day in range(1, 6)]
    make.comment("bob", logs[1].log_id, "first")
    make.comment("alice", logs[1].log_id, "second")
    hidden = make.comment("bob", logs[1].log_id, "hidden")
    hidden.deleted = True
    make.session.commit()
    result = client.simulate_get(
        "/v2/logs", params={"limit": 2, "offset": 0}, headers=runners["bob"]
    )
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/logs?limit=2&offset=0" and body["total"] == 5
    assert [log["date"] for log in body["logs"]] == ["2024-03-01", "2024-03-02"]
    comments = body["logs"][1]["comments"]
    assert [comment["content"] for comment in comments] == ["second", "first"]  # newest first
    assert all(comment["comment"] == comment["self"] for comment in comments)
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert (
        rels["next"] == "/v2/logs?limit=2&offset=2" and rels["last"] == "/v2/logs?limit=2&offset=4"
    )
    assert "prev" not in rels
    assert '</v2/logs?limit=2&offset=2>; rel="next"' in result.headers["link"]


def test_list_hides_deleted_logs_and_logs_of_deleted_users(client, runners, make, db):
    make.log("alice")
    gone = make.log("alice")
    gone.deleted = True
    make.user("quitter")
    make.log("quitter")
    db.get(User, "quitter").deleted = True
    db.commit()
    body = client.simulate_get("/v2/logs", headers=runners["bob"]).json
    assert body["total"] == 1 and [log["username"] for log in body["logs"]] == ["alice"]


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "201"}, {"limit": "x"}, {"offset": "-1"}]
)
def test_list_bad_paging_is_400(client, runners, params):
    assert (
        client.simulate_get("/v2/logs", params=params, headers=runners["alice"]).status_code == 400
    )


def test_list_needs_a_token(client):
    assert client.simulate_get("/v2/logs").status_code == 401
    assert client.simulate_get("/v2/logs/").status_code == 401


def test_a_log_list_page_costs_the_same_queries_whatever_it_holds(
    client, runners, make, count_queries
):
    def page_queries():
        with count_queries() as statements:
            result = client.simulate_get("/v2/logs", params={"limit": 50}, headers=runners["bob"])
        assert result.status_code == 200
        return len(statements), result.json

    make.log("alice")
    few, _ = page_queries()
    for n in range(12):
        log = make.log("alice" if n % 2 else "bob")
        for k in range(3):
            make.comment("bob", log.log_id, f"comment {k}")
    many, body = page_queries()
    assert len(body["logs"]) == 13 and sum(len(log["comments"]) for log in body["logs"]) == 36
    assert many == few
    assert few <= 6  # token owner, count, page, comments (+ savepoint bookkeeping)


# -- read ---------------------------------------------------------------------------------------


def test_get_returns_the_log_and_its_live_comments(client, runners, make, alices_log):
    make.comment("bob", alices_log.log_id, "great run")
    gone = make.comment("bob", alices_log.log_id, "deleted")
    gone.deleted = True
    make.session.commit()
    result = client.simulate_get(f"/v2/logs/{alices_log.log_id}", headers=runners["bob"])
    assert result.status_code == 200
    body = result.json
    assert body["self"] == f"/v2/logs/{alices_log.log_id}" and body["log"]["log"] == body["self"]
    assert [comment["content"] for comment in body["comments"]] == ["great run"]
    assert body["comments"][0]["log"] == body["self"]
    assert "application/merge-patch+json" in result.headers["accept-patch"]


@pytest.mark.parametrize("log_id", ["abc", "0", "-1", "1.5", "99999999999", "%00"])
def test_bad_ids_are_400(client, runners, log_id):
    assert client.simulate_get(f"/v2/logs/{log_id}", headers=runners["alice"]).status_code == 400


def test_unknown_and_soft_deleted_logs_are_404(client, runners, alices_log, db):
    assert client.simulate_get("/v2/logs/999999", headers=runners["alice"]).status_code == 404
    alices_log.deleted = True
    db.merge(alices_log)
    db.commit()
    assert (
        client.simulate_get(f"/v2/logs/{alices_log.log_id}", headers=runners["alice"]).status_code
        == 404
    )


def test_get_needs_a_token(client, alices_log):
    assert client.simulate_get(f"/v2/logs/{alices_log.log_id}").status_code == 401


def test_etag_follows_the_log_and_its_comments(client, runners, make, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    etag = client.simulate_get(path, headers=runners["bob"]).headers["etag"]
    cached = client.simulate_get(path, headers={**runners["bob"], "If-None-Match": etag})
    assert cached.status_code == 304
    make.comment("bob", alices_log.log_id, "new")
    fresh = client.simulate_get(path, headers={**runners["bob"], "If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    # Another caller sees other action links: another tag.
    assert (
        client.simulate_get(path, headers=runners["alice"]).headers["etag"] != fresh.headers["etag"]
    )


def test_action_links_only_for_the_owner_and_admins(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"

    def log_actions(who):
        return actions(client.simulate_get(path, headers=runners[who]).json["log"])

    own = log_actions("alice")
    assert {("edit", "PUT", path), ("patch", "PATCH", path), ("delete", "DELETE", path)} <= own
    assert ("soft_delete", "DELETE", f"/v2/logs/soft/{alices_log.log_id}") in own
    assert log_actions("bob") == {("comment", "POST", "/v2/comments")}
    assert log_actions("root") == own


def test_the_links_document_lists_every_logs_endpoint(client):
    body = client.simulate_get("/v2/logs/links").json
    endpoints = {(entry["link"], entry["verb"]) for entry in body["endpoints"]}
    assert endpoints == {
        ("/v2/logs", "GET"),
        ("/v2/logs", "POST"),
        ("/v2/logs/{log_id}", "GET"),
        ("/v2/logs/{log_id}", "PUT"),
        ("/v2/logs/{log_id}", "PATCH"),
        ("/v2/logs/{log_id}", "DELETE"),
        ("/v2/logs/soft/{log_id}", "DELETE"),
        ("/v2/logs/links", "GET"),
    }


# -- replace ------------------------------------------------------------------------------------


def test_owner_replaces_a_log(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    body = {**RUN, "distance": 10, "metric": "kilometers", "time": "50:00", "name": "Tempo"}
    result = client.simulate_put(path, json=body, headers=runners["alice"])
    assert result.status_code == 200, result.json
    log = result.json["log"]
    assert result.json["updated"] is True
    assert (
        log["name"] == "Tempo"
        and log["miles"] == pytest.approx(6.21371)
        and log["pace"] == "00:08:02"
    )
    again = client.simulate_put(path, json=body, headers=runners["alice"])
    assert again.status_code == 200 and again.json["updated"] is False


def test_put_accepts_the_echoed_representation(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    current = client.simulate_get(path, headers=runners["alice"]).json["log"]
    result = client.simulate_put(path, json=current, headers=runners["alice"])
    assert result.status_code == 200, result.json
    assert result.json["updated"] is False


def test_put_targets_the_url_not_the_body(client, runners, make, alices_log):
    bobs = make.log("bob", name="Bob's")
    body = {**RUN, "log_id": bobs.log_id, "username": "bob", "name": "hijack"}
    result = client.simulate_put(
        f"/v2/logs/{alices_log.log_id}", json=body, headers=runners["alice"]
    )
    assert result.status_code == 200 and result.json["log"]["log_id"] == alices_log.log_id
    assert result.json["log"]["username"] == "alice"
    bob_now = client.simulate_get(f"/v2/logs/{bobs.log_id}", headers=runners["bob"]).json["log"]
    assert bob_now["name"] == "Bob's"


def test_put_nulls_fields_left_out_and_refreshes_the_owner_names(
    client, runners, make, db, alices_log
):
    path = f"/v2/logs/{alices_log.log_id}"
    client.simulate_put(path, json={**RUN, "location": "Park"}, headers=runners["alice"])
    db.get(User, "alice").first = "Alicia"
    db.commit()
    log = client.simulate_put(
        path, json={"date": "2024-03-01", "type": "yoga", "feel": 6}, headers=runners["alice"]
    ).json["log"]
    assert log["location"] is None and log["distance"] is None and log["miles"] is None
    assert log["time"] is None and log["pace"] is None and log["first"] == "Alicia"


def test_put_authorization(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    assert client.simulate_put(path, json=RUN).status_code == 401
    assert client.simulate_put(path, json=RUN, headers=runners["bob"]).status_code == 403
    admin = client.simulate_put(path, json={**RUN, "name": "by admin"}, headers=runners["root"])
    assert admin.status_code == 200 and admin.json["log"]["username"] == "alice"


def test_put_errors(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    assert (
        client.simulate_put("/v2/logs/999999", json=RUN, headers=runners["root"]).status_code == 404
    )
    assert client.simulate_put("/v2/logs/x", json=RUN, headers=runners["alice"]).status_code == 400
    bad = client.simulate_put(path, json={**RUN, "feel": "7"}, headers=runners["alice"])
    assert bad.status_code == 400 and bad.json["errors"][0]["path"] == "/feel"
    no_time = client.simulate_put(path, json={**RUN, "time": None}, headers=runners["alice"])
    assert no_time.status_code == 400


def test_put_with_a_stale_if_match_is_412(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    etag = client.simulate_get(path, headers=runners["alice"]).headers["etag"]
    ok = client.simulate_put(
        path, json={**RUN, "feel": 8}, headers={**runners["alice"], "If-Match": etag}
    )
    assert ok.status_code == 200
    stale = client.simulate_put(
        path, json={**RUN, "feel": 9}, headers={**runners["alice"], "If-Match": etag}
    )
    assert stale.status_code == 412


# -- patch --------------------------------------------------------------------------------------


def test_merge_patch_recomputes_miles_and_pace(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    result = client.simulate_patch(
        path,
        body=json.dumps({"distance": 20, "metric": "kilometers"}),
        headers={**runners["alice"], **MERGE},
    )
    assert result.status_code == 200, result.json
    log = result.json["log"]
    # 20 km = 12.42742 miles in 1:25:30 (5130 s) -> 412.8 s -> 6:52
    assert log["miles"] == pytest.approx(12.42742) and log["pace"] == "00:06:52"
    assert log["time"] == "01:25:30" and log["name"] is None and result.json["updated"] is True


def test_json_patch(client, runners, alices_log):
    ops = [
        {"op": "replace", "path": "/feel", "value": 3},
        {"op": "add", "path": "/name", "value": "Easy"},
    ]
    result = client.simulate_patch(
        f"/v2/logs/{alices_log.log_id}",
        body=json.dumps(ops),
        headers={**runners["alice"], **JSON_PATCH},
    )
    assert result.status_code == 200, result.json
    assert result.json["log"]["feel"] == 3 and result.json["log"]["name"] == "Easy"


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (MERGE, '{"feel": 0}', 400),
        (MERGE, '{"date": null}', 400),
        (MERGE, '{"time": null}', 400),  # a distance without a time
        (MERGE, '{"log_id": 5, "username": "bob"}', 200),  # read-only members are ignored
        (JSON_PATCH, '[{"op": "remove", "path": "/nope"}]', 400),
        ({"Content-Type": "application/json"}, '{"feel": 3}', 415),
    ],
)
def test_bad_patches(client, runners, alices_log, headers, body, status):
    result = client.simulate_patch(
        f"/v2/logs/{alices_log.log_id}", body=body, headers={**runners["alice"], **headers}
    )
    assert result.status_code == status, result.json
    if status == 200:
        assert result.json["log"]["username"] == "alice"


def test_patch_authorization(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    assert client.simulate_patch(path, body="{}", headers=MERGE).status_code == 401
    assert (
        client.simulate_patch(path, body="{}", headers={**runners["bob"], **MERGE}).status_code
        == 403
    )
    assert (
        client.simulate_patch(path, body="{}", headers={**runners["root"], **MERGE}).status_code
        == 200
    )
    assert (
        client.simulate_patch(
            "/v2/logs/999999", body="{}", headers={**runners["root"], **MERGE}
        ).status_code
        == 404
    )


# -- delete -------------------------------------------------------------------------------------


def test_hard_delete_removes_the_log_and_its_comments(client, runners, make, db, alices_log):
    log_id = alices_log.log_id
    make.comment("bob", log_id)
    path = f"/v2/logs/{log_id}"
    assert client.simulate_delete(path).status_code == 401
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 403
    result = client.simulate_delete(path, headers=runners["alice"])
    assert result.status_code == 204 and result.text == ""
    db.expire_all()
    assert db.get(Log, log_id) is None
    assert db.scalars(select(Comment).where(Comment.log_id == log_id)).all() == []
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 404


def test_admin_may_hard_delete_any_log(client, runners, alices_log):
    assert (
        client.simulate_delete(f"/v2/logs/{alices_log.log_id}", headers=runners["root"]).status_code
        == 204
    )


def test_soft_delete_flags_the_log_and_its_comments(client, runners, make, db, alices_log):
    comment = make.comment("bob", alices_log.log_id)
    path = f"/v2/logs/soft/{alices_log.log_id}"
    assert client.simulate_delete(path).status_code == 401
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 403
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 204
    db.expire_all()
    assert db.get(Log, alices_log.log_id).deleted is True
    assert db.get(Comment, comment.comment_id).deleted is True
    assert (
        client.simulate_get(f"/v2/logs/{alices_log.log_id}", headers=runners["alice"]).status_code
        == 404
    )
    assert (
        client.simulate_get(
            f"/v2/comments/{comment.comment_id}", headers=runners["bob"]
        ).status_code
        == 404
    )
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 404
    assert client.simulate_delete("/v2/logs/soft/abc", headers=runners["alice"]).status_code == 400


def test_delete_with_a_stale_if_match_is_412(client, runners, alices_log):
    path = f"/v2/logs/{alices_log.log_id}"
    headers = {**runners["alice"], "If-Match": '"999"'}
    assert client.simulate_delete(path, headers=headers).status_code == 412
    assert (
        client.simulate_delete(f"/v2/logs/soft/{alices_log.log_id}", headers=headers).status_code
        == 412
    )
