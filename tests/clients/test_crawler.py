"""A hypermedia crawler: a client that knows only `/` must reach the whole API by following links.

For each caller (anonymous, a runner, a group admin, a site admin) it logs in through the login
link of `/`, then follows every GET link of every body (expanding templated links with values
seen on the way), checks every response, and tries every action link it was shown. Actions run
inside a savepoint that is rolled back afterwards, so the crawl changes nothing: the check is that
the action is not refused (401/403) and not broken (404, 405, 5xx).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from jsonschema import Draft202012Validator

from api.config import DEFAULT_DISABLED_ROUTES
from api.registry import Endpoint, Registry, build_registry
from api.routes import RESOURCE_MODULES
from models import EmailChange
from resources.discovery import LinksDocuments
from tests.factories import PASSWORD

#: How many different URLs of one endpoint a crawl visits (pages, users, logs...).
PER_ENDPOINT = 3
MAX_REQUESTS = 400
JSON_MEDIA = "application/json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
REFUSED = frozenset({401, 403})
BROKEN = frozenset({404, 405})
#: Values a real client gets outside the API: a reset code from its e-mail, a search it types.
RESET_CODE = "RESET123"
OUT_OF_BAND = {"code": RESET_CODE, "text": "river"}


def _registry() -> Registry:
    return build_registry(
        RESOURCE_MODULES, links_resource=LinksDocuments, disabled_routes=DEFAULT_DISABLED_ROUTES
    )


class Routes:
    """Match concrete paths to registry templates as the router does (literal segments win)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.patterns = []
        for template in {endpoint.template for endpoint in registry}:
            regex = "".join(
                f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
                for part in re.split(r"({\w+})", template)
            )
            literal = len(re.sub(r"{\w+}", "", template))
            self.patterns.append((literal, template, re.compile(f"^{regex}$")))
        self.patterns.sort(key=lambda item: -item[0])

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        """Return (template, path values) for a concrete path, or None."""
        path = path.rstrip("/") or "/"
        for _, template, pattern in self.patterns:
            found = pattern.match(path)
            if found:
                return template, found.groupdict()
        return None

    def endpoint(self, method: str, href: str, templated: bool) -> Endpoint | None:
        """Return the registry entry a link points at."""
        if templated:
            return self.registry.find(href, method)
        matched = self.match(urlsplit(href).path)
        return self.registry.find(matched[0], method) if matched else None


class _Sources(HTMLParser):
    """Collect the src/href attributes of an HTML page: a browser's links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


@dataclass
class Crawl:
    """What one caller's crawl saw."""

    role: str
    visited: set[str] = field(default_factory=set)  # endpoint names answered 200 to a GET
    shown: set[str] = field(default_factory=set)  # endpoint names shown as links
    acted: set[str] = field(default_factory=set)  # action endpoints tried and not refused
    problems: list[str] = field(default_factory=list)
    requests: int = 0


class Crawler:
    """Follow links from `/` as one caller."""

    def __init__(self, client, connection, registry: Registry, role: str, username: str | None):
        self.client = client
        self.connection = connection
        self.registry = registry
        self.routes = Routes(registry)
        self.username = username
        self.headers: dict[str, str] = {}
        self.crawl = Crawl(role)
        self.known: dict[str, list[str]] = defaultdict(list)
        self.queue: deque[str] = deque()
        self.seen_urls: set[str] = set()
        self.per_endpoint: dict[str, int] = defaultdict(int)
        self.tried: set[tuple[str, str]] = set()
        self.bodies: dict[str, Any] = {}
        if username:
            self.remember("username", username)
        for name, value in OUT_OF_BAND.items():
            self.remember(name, value)

    # -- bookkeeping ---------------------------------------------------------------------------

    def problem(self, text: str) -> None:
        entry = f"[{self.crawl.role}] {text}"
        if entry not in self.crawl.problems:
            self.crawl.problems.append(entry)

    def remember(self, name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return
        value = str(value)
        if value and value not in self.known[name] and "{" not in value:
            self.known[name].append(value)

    def collect(self, value: Any, depth: int = 0) -> None:
        """Remember every scalar member of a body by name, to fill templated links."""
        if depth > 10:
            return
        if isinstance(value, list):
            for item in value:
                self.collect(item, depth + 1)
        elif isinstance(value, dict):
            for name, member in value.items():
                if isinstance(member, (dict, list)):
                    self.collect(member, depth + 1)
                elif name not in ("self", "href", "rel", "title", "method", "auth"):
                    self.remember(name, member)

    def request(self, method: str, url: str, **kwargs: Any):
        self.crawl.requests += 1
        parts = urlsplit(url)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.simulate_request(
            method, parts.path, query_string=parts.query or None, headers=headers, **kwargs
        )

    # -- the crawl -----------------------------------------------------------------------------

    def log_in(self) -> None:
        """Find the login link on `/` and use it, as a client would."""
        root = self.request("GET", "/").json
        login = next(link for link in root["links"] if link["rel"] == "login")
        result = self.request(
            login["method"], login["href"], json={"username": self.username, "password": PASSWORD}
        )
        assert result.status_code == 200, result.json
        self.headers = {"Authorization": f"Bearer {result.json['access_token']}"}
        self.check_body("/v2/auth/token", result.json)

    def run(self) -> Crawl:
        if self.username:
            self.log_in()
        self.enqueue("/")
        while self.queue and self.crawl.requests < MAX_REQUESTS:
            self.visit(self.queue.popleft())
        if self.queue:
            self.problem(f"crawl stopped after {MAX_REQUESTS} requests; {len(self.queue)} left")
        return self.crawl

    def enqueue(self, url: str) -> None:
        if url in self.seen_urls:
            return
        self.seen_urls.add(url)
        matched = self.routes.match(urlsplit(url).path)
        if matched is None:
            self.problem(f"GET {url}: a link to a path no route serves")
            return
        endpoint = self.registry.find(matched[0], "GET")
        if endpoint is None:
            self.problem(f"GET {url}: no GET on {matched[0]}")
            return
        if self.per_endpoint[endpoint.name] >= PER_ENDPOINT:
            return
        self.per_endpoint[endpoint.name] += 1
        for name, value in matched[1].items():
            self.remember(name, value)
        self.queue.append(url)

    def visit(self, url: str) -> None:
        result = self.request("GET", url)
        template, _ = self.routes.match(urlsplit(url).path)
        endpoint = self.registry.find(template, "GET")
        if result.status_code != 200:
            self.problem(f"GET {url} ({endpoint.name}) answered {result.status_code}")
            return
        self.crawl.visited.add(endpoint.name)
        media = result.headers.get("content-type", "").split(";")[0]
        if media == JSON_MEDIA:
            self.check_body(url, result.json)
        elif media == "text/html":
            parser = _Sources()
            parser.feed(result.text)
            for source in parser.found:
                if source.startswith("/"):
                    self.enqueue(source)
        elif media.endswith("json"):
            json.loads(result.content)  # a schema or the OpenAPI document: JSON, no links

    def check_body(self, url: str, body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("self"), str):
            self.problem(f"{url}: the body has no `self`")
            return
        if not isinstance(body.get("links"), list):
            self.problem(f"{url}: the body has no `links` array")
            return
        self.bodies[url] = body
        self.collect(body)
        for owner, links in self.link_arrays(body):
            if "self" not in owner:
                keys = ", ".join(sorted(owner)[:6])
                self.problem(f"{url}: an embedded object with links has no `self` ({keys})")
            for link in links:
                self.follow(url, owner, link)

    def link_arrays(self, value: Any, depth: int = 0):
        """Yield (owning object, links array) for every `links` array in a body."""
        if depth > 10:
            return
        if isinstance(value, dict):
            if isinstance(value.get("links"), list):
                yield value, value["links"]
            for name, member in value.items():
                if name != "links":
                    yield from self.link_arrays(member, depth + 1)
        elif isinstance(value, list):
            for item in value:
                yield from self.link_arrays(item, depth + 1)

    def follow(self, url: str, owner: dict[str, Any], link: Any) -> None:
        if not (isinstance(link, dict) and {"rel", "href", "method", "title"} <= set(link)):
            self.problem(f"{url}: not a link object: {link!r}")
            return
        method, href = link["method"], link["href"]
        templated = bool(link.get("templated"))
        if not href.startswith("/"):
            self.problem(f"{url}: link {href} is not a path")
            return
        endpoint = self.routes.endpoint(method, href, templated)
        if endpoint is None:
            self.problem(f"{url}: link {method} {href} matches no endpoint")
            return
        self.check(url, link, endpoint)
        if templated:
            href = self.expand(href)
            if href is None:
                return  # no values for its fields yet; another page may give them
        if method == "GET":
            self.enqueue(href)
        elif (method, href) not in self.tried:
            self.tried.add((method, href))
            self.act(url, owner, endpoint, href)

    def check(self, url: str, link: dict[str, Any], endpoint: Endpoint) -> None:
        """Check that a link says what the registry says of its endpoint; queue its schema."""
        if endpoint.disabled:
            self.problem(f"{url}: link to disabled endpoint {endpoint.name}")
        self.crawl.shown.add(endpoint.name)
        if link.get("auth") not in (None, endpoint.auth.value):
            self.problem(f"{url}: link {endpoint.name} says auth {link.get('auth')}")
        if endpoint.schema and link.get("schema") != f"/v2/schemas/{endpoint.schema}.json":
            self.problem(f"{url}: link {endpoint.name} lacks its schema")
        if link.get("schema"):
            self.enqueue(link["schema"])

    def expand(self, template: str) -> str | None:
        """Fill a templated href with values seen so far (the caller's own username first)."""
        values = {}
        for name in re.findall(r"{(\w+)}", template):
            if not self.known.get(name):
                return None
            values[name] = self.known[name][0]
        return re.sub(r"{(\w+)}", lambda m: quote(values[m.group(1)], safe="@"), template)

    # -- actions -------------------------------------------------------------------------------

    def body_for(self, endpoint: Endpoint, href: str, owner: dict[str, Any]) -> tuple[str, Any]:
        """Return (content type, body) for trying an action: valid when the data at hand allows."""
        if endpoint.method == "PATCH":
            return "application/merge-patch+json", {}  # an empty merge patch changes nothing
        if not endpoint.schema:
            return JSON_MEDIA, None
        schema = json.loads(self.request("GET", f"/v2/schemas/{endpoint.schema}.json").content)
        properties = schema.get("properties", {})
        target = owner if owner.get("self") == href else {}
        candidate: dict[str, Any] = {}
        for name in properties:
            if name in target:
                candidate[name] = target[name]
            elif self.known.get(name):
                candidate[name] = _typed(self.known[name][0], properties[name])
        validator = Draft202012Validator(schema)
        candidate = {k: v for k, v in candidate.items() if v is not None or k in target}
        if validator.is_valid(candidate):
            return JSON_MEDIA, candidate
        return JSON_MEDIA, {}  # invalid: a 400 then shows only that authorization passed

    def act(self, url: str, owner: dict[str, Any], endpoint: Endpoint, href: str) -> None:
        content_type, body = self.body_for(endpoint, href, owner)
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"body": json.dumps(body), "headers": {"Content-Type": content_type}}
        savepoint = self.connection.begin_nested()
        try:
            result = self.request(endpoint.method, href, **kwargs)
        finally:
            savepoint.rollback()
        status = result.status_code
        if status in REFUSED or status in BROKEN or status >= 500:
            detail = result.json.get("detail") if result.json else result.text[:200]
            self.problem(
                f"{url}: shown action {endpoint.method} {href} ({endpoint.name}) answered "
                f"{status}: {detail}"
            )
        else:
            self.crawl.acted.add(endpoint.name)


def _typed(value: str, schema: Any) -> Any:
    """Turn a remembered (string) value into the type the schema asks for."""
    kinds = schema.get("type", []) if isinstance(schema, dict) else []
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if ("integer" in kinds or "number" in kinds) and value.lstrip("-").isdigit():
        return int(value)
    return value


# -- the data and the callers -------------------------------------------------------------------


@pytest.fixture
def world(make, db):
    """Users in every role, a group, logs, a comment, a notification, flair, pending changes."""
    make.user("alice", first="Alice", last="Ames")
    make.user("bob", first="Bob", last="Barnes")
    make.user("gina", first="Gina", last="Grant")
    make.user("root", first="Site", last="Admin", role="admin")
    team = make.team("riverdale")
    group = make.group("milers", team=team.name)
    for username in ("alice", "bob", "gina"):
        make.team_member(team.name, username)
        make.group_member(group, username, role="admin" if username == "gina" else "user")
    log = make.log("alice", name="Tempo", distance=5, metric="miles", time="0:35:00")
    make.log("bob", name="Easy", distance=3, metric="miles", time="0:24:00")
    make.comment("bob", log.log_id, "Strong run")
    make.notification("alice", "Bob commented on your log")
    make.flair("alice", "Captain")
    make.code("alice@example.com", group, created_user="gina", code="INVITE01")
    make.reset_code("alice", RESET_CODE)
    # A pending e-mail change, so that its confirm and cancel actions are offered.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    db.add(
        EmailChange(
            username="alice",
            new_email="alice.next@example.com",
            code_hash="0" * 64,
            created_at=now,
            expires_at=now + dt.timedelta(hours=1),
            attempts=0,
        )
    )
    db.commit()
    return {"team": team, "group": group, "log": log}


ROLES = {"anonymous": None, "runner": "alice", "group admin": "gina", "site admin": "root"}


def test_every_endpoint_is_reachable_from_the_root_and_no_shown_link_fails(
    client, connection, world
):
    registry = _registry()
    crawls = [
        Crawler(client, connection, registry, role, username).run()
        for role, username in ROLES.items()
    ]
    problems = [problem for crawl in crawls for problem in crawl.problems]
    visited = set().union(*(crawl.visited for crawl in crawls))
    shown = set().union(*(crawl.shown for crawl in crawls))
    acted = set().union(*(crawl.acted for crawl in crawls))
    live = [endpoint for endpoint in registry if not endpoint.disabled]
    unreached = sorted(e.name for e in live if e.method == "GET" and e.name not in visited)
    unshown = sorted(e.name for e in live if e.method != "GET" and e.name not in shown)
    if unreached:
        problems.append(f"GET endpoints that no link from / leads to: {unreached}")
    if unshown:
        problems.append(f"actions that no body reached from / offers: {unshown}")
    assert not problems, "\n".join(problems)
    assert acted == {e.name for e in live if e.method != "GET"} & shown
    anonymous = crawls[0]
    assert "users.list" not in anonymous.visited  # links are filtered by the caller
