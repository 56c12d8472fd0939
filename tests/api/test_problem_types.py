"""Every problem carries a stable `type` URI from one table, and every type has its page."""

from __future__ import annotations

import importlib
import pkgutil
import re
import types
from pathlib import Path

import pytest
from falcon import testing

import api
import dao
import resources
from api.app import create_app
from api.errors import (
    DOMAIN_ERRORS,
    PROBLEM_TYPES,
    PROBLEMS_BY_NAME,
    STATUS_TYPES,
    domain_problem_type,
)
from api.openapi import ERRORS
from api.registry import Auth, Collection, Endpoint, build_registry
from api.routes import RESOURCE_MODULES
from dao.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TooManyAttempts,
    ValidationFailed,
)
from resources.base import Resource
from resources.discovery import LinksDocuments

NGINX_PROBLEMS = Path(__file__).resolve().parents[2] / "nginx" / "splits-problems.conf"


def _domain_errors() -> list[type[DomainError]]:
    """Return every DomainError subclass of the project, wherever it is declared."""
    for package in (dao, api, resources):
        for module in pkgutil.iter_modules(package.__path__):
            if module.name in ("__main__", "wsgi"):  # process entry points: they run on import
                continue
            importlib.import_module(f"{package.__name__}.{module.name}")
    found: set[type[DomainError]] = set()
    todo = [DomainError]
    while todo:
        for subclass in todo.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                todo.append(subclass)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_every_domain_error_subclass_has_a_problem_type_of_its_own():
    errors = _domain_errors()
    assert {InvalidInput, ValidationFailed, NotFound, TooManyAttempts} <= set(errors)
    for error in errors:
        # Mapped by the error itself or an ancestor below DomainError, never by the catch-all.
        below_base = error.__mro__[: error.__mro__.index(DomainError)]
        assert any(cls in DOMAIN_ERRORS for cls in below_base), error
        assert domain_problem_type(error) in PROBLEM_TYPES


def test_every_status_the_app_or_its_proxy_emits_has_a_type(client):
    document = client.simulate_get("/v2/openapi.json").json
    emitted = {
        int(code)
        for path in document["paths"].values()
        for operation in path.values()
        for code in operation["responses"]
        if int(code) >= 400
    }
    emitted |= set(ERRORS)
    emitted |= {405, 500}  # Falcon's own (any route) and a crash
    emitted |= {problem_type.status for problem_type in DOMAIN_ERRORS.values()}
    nginx = NGINX_PROBLEMS.read_text()
    emitted |= {int(code) for code in re.findall(r"location = /_splits/problem/(\d+)", nginx)}
    assert emitted - set(STATUS_TYPES) == set()
    for status, problem_type in STATUS_TYPES.items():
        assert problem_type.status == status


def test_problem_types_are_unique_and_their_uris_are_the_registry_s():
    assert len(PROBLEMS_BY_NAME) == len(PROBLEM_TYPES)
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    page = registry["api.problem"]
    assert page.auth is Auth.NONE
    for problem_type in PROBLEM_TYPES:
        assert page.href({"problem": problem_type.name}) == (problem_type.uri, False)
        assert re.fullmatch(r"/problems/[a-z0-9-]+", problem_type.uri)


def _raiser(error: DomainError) -> type[Resource]:
    class Raise(Resource):
        def on_get(self, req, resp):
            raise error

    return Raise


DOMAIN_CASES = [
    (InvalidInput("bad"), 400, "/problems/invalid-input"),
    (ValidationFailed("bad", errors=[{"path": "/x", "message": "no"}]), 400,
     "/problems/validation-failed"),
    (NotFound("none"), 404, "/problems/not-found"),
    (Forbidden("no"), 403, "/problems/forbidden"),
    (Conflict("dup"), 409, "/problems/conflict"),
    (Gone("old"), 410, "/problems/gone"),
    (PreconditionFailed("stale"), 412, "/problems/stale-precondition"),
    (PreconditionRequired("if-match"), 428, "/problems/precondition-required"),
    (TooManyAttempts("slow down", retry_after=7), 429, "/problems/too-many-requests"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("error", "status", "type_uri"), DOMAIN_CASES, ids=[type(c[0]).__name__ for c in DOMAIN_CASES]
)
def test_a_domain_error_becomes_its_problem_type(config, session_factory, error, status, type_uri):
    module = types.SimpleNamespace(
        COLLECTION=Collection("raise", "raise", "/v2/raise", "errors"),
        ENDPOINTS=(
            Endpoint(
                name="raise.get",
                method="GET",
                template="/v2/raise",
                resource=_raiser(error),
                suffix=None,
                auth=Auth.NONE,
                rel="self",
                title="Raise",
            ),
        ),
    )
    client = testing.TestClient(
        create_app(config, session_factory=session_factory, modules=[*RESOURCE_MODULES, module])
    )
    result = client.simulate_get("/v2/raise")
    assert result.status_code == status
    body = result.json
    assert (body["type"], body["status"], body["detail"]) == (type_uri, status, error.detail)
    assert body["title"] == PROBLEMS_BY_NAME[type_uri.removeprefix("/problems/")].title
    assert body.get("errors") == error.errors
    if isinstance(error, TooManyAttempts):
        assert result.headers["retry-after"] == "7"


def test_every_problem_type_has_a_public_page(client):
    index = client.simulate_get("/problems")
    assert index.status_code == 200
    listed = {entry["type"]: entry for entry in index.json["problems"]}
    assert list(listed) == [problem_type.uri for problem_type in PROBLEM_TYPES]
    for problem_type in PROBLEM_TYPES:
        page = client.simulate_get(problem_type.uri)
        assert page.status_code == 200, problem_type
        body = page.json
        assert body["self"] == body["type"] == problem_type.uri == listed[problem_type.uri]["self"]
        assert (body["status"], body["title"]) == (problem_type.status, problem_type.title)
        assert body["description"] == problem_type.description
        assert {"/problems", "/"} <= {link["href"] for link in body["links"]}


def test_a_problem_s_type_can_be_followed_to_its_page(client, runners):
    for result in (
        client.simulate_get("/v2/nowhere"),
        client.simulate_post("/v2/logs", json={}),  # 401: no token
        client.simulate_post("/v2/logs", json={}, headers=runners["alice"]),  # 400: schema
    ):
        page = client.simulate_get(result.json["type"])
        assert page.status_code == 200
        assert page.json["status"] == result.status_code
        assert page.json["title"] == result.json["title"]


def test_an_unknown_problem_type_is_a_404_problem(client):
    result = client.simulate_get("/problems/no-such-problem")
    assert result.status_code == 404
    assert result.json["type"] == "/problems/not-found"
    assert "/problems" in result.json["detail"]


def test_problem_pages_are_cacheable(client):
    first = client.simulate_get("/problems/conflict")
    again = client.simulate_get(
        "/problems/conflict", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_the_api_links_document_lists_the_problem_pages(client):
    body = client.simulate_get("/v2/api/links").json
    links = {endpoint["link"] for endpoint in body["endpoints"]}
    assert {"/problems", "/problems/{problem}"} <= links


def test_docs_list_every_problem_type():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    for problem_type in PROBLEM_TYPES:
        assert f"| `{problem_type.uri}` | {problem_type.status} | {problem_type.title} |" in docs
