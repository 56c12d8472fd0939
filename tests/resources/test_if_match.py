"""Every PUT, PATCH and DELETE of the registry honours If-Match (CONTRACT §9), generated from it.

`TARGETS` maps each write endpoint's name to a builder that creates its target, says how to
call the endpoint (path, valid body, caller) and reads the target back. The tests send a stale
`If-Match` to every write endpoint and expect 412 with the target unchanged; a write endpoint
of the registry that has no builder fails `test_every_write_endpoint_has_a_target`, so a new
endpoint cannot slip past the check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from falcon import testing
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.config import Config
from api.registry import Endpoint, build_registry
from api.routes import RESOURCE_MODULES
from models import (
    AuthSession,
    Code,
    Comment,
    EmailChange,
    ForgotPassword,
    Group,
    GroupMember,
    Log,
    Notification,
    TeamMember,
    User,
)
from resources.discovery import LinksDocuments
from tests.factories import Factory

WRITE_METHODS = {"PUT", "PATCH", "DELETE"}
#: Tags no row version has: a strong one and a weak one (as nginx's gzip makes them).
STALE = '"999999", W/"999998"'
MERGE = {"Content-Type": "application/merge-patch+json"}
LOG = {"date": "2024-03-01", "type": "run", "feel": 7}
PROFILE = {"first": "Alice", "last": "Changed", "email": "alice@example.com"}


def rows(db: Session, table: Table, **where: Any) -> list[dict[str, Any]]:
    """Read the matching rows straight from the database, every column."""
    query = select(table).where(*(table.c[name] == value for name, value in where.items()))
    return [dict(row) for row in db.execute(query).mappings().all()]


@dataclass
class World:
    """What a builder may use: the client, factories, a database session and callers' headers."""

    client: testing.TestClient
    make: Factory
    db: Session
    headers: dict[str, dict[str, str]]


@dataclass
class Target:
    """One write call and how to read its target back."""

    path: str
    headers: dict[str, str]
    read: Callable[[], Any]
    body: dict[str, Any] | None = None
    content_type: dict[str, str] = field(default_factory=dict)


def _log(w: World) -> int:
    return w.make.log("alice", **LOG).log_id


def _comment(w: World) -> int:
    return w.make.comment("alice", _log(w)).comment_id


def _notification(w: World) -> int:
    return w.make.notification("alice").notification_id


def _group(w: World) -> Group:
    w.make.team("riverdale")
    group = w.make.group("varsity", team="riverdale")
    w.make.team_member("riverdale", "alice", role="admin")
    w.make.group_member(group, "alice", role="admin")
    w.make.team_member("riverdale", "bob", status="pending")
    w.make.group_member(group, "bob", status="pending")
    return group


def _code(w: World) -> str:
    group = _group(w)
    return w.make.code("bob@example.com", group, created_user="alice").activation_code


def _sessions(w: World, username: str) -> Callable[[], Any]:
    return lambda: rows(w.db, AuthSession.__table__, username=username)


#: The write endpoints this test knows how to target, by registry name; the registry must not
#: have more (`test_every_write_endpoint_has_a_target`). A builder creates the target of
#: endpoint `name` and returns how to call it and how to read the target back.
TARGETS: dict[str, Callable[[World, str], Target]] = {}


def builds(*names: str) -> Callable[[Callable[[World, str], Target]], Callable[..., Target]]:
    """Register the decorated builder for the endpoints `names`."""

    def register(builder: Callable[[World, str], Target]) -> Callable[[World, str], Target]:
        for name in names:
            assert name not in TARGETS, f"two builders for {name}"
            TARGETS[name] = builder
        return builder

    return register


def _alice(w: World) -> Callable[[], Any]:
    return lambda: rows(w.db, User.__table__, username="alice")


def _verb(name: str) -> str:
    return name.split(".", 1)[1]


@builds("auth.logout")
def _logout(w: World, name: str) -> Target:
    return Target("/v2/auth/token", w.headers["alice"], _sessions(w, "alice"))


@builds("auth.revoke_user")
def _revoke(w: World, name: str) -> Target:
    return Target("/v2/auth/tokens/alice", w.headers["root"], _sessions(w, "alice"))


@builds("users.replace", "users.patch")
def _profile(w: World, name: str) -> Target:
    if name == "users.patch":
        return Target("/v2/users/alice", w.headers["alice"], _alice(w), {"last": "X"}, MERGE)
    return Target("/v2/users/alice", w.headers["alice"], _alice(w), PROFILE)


@builds("users.delete", "users.soft_delete", "users.update_last_login")
def _user_action(w: World, name: str) -> Target:
    path = {
        "users.delete": "/v2/users/alice",
        "users.soft_delete": "/v2/users/soft/alice",
        "users.update_last_login": "/v2/users/alice/update_last_login",
    }[name]
    return Target(path, w.headers["alice"], _alice(w))


@builds("users.update_memberships")
def _memberships(w: World, name: str) -> Target:
    _group(w)
    w.make.team("hilltop")
    return Target(
        "/v2/users/memberships/alice",
        w.headers["alice"],
        lambda: rows(w.db, TeamMember.__table__, username="alice"),
        {"teams_joined": ["hilltop"]},
    )


@builds("users.change_password")
def _change_password(w: World, name: str) -> Target:
    w.make.reset_code("alice", "RESET123")
    user = _alice(w)
    return Target(
        "/v2/users/alice/change_password",
        {},
        lambda: (user(), rows(w.db, ForgotPassword.__table__, username="alice")),
        {"forgot_password_code": "RESET123", "new_password": "a-new-password"},
    )


@builds("logs.replace", "logs.patch", "logs.delete", "logs.soft_delete")
def _log_target(w: World, name: str) -> Target:
    log_id = _log(w)
    soft = "soft/" if name == "logs.soft_delete" else ""
    body = {"replace": LOG | {"feel": 9}, "patch": {"feel": 9}}.get(_verb(name))
    return Target(
        f"/v2/logs/{soft}{log_id}",
        w.headers["alice"],
        lambda: rows(w.db, Log.__table__, log_id=log_id),
        body,
        MERGE if name == "logs.patch" else {},
    )


@builds("comments.replace", "comments.patch", "comments.delete", "comments.soft_delete")
def _comment_target(w: World, name: str) -> Target:
    comment_id = _comment(w)
    soft = "soft/" if name == "comments.soft_delete" else ""
    body = {"replace": {"content": "Changed"}, "patch": {"content": "Changed"}}.get(_verb(name))
    return Target(
        f"/v2/comments/{soft}{comment_id}",
        w.headers["alice"],
        lambda: rows(w.db, Comment.__table__, comment_id=comment_id),
        body,
        MERGE if name == "comments.patch" else {},
    )


@builds(
    "notifications.replace",
    "notifications.patch",
    "notifications.delete",
    "notifications.soft_delete",
)
def _notification_target(w: World, name: str) -> Target:
    number = _notification(w)
    soft = "soft/" if name == "notifications.soft_delete" else ""
    body = {"replace": {"viewed": "Y"}, "patch": {"viewed": "Y"}}.get(_verb(name))
    return Target(
        f"/v2/notifications/{soft}{number}",
        w.headers["alice"],
        lambda: rows(w.db, Notification.__table__, notification_id=number),
        body,
        MERGE if name == "notifications.patch" else {},
    )


@builds("groups.replace", "groups.patch", "groups.replace_by_names", "groups.patch_by_names")
def _group_target(w: World, name: str) -> Target:
    group = _group(w)
    path = "/v2/groups/riverdale/varsity" if "by_names" in name else f"/v2/groups/{group.id}"
    return Target(
        path,
        w.headers["alice"],
        lambda: rows(w.db, Group.__table__, id=group.id),
        {"description": "Changed"},
        MERGE if "patch" in name else {},
    )


@builds("groups.update_member", "groups.remove_member")
def _member_target(w: World, name: str) -> Target:
    group = _group(w)
    body = {"status": "accepted", "user": "user"} if name == "groups.update_member" else None
    return Target(
        f"/v2/groups/members/{group.id}/bob",
        w.headers["alice"],
        lambda: rows(w.db, GroupMember.__table__, group_id=group.id, username="bob"),
        body,
    )


@builds("activation_code.delete", "activation_code.soft_delete")
def _code_target(w: World, name: str) -> Target:
    code = _code(w)
    soft = "soft/" if name == "activation_code.soft_delete" else ""
    return Target(
        f"/v2/activation_code/{soft}{code}",
        w.headers["alice"],
        lambda: rows(w.db, Code.__table__, activation_code=code),
    )


@builds("users.email_cancel")
def _email_change_target(w: World, name: str) -> Target:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    w.db.add(
        EmailChange(
            username="alice",
            new_email="alice.new@example.com",
            code_hash="0" * 64,
            created_at=now,
            expires_at=now + dt.timedelta(hours=1),
        )
    )
    w.db.commit()
    return Target(
        "/v2/users/alice/email",
        w.headers["alice"],
        lambda: rows(w.db, EmailChange.__table__, username="alice"),
    )


def build_target(name: str, w: World) -> Target:
    """Create the target of write endpoint `name`; return how to call it and read it back."""
    return TARGETS[name](w, name)


@pytest.fixture
def open_app(config: Config, session_factory):
    """An app with no disabled routes, so every write endpoint reaches its responder."""
    return create_app(
        dataclasses.replace(config, disabled_routes=()), session_factory=session_factory
    )


@pytest.fixture
def world(open_app, make: Factory, db: Session, runners: dict[str, dict[str, str]]) -> World:
    """Alice and Bob (runners) and root (site admin), with their tokens, and the open app."""
    return World(testing.TestClient(open_app), make, db, dict(runners))


def write_endpoints() -> list[Endpoint]:
    """Return the registry's PUT, PATCH and DELETE endpoints."""
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    return [endpoint for endpoint in registry if endpoint.method in WRITE_METHODS]


def method_of(name: str) -> str:
    """Return the verb of the write endpoint `name`."""
    return next(endpoint.method for endpoint in write_endpoints() if endpoint.name == name)


def test_every_write_endpoint_has_a_target():
    names = {endpoint.name for endpoint in write_endpoints()}
    assert names, "the registry lists no write endpoint"
    missing = names - set(TARGETS)
    assert not missing, f"write endpoints without an If-Match target builder: {sorted(missing)}"
    assert not set(TARGETS) - names, "TARGETS names endpoints the registry no longer has"


def _call(w: World, method: str, target: Target, extra: dict[str, str]) -> testing.Result:
    headers = {**target.headers, **target.content_type, **extra}
    if target.body is None:
        return w.client.simulate_request(method, target.path, headers=headers)
    if target.content_type:
        return w.client.simulate_request(
            method, target.path, headers=headers, body=json.dumps(target.body)
        )
    return w.client.simulate_request(method, target.path, headers=headers, json=target.body)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_stale_if_match_is_412_and_changes_nothing(world: World, name):
    target = build_target(name, world)
    world.db.expire_all()
    before = target.read()
    assert before, f"{name}: the builder made no target"
    result = _call(world, method_of(name), target, {"If-Match": STALE})
    assert result.status_code == 412, (name, result.status_code, result.text)
    assert result.headers["content-type"] == "application/problem+json"
    world.db.expire_all()
    assert target.read() == before, f"{name} changed its target despite the stale If-Match"


@pytest.mark.parametrize(
    "name", ["auth.logout", "auth.revoke_user", "users.update_memberships", "users.email_cancel"]
)
def test_if_match_star_passes_where_there_is_no_etag(world: World, name):
    target = build_target(name, world)
    result = _call(world, method_of(name), target, {"If-Match": "*"})
    assert result.status_code in (200, 204), (name, result.status_code, result.text)


@pytest.mark.parametrize(
    "name", ["activation_code.delete", "users.update_last_login", "users.change_password"]
)
def test_a_current_if_match_passes(world: World, name):
    target = build_target(name, world)
    world.db.expire_all()
    version = target.read()
    version = (version[0] if isinstance(version, tuple) else version)[0]["version"]
    result = _call(world, method_of(name), target, {"If-Match": f'"{version}"'})
    assert result.status_code in (200, 204), (name, result.status_code, result.text)
