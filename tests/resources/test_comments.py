"""Comments: list, create on a log, read, replace and patch the text, hard and soft delete."""

from __future__ import annotations

import json

import pytest

from models import Comment

MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def log(make, runners):
    return make.log("alice")


@pytest.fixture
def bobs_comment(make, log):
    return make.comment("bob", log.log_id, "Nice pace")


def test_create_on_a_log_as_yourself(client, runners, log):
    result = client.simulate_post(
        "/v2/comments", json={"log_id": log.log_id, "content": "Great run!"}, headers=runners["bob"]
    )
    assert result.status_code == 201, result.json
    comment = result.json["comment"]
    assert (
        result.headers["location"] == f"/v2/comments/{comment['comment_id']}" == result.json["self"]
    )
    assert result.json["added"] is True and result.json["log"] == f"/v2/logs/{log.log_id}"
    assert (comment["username"], comment["first"], comment["last"]) == ("bob", "Bob", "Barnes")
    assert comment["content"] == "Great run!" and comment["time"].endswith("Z")
    log_body = client.simulate_get(f"/v2/logs/{log.log_id}", headers=runners["alice"]).json
    assert [c["comment_id"] for c in log_body["comments"]] == [comment["comment_id"]]


def test_create_ignores_client_ids_names_and_time(client, runners, log, bobs_comment):
    body = {
        "log_id": log.log_id,
        "content": "x",
        "comment_id": bobs_comment.comment_id,
        "first": "Mal",
        "last": "Lory",
        "time": "2000-01-01T00:00:00Z",
    }
    comment = client.simulate_post("/v2/comments", json=body, headers=runners["alice"]).json[
        "comment"
    ]
    assert comment["comment_id"] != bobs_comment.comment_id
    assert comment["first"] == "Alice" and not comment["time"].startswith("2000")


def test_create_as_someone_else_is_403(client, runners, log):
    body = {"log_id": log.log_id, "content": "x", "username": "alice"}
    assert (
        client.simulate_post("/v2/comments", json=body, headers=runners["bob"]).status_code == 403
    )
    assert (
        client.simulate_post(
            "/v2/comments", json={**body, "username": "bob"}, headers=runners["bob"]
        ).status_code
        == 201
    )


def test_create_on_an_unknown_or_deleted_log_is_404_never_500(client, runners, log, db):
    missing = client.simulate_post(
        "/v2/comments", json={"log_id": 999999, "content": "x"}, headers=runners["bob"]
    )
    assert missing.status_code == 404 and missing.json["errors"][0]["path"] == "/log_id"
    log.deleted = True
    db.merge(log)
    db.commit()
    gone = client.simulate_post(
        "/v2/comments", json={"log_id": log.log_id, "content": "x"}, headers=runners["bob"]
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"content": "no log"},
        {"log_id": "1", "content": "x"},
        {"log_id": 1},
        {"log_id": 1, "content": ""},
        {"log_id": 1, "content": "x" * 1001},
        {"log_id": 99999999999, "content": "x"},
        {"log_id": 1, "content": "x", "extra": 1},
    ],
)
def test_create_validates_the_body(client, runners, body):
    assert (
        client.simulate_post("/v2/comments", json=body, headers=runners["bob"]).status_code == 400
    )


def test_create_needs_a_token(client, log):
    assert (
        client.simulate_post(
            "/v2/comments", json={"log_id": log.log_id, "content": "x"}
        ).status_code
        == 401
    )


def test_list_pages_live_comments_oldest_first(client, runners, make, log):
    for n in range(3):
        make.comment("bob", log.log_id, f"c{n}")
    hidden = make.comment("bob", log.log_id, "hidden")
    hidden.deleted = True
    make.session.commit()
    result = client.simulate_get("/v2/comments", params={"limit": 2}, headers=runners["alice"])
    assert result.status_code == 200
    body = result.json
    assert body["total"] == 3 and [c["content"] for c in body["comments"]] == ["c0", "c1"]
    assert all(
        c["self"] == c["comment"] and c["log"] == f"/v2/logs/{log.log_id}" for c in body["comments"]
    )
    assert 'rel="next"' in result.headers["link"]
    assert client.simulate_get("/v2/comments").status_code == 401
    assert (
        client.simulate_get(
            "/v2/comments", params={"limit": 500}, headers=runners["alice"]
        ).status_code
        == 400
    )


def test_list_hides_comments_on_deleted_logs(client, runners, make, db, log, bobs_comment):
    log.deleted = True
    db.merge(log)
    db.commit()
    assert client.simulate_get("/v2/comments", headers=runners["alice"]).json["total"] == 0


def test_get_one(client, runners, bobs_comment):
    path = f"/v2/comments/{bobs_comment.comment_id}"
    result = client.simulate_get(path, headers=runners["alice"])
    assert result.status_code == 200
    assert result.json["comment"]["content"] == "Nice pace" and result.json["self"] == path
    etag = result.headers["etag"]
    assert (
        client.simulate_get(path, headers={**runners["alice"], "If-None-Match": etag}).status_code
        == 304
    )
    assert client.simulate_get(path).status_code == 401
    assert client.simulate_get("/v2/comments/999999", headers=runners["alice"]).status_code == 404
    assert client.simulate_get("/v2/comments/abc", headers=runners["alice"]).status_code == 400


def test_action_links_only_for_the_author_and_admins(client, runners, bobs_comment):
    path = f"/v2/comments/{bobs_comment.comment_id}"

    def comment_actions(who):
        links = client.simulate_get(path, headers=runners[who]).json["comment"]["links"]
        return {(link["method"], link["href"]) for link in links if link["method"] != "GET"}

    own = comment_actions("bob")
    assert own == {
        ("PUT", path),
        ("PATCH", path),
        ("DELETE", path),
        ("DELETE", f"/v2/comments/soft/{bobs_comment.comment_id}"),
    }
    assert comment_actions("alice") == set()  # the log's owner does not edit others' comments
    assert comment_actions("root") == own


def test_author_replaces_the_text_only(client, runners, make, bobs_comment):
    other_log = make.log("bob")
    path = f"/v2/comments/{bobs_comment.comment_id}"
    current = client.simulate_get(path, headers=runners["bob"]).json["comment"]
    body = {
        **current,
        "content": "Edited",
        "log_id": other_log.log_id,
        "time": "2000-01-01T00:00:00Z",
        "username": "alice",
    }
    result = client.simulate_put(path, json=body, headers=runners["bob"])
    assert result.status_code == 200, result.json
    comment = result.json["comment"]
    assert result.json["updated"] is True and comment["content"] == "Edited"
    assert comment["log_id"] == bobs_comment.log_id and comment["time"] == current["time"]
    assert comment["username"] == "bob"
    same = client.simulate_put(path, json={"content": "Edited"}, headers=runners["bob"])
    assert same.status_code == 200 and same.json["updated"] is False


def test_put_authorization_and_errors(client, runners, bobs_comment):
    path = f"/v2/comments/{bobs_comment.comment_id}"
    assert client.simulate_put(path, json={"content": "x"}).status_code == 401
    assert (
        client.simulate_put(path, json={"content": "x"}, headers=runners["alice"]).status_code
        == 403
    )
    assert (
        client.simulate_put(path, json={"content": "by admin"}, headers=runners["root"]).status_code
        == 200
    )
    assert (
        client.simulate_put(
            "/v2/comments/999999", json={"content": "x"}, headers=runners["root"]
        ).status_code
        == 404
    )
    assert (
        client.simulate_put(path, json={"content": ""}, headers=runners["bob"]).status_code == 400
    )
    assert client.simulate_put(path, json={}, headers=runners["bob"]).status_code == 400
    assert client.simulate_put(path, json={"content": 5}, headers=runners["bob"]).status_code == 400


def test_patch_the_text(client, runners, bobs_comment):
    path = f"/v2/comments/{bobs_comment.comment_id}"
    result = client.simulate_patch(
        path, body=json.dumps({"content": "Patched"}), headers={**runners["bob"], **MERGE}
    )
    assert result.status_code == 200 and result.json["comment"]["content"] == "Patched"
    ops = json.dumps([{"op": "replace", "path": "/content", "value": "Again"}])
    result = client.simulate_patch(
        path, body=ops, headers={**runners["bob"], "Content-Type": "application/json-patch+json"}
    )
    assert result.status_code == 200 and result.json["comment"]["content"] == "Again"
    removed = client.simulate_patch(
        path, body='{"content": null}', headers={**runners["bob"], **MERGE}
    )
    assert removed.status_code == 400
    assert (
        client.simulate_patch(path, body="{}", headers={**runners["alice"], **MERGE}).status_code
        == 403
    )
    wrong_type = {**runners["bob"], "Content-Type": "application/json"}
    assert client.simulate_patch(path, body="{}", headers=wrong_type).status_code == 415


def test_stale_if_match_is_412(client, runners, bobs_comment):
    path = f"/v2/comments/{bobs_comment.comment_id}"
    stale = {**runners["bob"], "If-Match": '"999"'}
    assert client.simulate_put(path, json={"content": "x"}, headers=stale).status_code == 412
    assert client.simulate_delete(path, headers=stale).status_code == 412


def test_hard_delete(client, runners, db, bobs_comment):
    comment_id = bobs_comment.comment_id
    path = f"/v2/comments/{comment_id}"
    assert client.simulate_delete(path).status_code == 401
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 403
    result = client.simulate_delete(path, headers=runners["bob"])
    assert result.status_code == 204 and result.text == ""
    db.expire_all()
    assert db.get(Comment, comment_id) is None
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 404


def test_soft_delete(client, runners, db, bobs_comment):
    path = f"/v2/comments/soft/{bobs_comment.comment_id}"
    assert client.simulate_delete(path).status_code == 401
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 403
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 204
    db.expire_all()
    assert db.get(Comment, bobs_comment.comment_id).deleted is True
    assert (
        client.simulate_get(
            f"/v2/comments/{bobs_comment.comment_id}", headers=runners["bob"]
        ).status_code
        == 404
    )
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 404
    assert client.simulate_delete("/v2/comments/soft/x", headers=runners["bob"]).status_code == 400


def test_admin_deletes_any_comment(client, runners, bobs_comment):
    assert (
        client.simulate_delete(
            f"/v2/comments/soft/{bobs_comment.comment_id}", headers=runners["root"]
        ).status_code
        == 204
    )


def test_the_links_document(client):
    endpoints = {
        (e["link"], e["verb"]) for e in client.simulate_get("/v2/comments/links").json["endpoints"]
    }
    assert ("/v2/comments/soft/{comment_id}", "DELETE") in endpoints and len(endpoints) == 8
