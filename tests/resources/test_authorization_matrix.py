"""The authorization matrix: every endpoint of the registry against nine kinds of caller.

For each endpoint of the registry and each caller of `CALLERS`, the test builds the endpoint's
target (owned by "the owner", in "the target's group" of "the target's team"), calls it with a
schema-valid body where it takes one, and compares the status with what the *declaration*
says. The expectation (`expected`) is computed here, from `Endpoint.auth`, `owner_param`,
`disabled`, `target.kind` (and its `within` chain) and what this test itself knows about the
world: who owns what (`WHOSE`) and who administers which group or team (`CALLERS`). It never
asks `api.access`, so it is an independent oracle of the rules written down in
docs/architecture.md ("Who may do what, declared once"):

* anonymous: 401, unless the endpoint's rule is NONE;
* a disabled endpoint (DISABLED_ROUTES): 403 for everyone who got past the 401;
* a rule the URL alone decides (ADMIN, or OWNER with `owner_param`): 403 for a caller it
  refuses, before anything is loaded;
* then the target's rule: OWNER admits the row's owner, site admins and, for a row that also
  belongs to a group (an activation code), that group's accepted admins; GROUP_ADMIN admits
  site admins and the accepted admins of the row's group or team; a refused caller gets 403,
  or 404 for a kind in `HIDDEN`, whose very existence is secret (the loader answers as if
  there were no such row to anyone the OWNER rule would refuse, whatever the endpoint's rule;
  a pending e-mail change is named by its owner's username, so the URL rule's 403 comes first);
* an allowed caller gets a 2xx or 3xx: the call reached its responder and succeeded (for the
  few endpoints in `UNSUCCESSFUL`, which cannot succeed in a generic world, anything but 401,
  403 and 5xx).

A refused PUT, PATCH or DELETE carries a stale `If-Match`: the refusal must come first (never
a 412). After every refusal the target's rows (`Built.read`, straight SQL) and every table of the
database are read back and must be unchanged.

A new endpoint is covered without writing a test: targets are built by `Target.kind`
(`BUILDERS`), path fields are filled by name (`FIELDS`), bodies by schema name (`BODIES`; a
PATCH sends its PUT's body as a merge patch). An endpoint whose kind, path field or schema
this file does not know fails `test_every_endpoint_can_be_built`, never a silent skip.

The world is built once per module (one connection, one outer transaction); each cell runs in
a savepoint that is rolled back, so a DELETE in one cell does not take the next cell's
target, and the DB-backed throttles (login, lookup, notifications, forgot-password) start
afresh in every cell; the limits are generous besides (`_config`). Endpoints disabled by
default are checked twice: as configured (403, `disabled`) and, in the `[enabled]` cells, on
an app with no disabled route, so their rule is still held to its declaration.

Beside issue 12's nine callers, a tenth column (`EXTRA_CALLERS`, counted apart) is an admin
of the target's team, the only caller other than a site admin that the team branch of
GROUP_ADMIN admits.

`MISMATCHES` lists the cells where the behaviour differs from the declaration today. Their
expectation is not weakened: they are strict xfails that fail as soon as the code agrees with
the declaration (then delete the entry).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from falcon import testing
from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.config import DEFAULT_DISABLED_ROUTES, Config
from api.errors import PROBLEM_TYPES
from api.registry import Auth, Endpoint, Registry, build_registry
from api.routes import RESOURCE_MODULES
from models import (
    AuthSession,
    Base,
    Code,
    Comment,
    EmailChange,
    Group,
    GroupMember,
    Log,
    Notification,
    Team,
    TeamMember,
    User,
)
from resources.discovery import LinksDocuments
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, Factory

# -- the world ---------------------------------------------------------------------------------

OWNER = "olive"
TEAM = "riverdale"
GROUP = "varsity"
OTHER_GROUP = "alumni"  # in the same team
OTHER_TEAM = "hilltop"
OTHER_TEAMS_GROUP = "hill"
RESET_CODE = "RESET123"  # the owner's forgot-password code
WELCOME_CODE = "WELCOME1"  # an activation code that registers `newbie@example.com`
INVITE_CODE = "INVITE01"  # the code built as the target of activation_code.* endpoints
LOG = {"date": "2024-03-01", "type": "run", "feel": 7}
MERGE = "application/merge-patch+json"
WRITE_METHODS = frozenset({"PUT", "PATCH", "DELETE"})
#: An If-Match no row version has: a refused write carries it and must still be refused, not
#: answered 412 (docs/architecture.md: the target's rule comes before If-Match).
STALE = '"999999"'


#: The world's teams and their groups.
TEAMS = {TEAM: (GROUP, OTHER_GROUP), OTHER_TEAM: (OTHER_TEAMS_GROUP,)}


@dataclass(frozen=True)
class Caller:
    """Who calls: a username (None: anonymous), and where they belong.

    `memberships` are (team or group name, status, role) rows: the world is built from them and
    the oracle reads what the caller administers from them, so the two cannot disagree.
    """

    username: str | None
    site_admin: bool = False
    memberships: tuple[tuple[str, str, str], ...] = ()

    @property
    def administers(self) -> frozenset[str]:
        """Return the teams and groups the caller is an accepted admin of."""
        return frozenset(
            place
            for place, status, role in self.memberships
            if status == "accepted" and role == "admin"
        )


def _in(
    team: str, group: str, *, status: str = "accepted", team_role: str = "user", role: str = "user"
) -> tuple[tuple[str, str, str], ...]:
    """Return the memberships of someone in `team` (as `team_role`) and its `group` (as `role`)."""
    return ((team, status, team_role), (group, status, role))


#: The nine callers, in the order of the matrix's columns.
CALLERS: dict[str, Caller] = {
    "anonymous": Caller(None),
    # an accepted member (not an admin) of hilltop and its group hill
    "stranger": Caller("sam", memberships=_in(OTHER_TEAM, OTHER_TEAMS_GROUP)),
    # an accepted member of riverdale and varsity, like the owner
    "teammate": Caller("tess", memberships=_in(TEAM, GROUP)),
    # owns every target (log, comment, notification, account, code, pending e-mail change)
    "owner": Caller(OWNER, memberships=_in(TEAM, GROUP)),
    # an accepted admin of varsity, an accepted plain member of riverdale
    "group_admin": Caller("gail", memberships=_in(TEAM, GROUP, role="admin")),
    # an accepted admin of alumni (riverdale's other group), a plain member of riverdale
    "other_group_admin": Caller("omar", memberships=_in(TEAM, OTHER_GROUP, role="admin")),
    # an accepted admin of the team hilltop and of its group hill
    "other_team_admin": Caller(
        "tom", memberships=_in(OTHER_TEAM, OTHER_TEAMS_GROUP, team_role="admin", role="admin")
    ),
    # *pending* with the admin role in riverdale and varsity: so it administers nothing, and a
    # rule that forgot to look at the status would let it through
    "pending": Caller(
        "pat", memberships=_in(TEAM, GROUP, status="pending", team_role="admin", role="admin")
    ),
    "site_admin": Caller("root", site_admin=True),
}
#: A tenth column beside issue 12's nine, counted apart: an accepted admin of the target's
#: *team* (a plain member of its group), the one caller besides site admins whom the team
#: branch of GROUP_ADMIN admits (team-scoped targets: creating a group, approving members).
EXTRA_CALLERS: dict[str, Caller] = {
    "team_admin": Caller("tara", memberships=_in(TEAM, GROUP, team_role="admin"))
}
EVERYONE: dict[str, Caller] = CALLERS | EXTRA_CALLERS


@dataclass(frozen=True)
class Whose:
    """Whose a kind of target is, in this world: the owner's, the target group's, the team's."""

    owner: bool = False
    group: bool = False
    team: bool = False


#: What this test knows about each `Target.kind`: whose the built row is (CONTRACT §6,
#: legacy-v2 §3.11). A session is the caller's own; a user is their own account.
WHOSE: dict[str, Whose] = {
    "session": Whose(),
    "user": Whose(owner=True),
    "log": Whose(owner=True),
    "comment": Whose(owner=True),
    "notification": Whose(owner=True),
    "email_change": Whose(owner=True),
    "activation_code": Whose(owner=True, group=True),
    "group": Whose(group=True),
    "group_member": Whose(group=True),
    "team": Whose(team=True),
}
#: Kinds whose existence is a secret (docs/architecture.md): a caller that the OWNER rule over
#: the row refuses gets 404, as for a row that does not exist, instead of 403.
HIDDEN = frozenset({"activation_code", "email_change"})

#: An allowed cell: a 2xx or 3xx (any status but 401, 403 and 5xx for `UNSUCCESSFUL`).
ALLOWED = 0


def kinds(endpoint: Endpoint) -> list[str]:
    """Return the target kinds the endpoint loads, parent first."""
    found: list[str] = []
    target = endpoint.target
    while target is not None:
        found.insert(0, target.kind)
        target = target.within
    return found


def administers(caller: Caller, whose: Whose) -> bool:
    """Tell whether `caller` is a site admin or an accepted admin of the row's group or team."""
    return (
        caller.site_admin
        or (whose.group and GROUP in caller.administers)
        or (whose.team and TEAM in caller.administers)
    )


def admits(auth: Auth, caller: Caller, whose: Whose) -> bool:
    """Tell whether the rule `auth` admits `caller` to a row that is `whose`."""
    if auth is Auth.NONE:
        return True
    if caller.username is None:
        return False
    if caller.site_admin or auth is Auth.USER:
        return True
    if auth is Auth.OWNER:
        return (whose.owner and caller.username == OWNER) or (
            whose.group and administers(caller, whose)
        )
    if auth is Auth.GROUP_ADMIN:
        return administers(caller, whose)
    return False  # ADMIN: site admins only


def expected(endpoint: Endpoint, caller: Caller) -> int:
    """Return the status the declaration promises `caller`, or ALLOWED."""
    if endpoint.auth is not Auth.NONE and caller.username is None:
        return 401
    if endpoint.disabled:
        return 403
    if endpoint.auth is Auth.ADMIN and not caller.site_admin:
        return 403
    if endpoint.owner_param and not (caller.site_admin or caller.username == OWNER):
        return 403  # the path field it names holds the owner (OWNER_FIELDS)
    for kind in kinds(endpoint):  # a parent is loaded and checked before its child
        whose = WHOSE[kind]
        if kind in HIDDEN and not admits(Auth.OWNER, caller, whose):
            return 404
        if not admits(endpoint.auth, caller, whose):
            return 403
    return ALLOWED


# -- known differences between the declaration and the behaviour -------------------------------

_UNDECLARED_TEAMMATE_RULE = (
    "declared USER, but dao/notifications.py (NotificationDao.may_notify) answers 403 to a "
    "sender who is not an accepted teammate of the addressee the body names: a rule outside "
    "the declaration, so the registry, the links and OpenAPI's auth do not know it"
)
#: (endpoint, caller) -> why the behaviour differs from the declaration (strict xfail).
MISMATCHES: dict[tuple[str, str], str] = {
    ("notifications.create", "stranger"): _UNDECLARED_TEAMMATE_RULE,
    ("notifications.create", "other_team_admin"): _UNDECLARED_TEAMMATE_RULE,
    ("notifications.create", "pending"): _UNDECLARED_TEAMMATE_RULE,
}
#: Endpoints whose allowed callers cannot get a 2xx in this generic world, and why; every
#: other allowed cell must succeed, so that a builder that misses its target (a 404 that
#: never reached the rule) cannot pass for an allowed call.
UNSUCCESSFUL: dict[str, str] = {
    "users.email_confirm": "no pending change it could confirm: its code is stored hashed (404)",
}

# -- the registry ------------------------------------------------------------------------------


def _registry(disabled_routes: tuple[str, ...]) -> Registry:
    return build_registry(
        RESOURCE_MODULES, links_resource=LinksDocuments, disabled_routes=disabled_routes
    )


#: The registry as the app is configured by default, and with every route enabled.
REGISTRY = _registry(DEFAULT_DISABLED_ROUTES)
OPEN_REGISTRY = _registry(())
#: Endpoints disabled by default: checked again, enabled, in the `[enabled]` cells.
DISABLED = tuple(endpoint.name for endpoint in REGISTRY if endpoint.disabled)


@dataclass
class World:
    """The shared rows' keys, the callers' headers and the clients, for the whole module."""

    connection: Connection
    sessions: Callable[[], Session]
    clients: dict[str, testing.TestClient]
    headers: dict[str, dict[str, str]]
    group_id: int
    log_id: int
    refresh_token: str

    def make(self) -> Session:
        """Return a session for building a cell's rows (joined to the cell's savepoint)."""
        return self.sessions()


@dataclass
class Built:
    """A cell's target: the path fields naming it and how to read its rows back."""

    values: dict[str, str] = field(default_factory=dict)
    read: Callable[[], Any] = lambda: None


def rows(connection: Connection, table: Table, **where: Any) -> list[dict[str, Any]]:
    """Read the matching rows straight from the database, every column."""
    query = select(table).where(*(table.c[name] == value for name, value in where.items()))
    return [dict(row) for row in connection.execute(query).mappings().all()]


def everything(connection: Connection) -> dict[str, list[str]]:
    """Read every row of every table (the world is small), in a comparable form."""
    return {
        table.name: sorted(repr(sorted(row.items())) for row in rows(connection, table))
        for table in Base.metadata.sorted_tables
    }


# -- targets, by Target.kind -------------------------------------------------------------------

#: Builders of a target row, by `Target.kind`: make the row (the owner's, in the target's
#: group), return the path fields that name it and how to read it back.
BUILDERS: dict[str, Callable[[World, Session], Built]] = {}
#: The path fields each kind's builder fills in (the others come from `FIELDS`).
GIVES: dict[str, tuple[str, ...]] = {}


def builds(
    kind: str, *, gives: tuple[str, ...] = ()
) -> Callable[[Callable[[World, Session], Built]], Callable[..., Built]]:
    """Register the decorated builder for targets of `kind`; it names the row by `gives`."""

    def register(builder: Callable[[World, Session], Built]) -> Callable[[World, Session], Built]:
        assert kind not in BUILDERS, f"two builders for {kind}"
        BUILDERS[kind] = builder
        GIVES[kind] = gives
        return builder

    return register


@builds("session")
def _session(w: World, db: Session) -> Built:
    return Built(read=lambda: rows(w.connection, AuthSession.__table__))


@builds("user")
def _user(w: World, db: Session) -> Built:
    return Built(read=lambda: rows(w.connection, User.__table__, username=OWNER))


@builds("log", gives=("log_id",))
def _log(w: World, db: Session) -> Built:
    log_id = Factory(db).log(OWNER, **LOG).log_id
    return Built({"log_id": str(log_id)}, lambda: rows(w.connection, Log.__table__, log_id=log_id))


@builds("comment", gives=("comment_id",))
def _comment(w: World, db: Session) -> Built:
    number = Factory(db).comment(OWNER, w.log_id).comment_id
    return Built(
        {"comment_id": str(number)},
        lambda: rows(w.connection, Comment.__table__, comment_id=number),
    )


@builds("notification", gives=("notification_id",))
def _notification(w: World, db: Session) -> Built:
    number = Factory(db).notification(OWNER, sender=CALLERS["teammate"].username).notification_id
    return Built(
        {"notification_id": str(number)},
        lambda: rows(w.connection, Notification.__table__, notification_id=number),
    )


@builds("email_change")
def _email_change(w: World, db: Session) -> Built:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    db.add(
        EmailChange(
            username=OWNER,
            new_email=f"{OWNER}.new@example.com",
            code_hash="0" * 64,
            created_at=now,
            expires_at=now + dt.timedelta(hours=1),
        )
    )
    db.commit()
    return Built(read=lambda: rows(w.connection, EmailChange.__table__, username=OWNER))


@builds("activation_code", gives=("code",))
def _activation_code(w: World, db: Session) -> Built:
    group = db.get(Group, w.group_id)
    assert group is not None
    Factory(db).code("invitee@example.com", group, created_user=OWNER, code=INVITE_CODE)
    return Built(
        {"code": INVITE_CODE},
        lambda: rows(w.connection, Code.__table__, activation_code=INVITE_CODE),
    )


@builds("group")
def _group(w: World, db: Session) -> Built:
    return Built(
        read=lambda: (
            rows(w.connection, Group.__table__, id=w.group_id),
            rows(w.connection, GroupMember.__table__, group_id=w.group_id),
        )
    )


@builds("group_member", gives=("second",))
def _group_member(w: World, db: Session) -> Built:
    return Built(
        {"second": OWNER},
        lambda: rows(w.connection, GroupMember.__table__, group_id=w.group_id, username=OWNER),
    )


@builds("team")
def _team(w: World, db: Session) -> Built:
    return Built(
        read=lambda: (
            rows(w.connection, Team.__table__, name=TEAM),
            rows(w.connection, TeamMember.__table__, team_name=TEAM),
        )
    )


# -- path fields, by name ----------------------------------------------------------------------


def _key_is_a_group_id(endpoint: Endpoint) -> bool:
    """`{key}` is a group id where declared an integer, else a team name (resources/groups.py)."""
    return endpoint.params.get("key") == "integer"


#: Values of the path fields a target builder does not give, by field name. Every field that
#: names a user names the owner, a group the target's group, a team the target's team.
FIELDS: dict[str, Callable[[World, Endpoint], str]] = {
    "username": lambda w, e: OWNER,
    "group_id": lambda w, e: str(w.group_id),
    "team_name": lambda w, e: TEAM,
    "group_name": lambda w, e: GROUP,
    "key": lambda w, e: str(w.group_id) if _key_is_a_group_id(e) else TEAM,
    # after a group id, a member's username; after a team name, a group's name
    "second": lambda w, e: OWNER if _key_is_a_group_id(e) else GROUP,
    "code": lambda w, e: RESET_CODE,  # a forgot-password code (activation codes: BUILDERS)
    "filter_by": lambda w, e: "all",
    "bucket": lambda w, e: "all",
    "limit": lambda w, e: "10",
    "offset": lambda w, e: "0",
    "exercise_types": lambda w, e: "r",
    "start": lambda w, e: "2024-03-01",
    "end": lambda w, e: "2024-03-31",
    "interval": lambda w, e: "week",
    "text": lambda w, e: "river",
    "name": lambda w, e: "log-create",
    "asset": lambda w, e: "explorer.js",
    "problem": lambda w, e: PROBLEM_TYPES[0].name,
}

#: The path fields that may be an endpoint's `owner_param`: FIELDS fills them with the owner.
OWNER_FIELDS = frozenset({"username"})

#: Rows a path field names, read back after a refusal of an endpoint without a target.
FIELD_ROWS: dict[str, Callable[[World], Any]] = {
    "username": lambda w: rows(w.connection, User.__table__, username=OWNER),
    "group_id": lambda w: rows(w.connection, Group.__table__, id=w.group_id),
    "team_name": lambda w: rows(w.connection, Team.__table__, name=TEAM),
}

# -- bodies, by schema name --------------------------------------------------------------------

#: A valid body for each request schema, acting on the world's rows.
BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "auth-token": lambda w: {"username": OWNER, "password": PASSWORD},
    "auth-refresh": lambda w: {"refresh_token": w.refresh_token},
    "user-create": lambda w: {
        "username": "newbie",
        "first": "New",
        "last": "Runner",
        "email": "newbie@example.com",
        "password": "a-long-password",
        "activation_code": WELCOME_CODE,
    },
    "user-update": lambda w: {"first": "Olive", "last": "Changed", "email": f"{OWNER}@example.com"},
    "email-change": lambda w: {"email": f"{OWNER}.new@example.com", "password": PASSWORD},
    "email-change-confirmation": lambda w: {"code": "ABCD1234"},
    "memberships-update": lambda w: {"teams_joined": [OTHER_TEAM]},
    "log-create": lambda w: dict(LOG),
    "log-update": lambda w: LOG | {"feel": 9},
    "comment-create": lambda w: {"log_id": w.log_id, "content": "Nice one"},
    "comment-update": lambda w: {"content": "Changed"},
    "notification-create": lambda w: {"username": OWNER, "description": "Hello"},
    "notification-update": lambda w: {"viewed": "Y"},
    "flair-create": lambda w: {"username": OWNER, "flair": "Matrix Runner"},
    "team-create": lambda w: {"name": "newteam", "title": "New Team"},
    "team-member-approval": lambda w: {"username": CALLERS["pending"].username},
    "group-create": lambda w: {"team_name": TEAM, "group_name": "newgroup", "group_title": "New"},
    "group-update": lambda w: {"description": "Changed"},
    "group-member-update": lambda w: {"status": "accepted", "user": "admin"},
    "activation-code-create": lambda w: {"email": "invited@example.com", "group_id": w.group_id},
    "change-password": lambda w: {
        "forgot_password_code": RESET_CODE,
        "new_password": "a-new-password",
    },
}


def body_schema(endpoint: Endpoint, registry: Registry) -> str | None:
    """Return the schema of the body the endpoint is called with: a PATCH sends its PUT's."""
    if endpoint.method == "PATCH":
        put = registry.find(endpoint.template, "PUT")
        assert put is not None and put.schema, f"{endpoint.name}: a PATCH without a PUT schema"
        return put.schema
    return endpoint.schema


# -- a cell ------------------------------------------------------------------------------------


@dataclass
class Call:
    """How a cell calls its endpoint and reads its target back."""

    path: str
    body: dict[str, Any] | None
    content_type: str
    read: Callable[[], Any]


def prepare(endpoint: Endpoint, registry: Registry, w: World, db: Session) -> Call:
    """Build the endpoint's target in the world; return the call to make."""
    values: dict[str, str] = {}
    reads: list[Callable[[], Any]] = []
    for kind in kinds(endpoint):
        built = BUILDERS[kind](w, db)
        assert set(built.values) == set(GIVES[kind]), f"the {kind} builder names other fields"
        values.update(built.values)
        reads.append(built.read)
    for name in endpoint.fields:
        if name not in values:
            values[name] = FIELDS[name](w, endpoint)
            if not endpoint.target and name in FIELD_ROWS:
                reads.append(lambda name=name: FIELD_ROWS[name](w))
    path, templated = endpoint.href(values)
    assert not templated, f"{endpoint.name}: unfilled path fields in {path}"
    schema = body_schema(endpoint, registry)
    body = BODIES[schema](w) if schema else None
    content_type = MERGE if endpoint.method == "PATCH" else "application/json"
    return Call(path, body, content_type, lambda: [read() for read in reads])


def call(client: testing.TestClient, endpoint: Endpoint, the: Call, headers: dict[str, str]):
    """Make the call, with its body if it has one."""
    if the.body is None:
        return client.simulate_request(endpoint.method, the.path, headers=headers)
    return client.simulate_request(
        endpoint.method,
        the.path,
        headers={**headers, "Content-Type": the.content_type},
        body=json.dumps(the.body),
    )


# -- fixtures ----------------------------------------------------------------------------------


def _config(database_url: str) -> Config:
    """The test configuration, with throttles far above what the matrix sends."""
    return Config(
        database_url=database_url,
        secret_key=TEST_SECRET,
        environment="test",
        bcrypt_cost=4,
        access_token_ttl=3600,
        login_max_failures=10_000,
        login_account_max_failures=10_000,
        notification_limit=10_000,
        lookup_limit=10_000,
    )


def _populate(db: Session) -> tuple[int, int]:
    """Create the callers, teams, groups and memberships; return (group id, a log's id)."""
    make = Factory(db)
    groups = {}
    for team, names in TEAMS.items():
        make.team(team)
        groups.update((name, make.group(name, team=team)) for name in names)
    for caller in EVERYONE.values():
        if caller.username is None:
            continue
        make.user(caller.username, role="admin" if caller.site_admin else "user")
        for place, status, role in caller.memberships:
            if place in TEAMS:
                make.team_member(place, caller.username, status=status, role=role)
            else:
                make.group_member(groups[place], caller.username, status=status, role=role)
    group = groups[GROUP]
    make.reset_code(OWNER, RESET_CODE)
    make.code(
        "newbie@example.com", group, created_user=CALLERS["group_admin"].username, code=WELCOME_CODE
    )
    # someone else's log: the target comment is the owner's on it, so a rule that looked at
    # the log's owner instead of the comment's would admit the teammate and refuse the owner
    log_id = make.log(CALLERS["teammate"].username or "", **LOG).log_id
    return group.id, log_id


@pytest.fixture(scope="module")
def world(engine: Engine, database_url: str) -> Iterator[World]:
    """Build the world once for the module, in a transaction that is rolled back at its end."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            sessions = sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
                autoflush=False,
            )
            config = _config(database_url)
            clients = {
                "default": testing.TestClient(create_app(config, session_factory=sessions)),
                "open": testing.TestClient(
                    create_app(
                        dataclasses.replace(config, disabled_routes=()), session_factory=sessions
                    )
                ),
            }
            with sessions() as db:
                group_id, log_id = _populate(db)
            headers: dict[str, dict[str, str]] = {"anonymous": {}}
            refresh_token = ""
            for role, caller in EVERYONE.items():
                if caller.username is None:
                    continue
                result = clients["default"].simulate_post(
                    "/v2/auth/token", json={"username": caller.username, "password": PASSWORD}
                )
                assert result.status_code == 200, result.text
                headers[role] = {"Authorization": f"Bearer {result.json['access_token']}"}
                if caller.username == OWNER:
                    refresh_token = result.json["refresh_token"]
            yield World(connection, sessions, clients, headers, group_id, log_id, refresh_token)
        finally:
            outer.rollback()


# -- the tests ---------------------------------------------------------------------------------

CELLS = [
    pytest.param(
        "default",
        endpoint.name,
        role,
        id=f"{endpoint.name}-{role}",
        marks=(
            [pytest.mark.xfail(strict=True, reason=MISMATCHES[(endpoint.name, role)])]
            if (endpoint.name, role) in MISMATCHES
            else []
        ),
    )
    for endpoint in REGISTRY
    for role in EVERYONE
] + [
    pytest.param("open", name, role, id=f"{name}[enabled]-{role}")
    for name in DISABLED
    for role in EVERYONE
]


@pytest.mark.parametrize(("app", "name", "role"), CELLS)
def test_the_declaration_decides(world: World, app: str, name: str, role: str):
    registry = REGISTRY if app == "default" else OPEN_REGISTRY
    endpoint = registry[name]
    caller = EVERYONE[role]
    want = expected(endpoint, caller)
    savepoint = world.connection.begin_nested()
    try:
        with world.make() as db:
            the = prepare(endpoint, registry, world, db)
        headers = dict(world.headers[role])
        before = None
        if want != ALLOWED:
            before = (the.read(), everything(world.connection))
            if endpoint.method in WRITE_METHODS:  # a refusal comes before the precondition
                headers["If-Match"] = STALE
        result = call(world.clients[app], endpoint, the, headers)
        got = result.status_code
        cell = f"{endpoint.key} as {role}: got {got}, declared {want or 'allowed'}"
        if want == ALLOWED and endpoint.name in UNSUCCESSFUL:
            assert got not in (401, 403) and got < 500, f"{cell}: {result.text}"
        elif want == ALLOWED:
            assert 200 <= got < 400, f"{cell}: {result.text}"
        else:
            assert got == want, f"{cell}: {result.text}"
            assert (the.read(), everything(world.connection)) == before, f"{cell}: changed rows"
    finally:
        savepoint.rollback()


def test_every_endpoint_can_be_built():
    """Every endpoint's target kinds, path fields and body schema are known to this test."""
    problems = []
    for endpoint in OPEN_REGISTRY:
        for kind in kinds(endpoint):
            if kind not in BUILDERS or kind not in WHOSE:
                problems.append(f"{endpoint.name}: no builder or WHOSE entry for kind {kind!r}")
        given = {name for kind in kinds(endpoint) for name in GIVES.get(kind, ())}
        for name in set(endpoint.fields) - given - set(FIELDS):
            problems.append(f"{endpoint.name}: no value for path field {{{name}}}")
        try:
            schema = body_schema(endpoint, OPEN_REGISTRY)
        except AssertionError as ex:
            problems.append(str(ex))
            continue
        if schema is not None and schema not in BODIES:
            problems.append(f"{endpoint.name}: no body for schema {schema!r}")
        if endpoint.owner_param and endpoint.owner_param not in OWNER_FIELDS:
            problems.append(f"{endpoint.name}: owner_param {endpoint.owner_param} names whom?")
        if endpoint.auth in (Auth.OWNER, Auth.GROUP_ADMIN) and not (
            endpoint.owner_param or endpoint.target
        ):
            problems.append(f"{endpoint.name}: an {endpoint.auth} rule with nothing to check")
    assert not problems, "\n".join(problems)
    known = {kind for endpoint in OPEN_REGISTRY for kind in kinds(endpoint)}
    assert set(BUILDERS) <= known, f"builders for kinds nobody declares: {set(BUILDERS) - known}"
    schemas = {body_schema(endpoint, OPEN_REGISTRY) for endpoint in OPEN_REGISTRY} - {None}
    assert set(BODIES) <= schemas, f"bodies for unknown schemas: {set(BODIES) - schemas}"
    stale = {cell[0] for cell in MISMATCHES} | set(UNSUCCESSFUL)
    stale -= set(REGISTRY.by_name)
    assert not stale, f"MISMATCHES names endpoints the registry no longer has: {stale}"


def test_the_matrix_covers_every_endpoint_for_every_caller(capsys):
    endpoints = len(REGISTRY.endpoints)
    assert endpoints > 100, "the registry looks truncated"
    assert len(CALLERS) == 9
    size = endpoints * len(CALLERS)
    extra = endpoints * len(EXTRA_CALLERS)
    enabled = len(DISABLED) * len(EVERYONE)
    assert len(CELLS) == size + extra + enabled
    cells = [(endpoint, caller) for endpoint in REGISTRY for caller in CALLERS.values()]
    refusals = sum(expected(endpoint, caller) != ALLOWED for endpoint, caller in cells)
    with capsys.disabled():
        print(
            f"\nauthorization matrix: {endpoints} endpoints x {len(CALLERS)} callers = {size} "
            f"cells ({refusals} refusals); + {extra} cells of a team admin, + {enabled} cells "
            f"of the {len(DISABLED)} endpoint(s) disabled by default, enabled: {len(CELLS)}"
        )


def test_the_oracle_is_not_trivial():
    """Each kind of answer occurs, so a broken `expected` cannot pass silently."""
    answers = {expected(endpoint, caller) for endpoint in REGISTRY for caller in CALLERS.values()}
    assert answers == {ALLOWED, 401, 403, 404}
    owner_only = REGISTRY["logs.replace"]
    allowed = {role for role, caller in CALLERS.items() if expected(owner_only, caller) == ALLOWED}
    assert allowed == {"owner", "site_admin"}
    by_group = REGISTRY["groups.replace"]
    allowed = {role for role, caller in CALLERS.items() if expected(by_group, caller) == ALLOWED}
    assert allowed == {"group_admin", "site_admin"}
    code = REGISTRY["activation_code.delete"]
    hidden = {role for role, caller in CALLERS.items() if expected(code, caller) == 404}
    assert hidden == {"stranger", "teammate", "other_group_admin", "other_team_admin", "pending"}
    by_team = REGISTRY["groups.create"]
    allowed = {role for role, caller in EVERYONE.items() if expected(by_team, caller) == ALLOWED}
    assert allowed == {"team_admin", "site_admin"}
