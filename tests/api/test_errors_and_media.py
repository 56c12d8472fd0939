"""Every error is problem+json; bad input is a clear 4xx, never a 500."""

from __future__ import annotations

import types

import pytest

from api.app import create_app
from api.errors import PROBLEMS_BY_NAME
from api.middleware import BODY_REQUIRED
from api.registry import Auth, Collection, Endpoint
from api.routes import RESOURCE_MODULES
from resources.base import Resource


def assert_problem(result, status):
    assert result.status_code == status, result.text
    assert result.headers["content-type"].startswith("application/problem+json")
    body = result.json
    assert body["status"] == status
    assert {"type", "title", "detail", "instance", "links"} <= set(body)
    assert body["links"][0]["href"] == "/"
    # A stable type URI of that status, never about:blank (docs/errors.md).
    problem_type = PROBLEMS_BY_NAME[body["type"].removeprefix("/problems/")]
    assert (problem_type.uri, problem_type.status, problem_type.title) == (
        body["type"], status, body["title"],
    )  # fmt: skip
    return body


def test_unknown_route_is_a_problem_404(client):
    body = assert_problem(client.simulate_get("/v2/nowhere"), 404)
    assert body["instance"] == "/v2/nowhere"
    assert body["type"] == "/problems/not-found"


def test_unsupported_method_is_a_problem_405_with_allow(client):
    result = client.simulate_request("PATCH", "/versions")
    assert assert_problem(result, 405)["type"] == "/problems/method-not-allowed"
    assert "GET" in result.headers["allow"]


def test_options_answers_with_allow(client):
    result = client.simulate_options("/v2/users/someone")
    assert result.status_code == 200
    assert {"GET", "PUT", "PATCH", "DELETE"} <= {
        m.strip() for m in result.headers["allow"].split(",")
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": NaN, "password": "x"}',
        b'{"username": Infinity, "password": "x"}',
        b'{"username": "\\ud800", "password": "x"}',
        b'{"username": "alice", "password": "x"',
        b"[" * 100 + b"]" * 100,
        b'{"a":' * 40 + b"1" + b"}" * 40,
        b"\xff\xfe",
    ],
    ids=["nan", "infinity", "lone-surrogate", "truncated", "deep-array", "deep-object", "not-utf8"],
)
def test_malformed_json_is_400(client, body):
    result = client.simulate_post(
        "/v2/auth/token", body=body, headers={"Content-Type": "application/json"}
    )
    assert assert_problem(result, 400)["type"] == "/problems/malformed-request"


def test_wrong_content_type_is_415(client):
    result = client.simulate_post(
        "/v2/auth/token", body="username=a", headers={"Content-Type": "text/plain"}
    )
    assert assert_problem(result, 415)["type"] == "/problems/unsupported-media-type"


def test_body_over_one_mebibyte_is_413(client):
    result = client.simulate_post(
        "/v2/auth/token",
        body=b'{"username": "' + b"a" * (1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert assert_problem(result, 413)["type"] == "/problems/payload-too-large"


def test_schema_failures_list_every_field_with_a_json_pointer(client):
    result = client.simulate_post("/v2/auth/token", json={"username": 7, "extra": True})
    body = assert_problem(result, 400)
    paths = sorted(error["path"] for error in body["errors"])
    assert paths == ["/extra", "/password", "/username"]
    assert (body["type"], body["title"]) == ("/problems/validation-failed", "Validation Failed")


def _paths(result) -> list[str]:
    return sorted(error["path"] for error in assert_problem(result, 400)["errors"])


def test_each_missing_required_field_is_its_own_error(client, runners):
    result = client.simulate_post("/v2/logs", json={}, headers=runners["alice"])
    assert _paths(result) == ["/date", "/feel", "/type"]
    messages = {error["path"]: error["message"] for error in result.json["errors"]}
    assert messages["/type"] == "'type' is a required property"


def test_each_unexpected_member_is_its_own_error(client):
    body = {"username": "a", "password": "long enough", "role": "admin", "is_admin": True}
    result = client.simulate_post("/v2/auth/token", json=body)
    assert _paths(result) == ["/is_admin", "/role"]
    assert all("not an allowed property" in error["message"] for error in result.json["errors"])


def test_nested_errors_point_into_the_nested_object(client, runners):
    body = {"groups_joined": [{"team_name": "riverdale", "bogus": 1}, {"group_name": "varsity"}]}
    result = client.simulate_put("/v2/users/memberships/alice", json=body, headers=runners["alice"])
    assert _paths(result) == [
        "/groups_joined/0/bogus",
        "/groups_joined/0/group_name",
        "/groups_joined/1/team_name",
    ]


def test_required_unexpected_and_wrong_types_are_reported_together(client):
    body = {"username": "new", "email": 7, "nickname": "x", "salt": "ignored"}
    result = client.simulate_post("/v2/users", json=body)
    paths = _paths(result)
    for path in ("/first", "/last", "/password", "/activation_code", "/email", "/nickname"):
        assert paths.count(path) == 1, (path, paths)


def test_request_id_is_echoed_and_generated(client):
    given = client.simulate_get("/", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.simulate_get("/", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


class _Boom(Resource):
    def on_get(self, req, resp):
        raise RuntimeError("SELECT secret FROM users -- must never reach a client")


def test_a_crash_is_a_bare_500_with_the_request_id(config, session_factory, caplog):
    module = types.SimpleNamespace(
        COLLECTION=Collection("boom", "boom", "/v2/boom", "a crash"),
        ENDPOINTS=(
            Endpoint(
                name="boom.get",
                method="GET",
                template="/v2/boom",
                resource=_Boom,
                suffix=None,
                auth=Auth.NONE,
                rel="self",
                title="Crash",
            ),
        ),
    )
    from falcon import testing

    client = testing.TestClient(
        create_app(config, session_factory=session_factory, modules=[*RESOURCE_MODULES, module])
    )
    result = client.simulate_get("/v2/boom", headers={"X-Request-ID": "req-42"})
    body = assert_problem(result, 500)
    assert "SELECT" not in result.text and "Traceback" not in result.text
    assert body["request_id"] == "req-42"
    assert "unhandled error" in caplog.text


def test_disabled_route_is_403_before_any_handler(client, runners):
    body = assert_problem(client.simulate_delete("/v2/users/alice", headers=runners["alice"]), 403)
    assert "disabled" in body["detail"]


#: Every way a client sends no body: no Content-Type (uWSGI, nginx), the `text/plain` that
#: wsgiref (`python -m api serve`) fills in, JSON, and another media type.
NO_BODY_TYPES = [None, "text/plain", "application/json", "application/x-www-form-urlencoded"]


@pytest.mark.parametrize("content_type", NO_BODY_TYPES)
@pytest.mark.parametrize(
    ("method", "path", "caller"),
    [
        ("POST", "/v2/auth/token", None),
        ("POST", "/v2/auth/refresh", None),
        ("POST", "/v2/users", None),
        ("PUT", "/v2/users/alice/change_password", None),
        ("PUT", "/v2/users/alice", "alice"),
        ("POST", "/v2/logs", "alice"),
    ],
)
def test_a_write_without_a_body_is_400_whatever_its_content_type(
    client, runners, method, path, caller, content_type
):
    headers = dict(runners[caller]) if caller else {}
    if content_type:
        headers["Content-Type"] = content_type
    result = client.simulate_request(method, path, headers=headers)
    body = assert_problem(result, 400)
    assert body["detail"] == BODY_REQUIRED


@pytest.mark.parametrize("content_type", NO_BODY_TYPES)
def test_a_patch_without_a_body_names_the_patch_types_under_every_server(
    client, runners, content_type
):
    # PATCH picks its patch format by Content-Type first: 415 with Accept-Patch, alike for
    # none (uWSGI, nginx) and the dev server's text/plain.
    headers = dict(runners["alice"]) | ({"Content-Type": content_type} if content_type else {})
    result = client.simulate_patch("/v2/users/alice", headers=headers)
    assert_problem(result, 415)
    assert "application/merge-patch+json" in result.headers["accept-patch"]


def test_a_patch_of_a_patch_type_without_a_body_is_400(client, runners):
    headers = {**runners["alice"], "Content-Type": "application/merge-patch+json"}
    body = assert_problem(client.simulate_patch("/v2/users/alice", headers=headers), 400)
    assert body["detail"] == BODY_REQUIRED


def test_a_body_of_another_media_type_is_still_415(client, runners):
    result = client.simulate_put(
        "/v2/users/alice",
        body="first=A",
        headers={**runners["alice"], "Content-Type": "text/plain"},
    )
    assert_problem(result, 415)
