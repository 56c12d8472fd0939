"""The API description: /v2/openapi.json, /v2/schemas and the /docs explorer, all generated."""

from __future__ import annotations

import json
import re
import types
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from api.access import Target
from api.app import routed_endpoints
from api.config import DEFAULT_DISABLED_ROUTES
from api.openapi import OpenApiError, build_openapi, component_name, spell_out_booleans
from api.registry import Auth, Collection, Endpoint, build_registry
from api.routes import RESOURCE_MODULES
from api.validation import SCHEMA_DIR
from resources.base import Resource
from resources.discovery import LinksDocuments

OPENAPI = "/v2/openapi.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The document of the app's registry, with the default disabled routes (built once)."""
    registry = build_registry(
        RESOURCE_MODULES, links_resource=LinksDocuments, disabled_routes=DEFAULT_DISABLED_ROUTES
    )
    return build_openapi(registry)


def test_the_app_serves_the_document_of_its_registry(client, document):
    result = client.simulate_get(OPENAPI)
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.1"
    assert json.loads(result.content) == document


def response_schema(document, template: str, method: str, status: int) -> tuple[str, Any]:
    """Return the media type and schema that the document gives for one response."""
    response = document["paths"][template][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    ((media_type, content),) = response["content"].items()
    return media_type, content["schema"]


def assert_conforms(document, template: str, method: str, result) -> None:
    """Fail unless `result` has a documented status, media type and body."""
    media_type, schema = response_schema(document, template, method, result.status_code)
    assert result.headers["content-type"].split(";")[0] == media_type.split(";")[0]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [
        f"{list(error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(result.json)
    ]
    assert not errors, f"{method} {template} -> {result.status_code}: {errors}"


# -- the document -------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The access_token of POST /v2/auth/token.",
    }


def test_every_registry_endpoint_is_one_operation_named_after_it(document, app):
    operations = {
        (template, method.upper()): operation
        for template, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) == routed_endpoints(app)
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    for endpoint in registry:
        operation = operations[(endpoint.template, endpoint.method)]
        assert operation["operationId"] == endpoint.name
        assert operation["summary"] == endpoint.title
        assert operation["tags"] == [endpoint.collection]
        expected = [] if endpoint.auth is Auth.NONE else [{"bearerAuth": []}]
        assert operation["security"] == expected, endpoint.name
        assert operation["x-auth"] == endpoint.auth.value
        documented = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
        assert documented == set(endpoint.fields)
        assert "401" in operation["responses"] and "503" in operation["responses"]
    assert {tag["name"] for tag in document["tags"]} == set(registry.collections)


def test_errors_are_problem_json_with_their_headers(document):
    responses = document["components"]["responses"]
    for response in responses.values():
        assert response["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    assert "Retry-After" in responses["ServiceUnavailable"]["headers"]


def test_428_is_listed_exactly_where_a_write_can_be_required_to_send_if_match(document):
    # A target without an ETag (a session, a user's memberships, a pending e-mail change) can
    # never be required to match one, and a password reset never requires it.
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    writes = [e for e in registry if e.method in ("PUT", "PATCH", "DELETE")]
    assert writes
    for endpoint in writes:
        operation = document["paths"][endpoint.template][endpoint.method.lower()]
        if operation.get("x-disabled"):
            continue  # a disabled endpoint answers 403 whatever is sent
        responses = operation["responses"]
        target = endpoint.target
        requirable = target is not None and target.version is not None and target.if_match_required
        assert ("428" in responses) is requirable, endpoint.name
        assert "412" in responses, endpoint.name


def test_users_operations_document_their_statuses_parameters_and_bodies(document):
    users = document["paths"]["/v2/users/{username}"]
    assert set(users["get"]["responses"]) == {"200", "304", "400", "401", "404", "503"}
    assert users["get"]["responses"]["200"]["headers"]["ETag"]
    put = users["put"]
    assert {"400", "401", "403", "404", "409", "412", "413", "415", "428", "503"} <= set(
        put["responses"]
    )
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserUpdate"
    }
    assert put["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserItem"
    }
    assert users["delete"]["x-disabled"] is True  # DELETE /v2/users/{username} is disabled
    assert set(users["delete"]["responses"]) == {"204", "401", "403", "503"}
    listing = document["paths"]["/v2/users"]["get"]
    query = {p["name"]: p["schema"] for p in listing["parameters"] if p["in"] == "query"}
    assert query["limit"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert set(query) == {"limit", "offset", "contains", "starts_with", "ends_with"}
    assert "Link" in listing["responses"]["200"]["headers"]


def test_patch_takes_a_merge_patch_of_the_put_schema_or_a_json_patch(document):
    content = document["paths"]["/v2/users/{username}"]["patch"]["requestBody"]["content"]
    assert set(content) == {"application/merge-patch+json", "application/json-patch+json"}
    merge = content["application/merge-patch+json"]["schema"]
    put = document["components"]["schemas"]["UserUpdate"]
    assert set(merge["properties"]) == set(put["properties"])
    assert merge["properties"]["first"] == put["properties"]["first"]  # required: never null
    assert {"type": "null"} in merge["properties"]["location"]["anyOf"]
    assert merge["additionalProperties"] is False
    assert content["application/json-patch+json"]["schema"] == {
        "$ref": "#/components/schemas/JsonPatch"
    }


def test_login_answers_200_and_documents_throttling(document):
    login = document["paths"]["/v2/auth/token"]["post"]
    assert login["security"] == []
    assert "201" not in login["responses"]
    assert {"200", "400", "401", "429"} <= set(login["responses"])
    assert login["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Token"
    }


def test_request_schemas_are_the_served_files_without_their_id(document):
    schemas = document["components"]["schemas"]
    for path in SCHEMA_DIR.glob("*.json"):
        original = spell_out_booleans(json.loads(path.read_bytes()))
        original.pop("$id"), original.pop("$schema", None)
        name = component_name(path.stem)
        # Its `$defs` became components of their own (Name + Def); references follow them.
        hoisted = {
            f'"#/components/schemas/{name}{component_name(definition)}': f'"#/$defs/{definition}'
            for definition in original.get("$defs", {})
        }

        def back(schema, hoisted=hoisted):
            text = json.dumps(schema)
            for new, old in hoisted.items():
                text = text.replace(new, old)
            return untitled(json.loads(text))

        # Titled after the component (generated classes are named after titles), its own title
        # kept at the head of the description.
        assert schemas[name]["title"] == name
        if original.get("title"):
            assert schemas[name]["description"].startswith(original["title"])
        embedded = back(schemas[name])
        if hoisted:
            embedded["$defs"] = {
                definition: back(schemas[f"{name}{component_name(definition)}"])
                for definition in original["$defs"]
            }
            original["$defs"] = {k: untitled(v) for k, v in original["$defs"].items()}
        assert embedded == untitled(original), path.name


def untitled(schema):
    """Return `schema` without its top-level title and description."""
    return {k: v for k, v in schema.items() if k not in ("title", "description")}


# -- generated, not written: a new module appears by itself ------------------------------------


class _Things(Resource):
    def on_get(self, req, resp, thing_id):
        resp.media = {}


#: A target with an ETag of its own, so its writes may be required to send If-Match (428).
THING = Target(kind="thing", load=lambda lookup: None)


def _thing_registry(*endpoints):
    module = types.SimpleNamespace(
        COLLECTION=Collection("things", "thing", "/v2/things", "things"), ENDPOINTS=endpoints
    )
    return build_registry([module], links_resource=LinksDocuments)


def test_a_new_endpoint_is_described_from_its_declaration_alone():
    registry = _thing_registry(
        Endpoint(
            name="things.replace",
            method="PUT",
            template="/v2/things/{thing_id}/{kind}",
            resource=_Things,
            suffix=None,
            auth=Auth.OWNER,
            rel="edit",
            title="Replace a thing",
            schema="user-update",
            target=THING,
        ),
        Endpoint(
            name="things.read",
            method="GET",
            template="/v2/things/{thing_id}/{kind}",
            resource=_Things,
            suffix=None,
            auth=Auth.USER,
            rel="self",
            title="Read a thing",
            params={"kind": {"enum": ["a", "b"]}},
            query={"limit": "integer"},
        ),
        Endpoint(
            name="things.approve",
            method="POST",
            template="/v2/things/approve/{code}",
            resource=_Things,
            suffix="approve",
            auth=Auth.ADMIN,
            rel="approve",
            title="Approve",
            statuses=(200, 409),
        ),
    )
    document = build_openapi(registry)
    validate(document)
    put = document["paths"]["/v2/things/{thing_id}/{kind}"]["put"]
    params = {p["name"]: p["schema"] for p in put["parameters"]}
    assert params["thing_id"]["type"] == "integer" and params["kind"]["type"] == "string"
    assert set(put["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "412",
        "413",
        "415",
        "428",
        "503",
    }
    assert put["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Resource"
    }
    assert put["responses"]["200"]["links"]["things_read"]["parameters"] == {
        "thing_id": "$request.path.thing_id",
        "kind": "$request.path.kind",
    }
    read = document["paths"]["/v2/things/{thing_id}/{kind}"]["get"]
    read_params = {p["name"]: p for p in read["parameters"]}
    assert read_params["kind"]["schema"] == {"enum": ["a", "b"]}
    assert read_params["limit"]["in"] == "query"
    assert "403" not in read["responses"] and "304" in read["responses"]
    approve = document["paths"]["/v2/things/approve/{code}"]["post"]
    assert next(iter(approve["responses"])) == "200" and "201" not in approve["responses"]
    assert "requestBody" not in approve
    links_document = document["paths"]["/v2/things/links"]["get"]
    assert links_document["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LinksDocument"
    }


def test_an_unknown_response_schema_is_refused():
    registry = _thing_registry(
        Endpoint(
            name="things.read",
            method="GET",
            template="/v2/things/{thing_id}",
            resource=_Things,
            suffix=None,
            auth=Auth.USER,
            rel="self",
            title="Read",
            returns="no-such-schema",
        )
    )
    with pytest.raises(OpenApiError, match="no-such-schema"):
        build_openapi(registry)


def test_params_must_name_path_fields():
    from api.registry import RegistryError

    with pytest.raises(RegistryError, match="params"):
        _thing_registry(
            Endpoint(
                name="things.read",
                method="GET",
                template="/v2/things/{thing_id}",
                resource=_Things,
                suffix=None,
                auth=Auth.USER,
                rel="self",
                title="Read",
                params={"other": "integer"},
            )
        )


def test_schema_references_between_files_point_into_the_document(tmp_path):
    (tmp_path / "responses").mkdir()
    (tmp_path / "thing.json").write_text(
        json.dumps(
            {
                "$id": "/v2/schemas/thing.json",
                "type": "object",
                "properties": {"part": {"$ref": "#/$defs/part"}, "other": {"$ref": "other.json"}},
                "$defs": {"part": {"type": "string"}},
            }
        )
    )
    (tmp_path / "other.json").write_text(json.dumps({"type": "integer"}))
    (tmp_path / "responses" / "resource.json").write_text(json.dumps({"type": "object"}))
    (tmp_path / "responses" / "problem.json").write_text(json.dumps({"type": "object"}))
    (tmp_path / "responses" / "links-document.json").write_text(json.dumps({"type": "object"}))
    registry = _thing_registry(
        Endpoint(
            name="things.add",
            method="POST",
            template="/v2/things",
            resource=_Things,
            suffix="add",
            auth=Auth.USER,
            rel="add",
            title="Add",
            schema="thing",
        ),
    )
    document = build_openapi(registry, tmp_path)
    thing = document["components"]["schemas"]["Thing"]
    assert "$id" not in thing
    assert thing["properties"]["part"] == {"$ref": "#/components/schemas/ThingPart"}
    assert "$defs" not in thing
    assert document["components"]["schemas"]["ThingPart"] == {
        "type": "string",
        "title": "ThingPart",
    }
    assert thing["properties"]["other"] == {"$ref": "#/components/schemas/Other"}
    validate(document)


# -- real responses match the document ----------------------------------------------------------


def test_responses_conform_to_the_document(client, runners, document):
    alice, root = runners["alice"], runners["root"]
    calls = [
        ("/", "GET", "/", {}, None),
        ("/", "GET", "/", alice, None),
        ("/versions", "GET", "/versions", {}, None),
        ("/v2", "GET", "/v2", {}, None),
        ("/v2/links", "GET", "/v2/links", {}, None),
        ("/v2/users/links", "GET", "/v2/users/links", {}, None),
        ("/health", "GET", "/health", {}, None),
        ("/v2/types", "GET", "/v2/types", {}, None),
        ("/v2/schemas", "GET", "/v2/schemas", {}, None),
        ("/v2/users", "GET", "/v2/users", alice, None),
        ("/v2/users", "GET", "/v2/users?limit=0", alice, None),
        ("/v2/users", "GET", "/v2/users", {}, None),
        ("/v2/users/{username}", "GET", "/v2/users/bob", alice, None),
        ("/v2/users/{username}", "GET", "/v2/users/alice", root, None),
        ("/v2/users/{username}", "GET", "/v2/users/nobody", alice, None),
        ("/v2/users/{username}", "PUT", "/v2/users/bob", alice, {"first": "B"}),
        ("/v2/users/{username}", "PUT", "/v2/users/alice", alice, {"first": 5}),
        ("/v2/users/lookup/{username}", "GET", "/v2/users/lookup/alice", {}, None),
        (
            "/v2/users/{username}/update_last_login",
            "PUT",
            "/v2/users/alice/update_last_login",
            alice,
            None,
        ),
        (
            "/v2/auth/token",
            "POST",
            "/v2/auth/token",
            {},
            {"username": "alice", "password": "wrong password"},
        ),
        (
            "/v2/auth/token",
            "POST",
            "/v2/auth/token",
            {},
            {"username": "bob", "password": "correct horse battery"},
        ),
    ]
    for template, method, path, headers, body in calls:
        path, _, query = path.partition("?")
        result = client.simulate_request(
            method, path, query_string=query, headers=headers, json=body
        )
        assert_conforms(document, template, method, result)
    result = client.simulate_put(
        "/v2/users/alice",
        headers=alice,
        json={"first": "Alice", "last": "Ames", "email": "alice@example.com"},
    )
    assert result.json["updated"] is True
    assert_conforms(document, "/v2/users/{username}", "PUT", result)
    result = client.simulate_patch(
        "/v2/users/alice",
        headers={**alice, "Content-Type": "application/merge-patch+json"},
        body=json.dumps({"location": "Oslo"}),
    )
    assert result.status_code == 200
    assert_conforms(document, "/v2/users/{username}", "PATCH", result)


def test_the_user_schema_would_catch_a_leaked_password(document):
    schema = {"$ref": "#/components/schemas/User", "components": document["components"]}
    leaked = {
        "self": "/v2/users/x",
        "links": [],
        "username": "x",
        "first": "X",
        "last": "Y",
        "member_since": None,
        "deleted": False,
        "this_user": "/v2/users/x",
        "password": "$2b$",
    }
    assert not Draft202012Validator(schema).is_valid(leaked)
    leaked.pop("password")
    assert Draft202012Validator(schema).is_valid(leaked)


# -- served schemas -----------------------------------------------------------------------------


def test_every_schema_is_served_byte_for_byte(client):
    files = sorted(SCHEMA_DIR.glob("*.json"))
    assert files
    for path in files:
        result = client.simulate_get(f"/v2/schemas/{path.name}")
        assert result.status_code == 200, path.name
        assert result.content == path.read_bytes()
        assert result.headers["content-type"] == "application/schema+json"
        assert json.loads(result.content)["$id"] == f"/v2/schemas/{path.name}"


def test_a_schema_answers_304_to_its_etag(client):
    first = client.simulate_get("/v2/schemas/auth-token.json")
    again = client.simulate_get(
        "/v2/schemas/auth-token.json", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/v2/schemas/nope.json",
        "/v2/schemas/auth-token",
        "/v2/schemas/AUTH-TOKEN.json",
        "/v2/schemas/..%2Fpyproject.json",
        "/v2/schemas/responses%2Fuser.json",
        "/v2/schemas/%2E%2E%2Falembic.json",
        "/v2/schemas/.json",
    ],
)
def test_unknown_schemas_are_404_and_nothing_outside_is_reachable(client, path):
    result = client.simulate_get(path)
    assert result.status_code == 404
    assert result.headers["content-type"] == "application/problem+json"


def test_the_schema_index_lists_every_schema(client):
    body = client.simulate_get("/v2/schemas").json
    names = {item["name"] for item in body["schemas"]}
    assert names == {path.stem for path in SCHEMA_DIR.glob("*.json")}
    for item in body["schemas"]:
        assert item["self"] == f"/v2/schemas/{item['name']}.json"
    rels = {link["rel"] for link in body["links"]}
    assert {"describedby", "service-desc", "root"} <= rels


def test_links_with_a_body_carry_the_schema_they_are_checked_against(client):
    links = client.simulate_get("/").json["links"]
    login = next(link for link in links if link["rel"] == "login")
    assert login["schema"] == "/v2/schemas/auth-token.json"
    assert client.simulate_get(login["schema"]).status_code == 200


def test_the_root_links_to_the_description_the_schemas_and_the_explorer(client):
    links = {link["rel"]: link["href"] for link in client.simulate_get("/").json["links"]}
    assert links["service-desc"] == OPENAPI
    assert links["service-doc"] == "/docs"
    assert links["schemas"] == "/v2/schemas"


def test_the_document_is_conditional(client):
    first = client.simulate_get(OPENAPI)
    assert first.headers["etag"]
    again = client.simulate_get(OPENAPI, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


# -- the explorer -------------------------------------------------------------------------------


def test_the_explorer_page_loads_only_its_own_assets(client):
    page = client.simulate_get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/docs/explorer.js" in sources and "/docs/explorer.css" in sources
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by the API itself"
    script = client.simulate_get("/docs/explorer.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    style = client.simulate_get("/docs/explorer.css")
    assert style.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("asset", ["explorer.html", "nope.js", "..%2F..%2Fapi%2Fconfig.py"])
def test_the_explorer_serves_nothing_but_its_assets(client, asset):
    result = client.simulate_get(f"/docs/{asset}")
    assert result.status_code == 404
    assert result.headers["content-type"] == "application/problem+json"


def test_the_explorer_never_inserts_api_text_as_html():
    script = (SCHEMA_DIR.parent / "resources" / "static" / "explorer.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "document.write" not in script and "eval(" not in script


def test_boolean_subschemas_are_spelled_out_for_client_generators():
    schema = {
        "type": "object",
        "properties": {"echo": True, "secret": False, "list": {"items": True}},
        "additionalProperties": False,
        "anyOf": [True, {"$defs": {"x": False}}],
    }
    assert spell_out_booleans(schema) == {
        "type": "object",
        "properties": {"echo": {}, "secret": {"not": {}}, "list": {"items": {}}},
        "additionalProperties": False,
        "anyOf": [{}, {"$defs": {"x": {"not": {}}}}],
    }


def _validate(document, component: str, body) -> list[str]:
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    validator = Draft202012Validator(schema)
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)
    ]


def test_log_representations_match_their_schemas(client, runners, make, document):
    log = make.log("alice", name="Tempo", distance=5, metric="miles", time="0:35:00")
    make.comment("bob", log.log_id, "Strong run")
    alice = runners["alice"]
    listing = client.simulate_get("/v2/logs", headers=alice)
    assert not _validate(document, "LogList", listing.json)
    item = client.simulate_get(f"/v2/logs/{log.log_id}", headers=alice)
    assert item.json["comments"] and not _validate(document, "LogItem", item.json)
    body = {"date": "2026-01-02", "type": "run", "feel": 6, "name": "Tempo", "time": "0:30:00"}
    replaced = client.simulate_put(f"/v2/logs/{log.log_id}", headers=alice, json=body)
    assert replaced.status_code == 200 and not _validate(document, "LogItem", replaced.json)
    created = client.simulate_post("/v2/logs", headers=alice, json=body)
    assert created.status_code == 201 and not _validate(document, "LogItem", created.json)
    assert _validate(document, "Log", {**item.json["log"], "feel": 11})  # the schema has teeth
