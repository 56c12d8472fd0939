"""Notifications: private to their addressee; list, create, read, mark viewed, delete."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import Notification

MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def for_alice(make, runners):
    return make.notification("alice", "Bob commented on your log", link="/v2/logs/1")


def test_list_shows_only_your_own(client, runners, make, for_alice):
    make.notification("bob", "secret for bob")
    gone = make.notification("alice", "deleted")
    gone.deleted = True
    make.session.commit()
    result = client.simulate_get("/v2/notifications", headers=runners["alice"])
    assert result.status_code == 200
    body = result.json
    assert [n["description"] for n in body["notifications"]] == ["Bob commented on your log"]
    assert body["total"] == 1 and "secret for bob" not in result.text
    item = body["notifications"][0]
    assert (
        item["self"] == f"/v2/notifications/{for_alice.notification_id}" and item["viewed"] == "N"
    )


def test_site_admins_list_everyones(client, runners, make, for_alice):
    make.notification("bob", "for bob")
    body = client.simulate_get("/v2/notifications", headers=runners["root"]).json
    assert {n["username"] for n in body["notifications"]} == {"alice", "bob"}


def test_list_needs_a_token_and_sane_paging(client, runners):
    assert client.simulate_get("/v2/notifications").status_code == 401
    result = client.simulate_get(
        "/v2/notifications", params={"limit": "1000"}, headers=runners["alice"]
    )
    assert result.status_code == 400


def test_any_user_notifies_an_existing_user(client, runners):
    body = {"username": "alice", "description": "Bob liked your run", "link": "/v2/logs/7"}
    result = client.simulate_post("/v2/notifications", json=body, headers=runners["bob"])
    assert result.status_code == 201, result.json
    notification = result.json["notification"]
    assert result.headers["location"] == notification["self"] == result.json["self"]
    assert notification["username"] == "alice" and notification["viewed"] == "N"
    assert result.json["added"] is True
    # The sender may not read, change or delete it: no such links for them.
    assert notification["links"] == []
    assert client.simulate_get(notification["self"], headers=runners["bob"]).status_code == 403
    mine = client.simulate_get("/v2/notifications", headers=runners["alice"]).json["notifications"]
    assert [n["description"] for n in mine] == ["Bob liked your run"]


def test_create_ignores_ids_and_server_fields(client, runners, for_alice):
    body = {
        "username": "alice",
        "description": "x",
        "notification_id": for_alice.notification_id,
        "viewed": "Y",
        "time": "2000-01-01T00:00:00Z",
        "deleted": True,
    }
    created = client.simulate_post("/v2/notifications", json=body, headers=runners["bob"]).json[
        "notification"
    ]
    assert created["notification_id"] != for_alice.notification_id
    assert (
        created["viewed"] == "N"
        and created["deleted"] is False
        and not created["time"].startswith("2000")
    )


def test_create_errors(client, runners):
    assert (
        client.simulate_post(
            "/v2/notifications", json={"username": "alice", "description": "x"}
        ).status_code
        == 401
    )
    unknown = client.simulate_post(
        "/v2/notifications", json={"username": "nobody", "description": "x"}, headers=runners["bob"]
    )
    assert unknown.status_code == 404
    for body in (
        {"username": "alice"},
        {"description": "x"},
        {"username": "alice", "description": ""},
        {"username": "alice", "description": "x", "link": "javascript:alert(1)"},
        {"username": "alice", "description": "x", "link": "//evil.example"},
        {"username": "alice", "description": "x", "link": "x" * 128},
    ):
        assert (
            client.simulate_post("/v2/notifications", json=body, headers=runners["bob"]).status_code
            == 400
        ), body
    ok = {"username": "alice", "description": "x", "link": "https://example.com/run"}
    assert (
        client.simulate_post("/v2/notifications", json=ok, headers=runners["bob"]).status_code
        == 201
    )


def test_only_the_addressee_and_admins_read_one(client, runners, for_alice):
    path = f"/v2/notifications/{for_alice.notification_id}"
    mine = client.simulate_get(path, headers=runners["alice"])
    assert (
        mine.status_code == 200
        and mine.json["notification"]["description"] == "Bob commented on your log"
    )
    etag = mine.headers["etag"]
    assert (
        client.simulate_get(path, headers={**runners["alice"], "If-None-Match": etag}).status_code
        == 304
    )
    other = client.simulate_get(path, headers=runners["bob"])
    assert other.status_code == 403 and "commented" not in other.text
    assert client.simulate_get(path, headers=runners["root"]).status_code == 200
    assert client.simulate_get(path).status_code == 401
    assert (
        client.simulate_get("/v2/notifications/999999", headers=runners["alice"]).status_code == 404
    )
    assert client.simulate_get("/v2/notifications/abc", headers=runners["alice"]).status_code == 400


def test_links_on_a_notification(client, runners, for_alice):
    path = f"/v2/notifications/{for_alice.notification_id}"
    links = client.simulate_get(path, headers=runners["alice"]).json["notification"]["links"]
    assert {(link["method"], link["href"]) for link in links} == {
        ("GET", path),
        ("PUT", path),
        ("PATCH", path),
        ("DELETE", path),
        ("DELETE", f"/v2/notifications/soft/{for_alice.notification_id}"),
    }


def test_the_addressee_marks_it_viewed(client, runners, for_alice):
    path = f"/v2/notifications/{for_alice.notification_id}"
    current = client.simulate_get(path, headers=runners["alice"]).json["notification"]
    changed = {**current, "viewed": "Y", "description": "rewritten", "username": "bob"}
    result = client.simulate_put(path, json=changed, headers=runners["alice"])
    assert result.status_code == 200, result.json
    notification = result.json["notification"]
    assert result.json["updated"] is True and notification["viewed"] == "Y"
    assert (
        notification["description"] == "Bob commented on your log"
        and notification["username"] == "alice"
    )
    again = client.simulate_put(path, json={"viewed": "Y"}, headers=runners["alice"])
    assert again.status_code == 200 and again.json["updated"] is False


def test_put_errors(client, runners, for_alice):
    path = f"/v2/notifications/{for_alice.notification_id}"
    assert client.simulate_put(path, json={"viewed": "Y"}).status_code == 401
    assert (
        client.simulate_put(path, json={"viewed": "Y"}, headers=runners["bob"]).status_code == 403
    )
    assert (
        client.simulate_put(path, json={"viewed": "Y"}, headers=runners["root"]).status_code == 200
    )
    assert client.simulate_put(path, json={}, headers=runners["alice"]).status_code == 400
    assert (
        client.simulate_put(path, json={"viewed": "yes"}, headers=runners["alice"]).status_code
        == 400
    )
    assert (
        client.simulate_put(
            "/v2/notifications/x", json={"viewed": "Y"}, headers=runners["alice"]
        ).status_code
        == 400
    )
    assert (
        client.simulate_put(
            "/v2/notifications/999999", json={"viewed": "Y"}, headers=runners["root"]
        ).status_code
        == 404
    )
    stale = {**runners["alice"], "If-Match": '"999"'}
    assert client.simulate_put(path, json={"viewed": "Y"}, headers=stale).status_code == 412


def test_patch_viewed(client, runners, for_alice):
    path = f"/v2/notifications/{for_alice.notification_id}"
    result = client.simulate_patch(
        path, body=json.dumps({"viewed": "Y"}), headers={**runners["alice"], **MERGE}
    )
    assert result.status_code == 200 and result.json["notification"]["viewed"] == "Y"
    assert (
        client.simulate_patch(
            path, body='{"viewed": null}', headers={**runners["alice"], **MERGE}
        ).status_code
        == 400
    )
    assert (
        client.simulate_patch(path, body="{}", headers={**runners["bob"], **MERGE}).status_code
        == 403
    )


def test_hard_delete(client, runners, db, for_alice):
    notification_id = for_alice.notification_id
    path = f"/v2/notifications/{notification_id}"
    assert client.simulate_delete(path).status_code == 401
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 403
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 204
    db.expire_all()
    assert db.get(Notification, notification_id) is None
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 404


def test_soft_delete(client, runners, db, for_alice):
    path = f"/v2/notifications/soft/{for_alice.notification_id}"
    assert client.simulate_delete(path, headers=runners["bob"]).status_code == 403
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 204
    db.expire_all()
    assert db.get(Notification, for_alice.notification_id).deleted is True
    assert client.simulate_delete(path, headers=runners["alice"]).status_code == 404
    assert (
        client.simulate_get("/v2/notifications", headers=runners["alice"]).json["notifications"]
        == []
    )


def test_admin_deletes_any(client, runners, for_alice):
    path = f"/v2/notifications/soft/{for_alice.notification_id}"
    assert client.simulate_delete(path, headers=runners["root"]).status_code == 204


def test_recent_notifications_are_owner_only_and_windowed(client, runners, make):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    make.notification("alice", "today", time=now)
    make.notification("alice", "ten days ago", time=now - dt.timedelta(days=10))
    make.notification("alice", "a month ago", time=now - dt.timedelta(days=30))
    make.notification("bob", "bob's")
    result = client.simulate_get("/v2/users/notifications/alice", headers=runners["alice"])
    assert result.status_code == 200
    body = result.json
    # This week and the two before (14 to 20 days back): newest first.
    assert [n["description"] for n in body["notifications"]] == ["today", "ten days ago"]
    assert all("deleted" not in n for n in body["notifications"])
    assert "bob's" not in result.text
    assert (
        client.simulate_get("/v2/users/notifications/alice", headers=runners["bob"]).status_code
        == 403
    )
    assert client.simulate_get("/v2/users/notifications/alice").status_code == 401
    admin = client.simulate_get("/v2/users/notifications/alice", headers=runners["root"])
    assert admin.status_code == 200
    assert (
        client.simulate_get("/v2/users/notifications/nobody", headers=runners["root"]).status_code
        == 404
    )


def test_the_users_notifications_link_is_shown_to_the_owner_only(client, runners):
    def hrefs(who):
        return {
            link["href"]
            for link in client.simulate_get("/v2/users/alice", headers=runners[who]).json["user"][
                "links"
            ]
        }

    assert "/v2/users/notifications/alice" in hrefs("alice")
    assert "/v2/users/notifications/alice" not in hrefs("bob")
    assert {"/v2/users/statistics/alice", "/v2/users/flair/alice"} <= hrefs("bob")


def test_no_other_users_notifications_anywhere(client, runners, make):
    make.notification("bob", "PRIVATE-FOR-BOB")
    for path in (
        "/v2/notifications",
        "/v2/users/notifications/alice",
        "/v2/users/alice",
        "/v2/users",
    ):
        assert "PRIVATE-FOR-BOB" not in client.simulate_get(path, headers=runners["alice"]).text
