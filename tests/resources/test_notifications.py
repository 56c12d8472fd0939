"""Notifications: private to their addressee; list, create, read, mark viewed, delete.

Only teammates and site admins may notify a user; the sender is recorded and shown, links are
paths of this API, and senders are throttled (audit issue 11, item 3; legacy-v2 §7.6).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from falcon import testing
from sqlalchemy import func, select

from api.app import create_app
from models import Notification, TeamMember, Throttle

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


def notify(client, headers, username="coach", description="Nice run", **fields):
    body = {"username": username, "description": description, **fields}
    return client.simulate_post("/v2/notifications", json=body, headers=headers)


def notification_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Notification.notification_id)))


def throttle_keys(db) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Throttle.key)))


def test_a_teammate_notifies_a_teammate_as_the_sender(client, club):
    body = {"username": "coach", "description": "Alice liked your run", "link": "/v2/logs/7"}
    result = client.simulate_post("/v2/notifications", json=body, headers=club["alice"])
    assert result.status_code == 201, result.json
    notification = result.json["notification"]
    assert result.headers["location"] == notification["self"] == result.json["self"]
    assert notification["username"] == "coach" and notification["viewed"] == "N"
    assert notification["sender"] == "alice" and notification["link"] == "/v2/logs/7"
    assert result.json["added"] is True
    # The sender may not read, change or delete it: no such links for them.
    assert notification["links"] == []
    assert client.simulate_get(notification["self"], headers=club["alice"]).status_code == 403
    # The addressee sees who sent it, in every representation.
    mine = client.simulate_get("/v2/notifications", headers=club["coach"]).json["notifications"]
    assert [(n["description"], n["sender"]) for n in mine] == [("Alice liked your run", "alice")]
    one = client.simulate_get(notification["self"], headers=club["coach"]).json["notification"]
    assert one["sender"] == "alice"
    recent = client.simulate_get("/v2/users/notifications/coach", headers=club["coach"])
    assert [n["sender"] for n in recent.json["notifications"]] == ["alice"]
    # Both directions: the coach notifies alice back.
    assert notify(client, club["coach"], "alice").json["notification"]["sender"] == "coach"


def test_the_sender_cannot_be_forged(client, club, db):
    result = notify(client, club["alice"], sender="root", created_user="root")
    assert result.status_code == 400  # created_user is not a member of the schema
    result = notify(client, club["alice"], sender="root")
    assert result.status_code == 201 and result.json["notification"]["sender"] == "alice"
    db.expire_all()
    row = db.get(Notification, result.json["notification"]["notification_id"])
    assert row.sender == "alice"


@pytest.mark.parametrize("sender", ["bob", "hiker", "carol"])
def test_a_non_teammate_is_refused_and_nothing_is_written(client, club, make, login, db, sender):
    """bob has no team, hiker is accepted in another team, carol is only pending in riverdale."""
    make.user("hiker")
    make.team_member("hilltop", "hiker")
    headers = {**club.headers, "hiker": login("hiker")}
    before, keys = notification_count(db), throttle_keys(db)
    result = notify(client, headers[sender], "alice", "Click https://evil.example")
    assert result.status_code == 403, result.json
    assert result.headers["content-type"].startswith("application/problem+json")
    assert "teammates" in result.json["detail"]
    assert notification_count(db) == before and throttle_keys(db) == keys
    # Nor the other way round: alice cannot reach them either.
    assert notify(client, club["alice"], sender).status_code == 403


def test_only_accepted_live_memberships_on_both_sides_count(client, club, make, db):
    # carol is pending in riverdale: the coach (an admin of the team and of a group) cannot
    # notify her either; group admins have no right beyond their teammates.
    assert notify(client, club["coach"], "carol").status_code == 403
    # alice leaves the team (a soft-deleted membership): no longer a teammate.
    membership = db.scalar(
        select(TeamMember).where(
            TeamMember.team_name == "riverdale", TeamMember.username == "alice"
        )
    )
    membership.deleted = True
    db.commit()
    assert notify(client, club["coach"], "alice").status_code == 403
    membership.deleted = False
    db.commit()
    assert notify(client, club["coach"], "alice").status_code == 201
    # A deleted team joins nobody.
    club.team.deleted = True
    db.commit()
    assert notify(client, club["coach"], "alice").status_code == 403


def test_site_admins_notify_anyone_and_anyone_notifies_themselves(client, club):
    for addressee in ("bob", "carol", "alice"):
        result = notify(client, club["root"], addressee)
        assert result.status_code == 201 and result.json["notification"]["sender"] == "root"
    own = notify(client, club["bob"], "bob", "Remember the long run")
    assert own.status_code == 201 and own.json["notification"]["sender"] == "bob"


def test_unknown_addressee_is_404(client, club):
    assert notify(client, club["alice"], "nobody").status_code == 404


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/run",
        "http://evil.example/v2/logs/1",
        "//evil.example",
        "//evil.example/v2/logs/1",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,hi",
        "/\\evil.example",
        "/\\/evil.example",
        "/%5C%5Cevil.example",
        "/%2F%2Fevil.example",
        "/v2/logs/%2F%2Fevil.example",
        "/v2/logs/1\u0000",
        "/v2/logs/1\n",
        "/v2/logs/%0d%0aSet-Cookie:x",
        "/v2/logs/1 2",
        "/v2/logs/1#x",
        "/v2//logs/1",
        "/v2/users/..",
        "/v2/logs/../../evil",
        "/v2/no_such_route",
        "/v2/users/alice/update_last_login",
        "v2/logs/1",
        "",
        "/v2/logs/" + "1" * 130,
    ],
)
def test_a_link_must_be_a_path_of_this_api(client, club, db, link):
    before = notification_count(db)
    result = notify(client, club["alice"], link=link)
    assert result.status_code == 400, (link, result.json)
    assert any(error["path"] == "/link" for error in result.json["errors"]), result.json
    assert notification_count(db) == before


@pytest.mark.parametrize(
    "link",
    ["/v2/logs/7", "/v2/users/alice", "/v2/log_feed/user/alice/10/0", "/v2/notifications?limit=5"],
)
def test_api_paths_are_good_links(client, club, link):
    result = notify(client, club["alice"], link=link)
    assert result.status_code == 201 and result.json["notification"]["link"] == link


def test_legacy_notifications_show_no_sender(client, club, make):
    row = make.notification("alice", "from the old site", link="https://saintsxctf.com/log/1")
    body = client.simulate_get(f"/v2/notifications/{row.notification_id}", headers=club["alice"])
    assert body.json["notification"]["sender"] is None
    assert body.json["notification"]["link"] == "https://saintsxctf.com/log/1"


def test_senders_are_throttled_in_the_database(config, session_factory, client, club, db):
    limited = dataclasses.replace(config, notification_limit=3, notification_window=600)
    first = testing.TestClient(create_app(limited, session_factory=session_factory))
    statuses = [notify(first, club["alice"], description=f"n{n}").status_code for n in range(3)]
    assert statuses == [201, 201, 201]
    before = notification_count(db)
    blocked = notify(first, club["alice"])
    assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 600
    assert blocked.headers["content-type"].startswith("application/problem+json")
    # The state is in the database: another app instance over it refuses too.
    second = testing.TestClient(create_app(limited, session_factory=session_factory))
    assert notify(second, club["alice"]).status_code == 429
    assert notification_count(db) == before
    # Per sender: the coach still may; refused attempts did not count.
    assert notify(second, club["coach"], "alice").status_code == 201


def test_the_default_limit_is_30_per_10_minutes(client, club):
    statuses = [notify(client, club["alice"], description=f"n{n}").status_code for n in range(31)]
    assert statuses == [201] * 30 + [429]


def test_deleting_the_sender_keeps_the_notification_without_sender(
    config, session_factory, client, club, db
):
    created = notify(client, club["coach"], "alice").json["notification"]
    enabled = testing.TestClient(
        create_app(dataclasses.replace(config, disabled_routes=()), session_factory=session_factory)
    )
    assert enabled.simulate_delete("/v2/users/coach", headers=club["root"]).status_code == 204
    body = client.simulate_get(created["self"], headers=club["alice"]).json["notification"]
    assert body["sender"] is None and body["description"] == "Nice run"


def test_create_ignores_ids_and_server_fields(client, club, for_alice):
    body = {
        "username": "alice",
        "description": "x",
        "notification_id": for_alice.notification_id,
        "viewed": "Y",
        "time": "2000-01-01T00:00:00Z",
        "deleted": True,
    }
    created = client.simulate_post("/v2/notifications", json=body, headers=club["coach"]).json[
        "notification"
    ]
    assert created["notification_id"] != for_alice.notification_id
    assert (
        created["viewed"] == "N"
        and created["deleted"] is False
        and not created["time"].startswith("2000")
    )


def test_create_errors(client, club):
    assert (
        client.simulate_post(
            "/v2/notifications", json={"username": "alice", "description": "x"}
        ).status_code
        == 401
    )
    unknown = client.simulate_post(
        "/v2/notifications", json={"username": "nobody", "description": "x"}, headers=club["coach"]
    )
    assert unknown.status_code == 404
    for body in (
        {"username": "alice"},
        {"description": "x"},
        {"username": "alice", "description": ""},
        {"username": "alice", "description": "x", "link": "javascript:alert(1)"},
        {"username": "alice", "description": "x", "link": "//evil.example"},
        {"username": "alice", "description": "x", "link": "x" * 128},
        {"username": "alice", "description": "x", "link": "https://example.com/run"},
    ):
        assert (
            client.simulate_post("/v2/notifications", json=body, headers=club["coach"]).status_code
            == 400
        ), body
    ok = {"username": "alice", "description": "x", "link": "/v2/logs/1"}
    assert (
        client.simulate_post("/v2/notifications", json=ok, headers=club["coach"]).status_code == 201
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
