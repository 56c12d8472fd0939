"""The OpenAPI 3.1 document, generated from the endpoint registry and the files in schemas/.

Nothing here names an endpoint: every operation comes from an `Endpoint`, its statuses are
derived from its method, path fields, body schema and auth rule (plus the few it declares), its
request body is the JSON Schema the middleware validates with, and its response body is a
schema from schemas/responses/ (or, by default, any representation with `self` and `links`).
So the document stays complete and true as resource modules are added.
"""

from __future__ import annotations

import copy
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from api.errors import PROBLEM_TYPES
from api.media import MAX_DEPTH
from api.paging import INTEGER_PARAMETERS, PATH_ID
from api.patching import MAX_COPIED_BYTES, MAX_OPERATIONS
from api.registry import Auth, Endpoint, ParamType, Registry
from api.validation import SCHEMA_DIR

OPENAPI_VERSION = "3.1.0"
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.1"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
RESPONSES_DIR = "responses"
SECURITY_SCHEME = "bearerAuth"
SUCCESS = {"GET": 200, "POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CONDITIONAL_METHODS = frozenset({"PUT", "PATCH", "DELETE"})

AUTH_TEXT = {
    Auth.NONE: "Public: no token needed.",
    Auth.USER: "Needs a Bearer access token.",
    Auth.OWNER: "Needs a Bearer access token of the owner of the target (or of a site admin).",
    Auth.GROUP_ADMIN: "Needs a Bearer access token of an accepted admin of the group "
    "(or of a site admin).",
    Auth.ADMIN: "Needs a Bearer access token of a site admin.",
}

#: Every error status an endpoint may document: component name, description, extra headers.
ERRORS: dict[int, tuple[str, str, tuple[str, ...]]] = {
    400: ("BadRequest", "A malformed body, a body that breaks its schema, or a bad parameter.", ()),
    401: (
        "Unauthorized",
        "No token where one is needed, or a bad, expired or revoked token.",
        ("WWW-Authenticate",),
    ),
    403: ("Forbidden", "The caller may not do this (or the endpoint is disabled).", ()),
    404: ("NotFound", "No such resource, or it was deleted.", ()),
    409: ("Conflict", "The change collides with existing data (a duplicate).", ()),
    410: ("Gone", "The resource existed but has expired for good.", ()),
    412: ("PreconditionFailed", "If-Match names a version that is no longer current.", ()),
    413: ("ContentTooLarge", "The body is larger than the server accepts (1 MiB).", ()),
    415: ("UnsupportedMediaType", "The body's Content-Type is not accepted here.", ()),
    422: (
        "UnprocessableContent",
        "The Idempotency-Key was already used by this caller for a different request.",
        (),
    ),
    428: ("PreconditionRequired", "This server requires If-Match on changes.", ()),
    429: ("TooManyRequests", "Too many attempts; wait for Retry-After seconds.", ("Retry-After",)),
    503: (
        "ServiceUnavailable",
        "The database is unavailable; try again after Retry-After seconds.",
        ("Retry-After",),
    ),
}
HEADERS: dict[str, dict[str, Any]] = {
    "WWW-Authenticate": {
        "description": "The Bearer challenge (RFC 6750), with an `error` code.",
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}},
    "Location": {"description": "The path of the created resource.", "schema": {"type": "string"}},
    "ETag": {"description": "The version of this representation.", "schema": {"type": "string"}},
    "Link": {
        "description": "RFC 8288 paging links (first, prev, next, last), as in the body.",
        "schema": {"type": "string"},
    },
}
JSON_PATCH_SCHEMA: dict[str, Any] = {
    "title": "JsonPatch",
    "description": (
        "A JSON Patch (RFC 6902): operations applied in order. An operation that would make the"
        f" document larger than the body limit or deeper than {MAX_DEPTH} levels, or bring the"
        f" values copied and moved past {MAX_COPIED_BYTES} bytes in all, is refused (400)."
    ),
    "type": "array",
    "maxItems": MAX_OPERATIONS,
    "items": {
        "type": "object",
        "required": ["op", "path"],
        "properties": {
            "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]},
            "path": {"type": "string", "pattern": "^(/[^/]*)*$"},
            "from": {"type": "string", "pattern": "^(/[^/]*)*$"},
            "value": True,
        },
        "allOf": [
            {
                "if": {"properties": {"op": {"enum": ["add", "replace", "test"]}}},
                "then": {"required": ["value"]},
            },
            {
                "if": {"properties": {"op": {"enum": ["move", "copy"]}}},
                "then": {"required": ["from"]},
            },
        ],
    },
}


#: Keywords whose value is a schema, a list of schemas, or a map from names to schemas.
_ONE_SCHEMA = (
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "additionalProperties",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


def spell_out_booleans(schema: Any) -> Any:
    """Write boolean subschemas as objects: `true` as `{}`, `false` as `{"not": {}}`.

    They mean the same in JSON Schema 2020-12, but client generators that read only object
    schemas (openapi-python-client, for one) refuse the booleans. `additionalProperties` keeps
    its boolean, which every tool reads.
    """
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    if not isinstance(schema, dict):
        return schema
    result = dict(schema)
    for keyword in _ONE_SCHEMA:
        if keyword in result:
            keep = keyword == "additionalProperties" and isinstance(result[keyword], bool)
            result[keyword] = result[keyword] if keep else spell_out_booleans(result[keyword])
    for keyword in _SCHEMA_LISTS:
        if isinstance(result.get(keyword), list):
            result[keyword] = [spell_out_booleans(item) for item in result[keyword]]
    for keyword in _SCHEMA_MAPS:
        if isinstance(result.get(keyword), dict):
            result[keyword] = {
                name: spell_out_booleans(item) for name, item in result[keyword].items()
            }
    return result


class OpenApiError(RuntimeError):
    """Raise when the declarations cannot be described (an unknown response schema, say)."""


def component_name(stem: str) -> str:
    """Return the component name of a schema file: `user-update` becomes `UserUpdate`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_.]+", stem) if part)


def _success_headers(endpoint: Endpoint, status: int) -> dict[str, Any]:
    """Return the headers of a success response: Location, ETag and Link where they apply."""
    headers = {}
    if status == 201:
        headers["Location"] = {**HEADERS["Location"], "required": True}
    if endpoint.method == "GET" and endpoint.fields:
        headers["ETag"] = HEADERS["ETag"]
    if "limit" in endpoint.query:
        headers["Link"] = HEADERS["Link"]
    return headers


def _with_problem_types(problem: dict[str, Any]) -> dict[str, Any]:
    """Return the Problem schema with every `type` URI listed (from api.errors.PROBLEM_TYPES).

    They are `examples`, not an `enum`: a client generated from this document must still read a
    problem of a type added later.
    """
    if "type" not in problem.get("properties", {}):  # a test's minimal schemas/ folder
        return problem
    type_schema = dict(problem["properties"]["type"])
    type_schema["examples"] = [problem_type.uri for problem_type in PROBLEM_TYPES]
    type_schema["description"] += (
        " The types: "
        + "; ".join(f"{problem_type.uri} ({problem_type.status})" for problem_type in PROBLEM_TYPES)
        + "."
    )
    return {**problem, "properties": {**problem["properties"], "type": type_schema}}


def _schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


class _Components:
    """The schema files of schemas/ and schemas/responses/, as OpenAPI components."""

    def __init__(self, directory: Path) -> None:
        self.requests = {path.stem: path for path in sorted(directory.glob("*.json"))}
        self.responses = {
            path.stem: path for path in sorted((directory / RESPONSES_DIR).glob("*.json"))
        }
        self.schemas: dict[str, Any] = {}
        for kind, files in (("request", self.requests), ("response", self.responses)):
            for stem, path in files.items():
                name = component_name(stem)
                if name in self.schemas:
                    raise OpenApiError(f"two schema files are both component {name!r}")
                document = json.loads(path.read_bytes())
                self.schemas[name] = self._embed(document, name, kind)
        self._hoist_definitions()

    def _hoist_definitions(self) -> None:
        """Make each file's `$defs` components of their own (`Name` + `Def`).

        References into a component's `$defs` are valid, but generators that resolve only
        `#/components/schemas/<name>` (openapi-python-client) drop the operations that use them.
        """
        moved: dict[str, str] = {}
        for name, schema in list(self.schemas.items()):
            definitions = schema.pop("$defs", None) if isinstance(schema, dict) else None
            for definition, subschema in (definitions or {}).items():
                target = f"{name}{component_name(definition)}"
                if target in self.schemas:
                    raise OpenApiError(f"$defs/{definition} of {name} collides with {target}")
                if isinstance(subschema, dict):
                    _retitle(subschema, target)
                self.schemas[target] = subschema
                moved[f"#/components/schemas/{name}/$defs/{definition}"] = (
                    f"#/components/schemas/{target}"
                )
        if moved:
            self.schemas = {
                name: _move_refs(schema, moved) for name, schema in self.schemas.items()
            }

    def request(self, stem: str) -> dict[str, str]:
        """Return a reference to the request-body schema `stem` (schemas/<stem>.json)."""
        if stem not in self.requests:
            raise OpenApiError(f"no request schema {stem!r} in schemas/")
        return _schema_ref(component_name(stem))

    def response(self, stem: str) -> dict[str, str]:
        """Return a reference to the response schema `stem` (schemas/responses/<stem>.json)."""
        if stem not in self.responses:
            raise OpenApiError(f"no response schema {stem!r} in schemas/{RESPONSES_DIR}/")
        return _schema_ref(component_name(stem))

    def target(self, stem: str) -> Any:
        """Return the embedded request schema `stem` itself."""
        return self.schemas[component_name(stem)]

    def _embed(self, document: Any, name: str, kind: str) -> Any:
        """Make a schema file a component: drop its `$id`, point its `$ref`s into the document.

        Its title becomes the component name (generators name their classes after titles) and
        the file's own title leads its description.
        """
        if isinstance(document, dict):
            document = {k: v for k, v in document.items() if k not in ("$id", "$schema")}
            _retitle(document, name)
        return _fold_into_all_of(spell_out_booleans(self._rewrite(document, name, kind)))

    def _rewrite(self, node: Any, name: str, kind: str) -> Any:
        if isinstance(node, list):
            return [self._rewrite(item, name, kind) for item in node]
        if not isinstance(node, dict):
            return node
        result = {key: self._rewrite(value, name, kind) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str):
            result["$ref"] = self._target(ref, name, kind)
        return result

    def _target(self, ref: str, name: str, kind: str) -> str:
        location, _, fragment = ref.partition("#")
        if not location:
            return f"#/components/schemas/{name}{fragment}"
        stem = Path(location).name.removesuffix(".json")
        served = location.startswith("/v2/schemas/")
        files = self.requests if served or kind == "request" else self.responses
        if stem not in files:
            raise OpenApiError(f"schema {name} refers to {ref!r}, which is not in schemas/")
        return f"#/components/schemas/{component_name(stem)}{fragment}"


#: Object keywords that apply to the instance as a whole (so may move into an allOf member).
_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties")


def _fold_into_all_of(schema: Any) -> Any:
    """Move a schema's own object keywords into its `allOf`, beside the members it extends.

    `{"allOf": [A], "properties": P}` and `{"allOf": [A, {"properties": P}]}` validate the same,
    but generators (openapi-python-client) read only the second and take the first for plain A.
    """
    if not isinstance(schema, dict) or not isinstance(schema.get("allOf"), list):
        return schema
    own = {key: schema[key] for key in _OBJECT_KEYWORDS if key in schema}
    if not own:
        return schema
    result = {key: value for key, value in schema.items() if key not in own}
    result["allOf"] = [*schema["allOf"], {"type": "object", **own}]
    result.setdefault("type", "object")
    return result


def _retitle(schema: dict[str, Any], name: str) -> None:
    """Title `schema` with its component name, keeping a longer title in its description."""
    title = schema.get("title")
    if title and title != name:
        description = schema.get("description")
        schema["description"] = f"{title}. {description}" if description else title
    schema["title"] = name


def _move_refs(node: Any, moved: dict[str, str]) -> Any:
    """Rewrite every `$ref` that starts with a key of `moved` to start with its value."""
    if isinstance(node, list):
        return [_move_refs(item, moved) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _move_refs(value, moved) for key, value in node.items()}
    ref = node.get("$ref")
    if isinstance(ref, str):
        for old, new in moved.items():
            if ref == old or ref.startswith(f"{old}/"):
                result["$ref"] = new + ref[len(old) :]
    return result


def _param_schema(name: str, declared: ParamType | None) -> dict[str, Any]:
    if isinstance(declared, dict):
        return copy.deepcopy(declared)
    kind = declared or (
        "integer" if name.endswith("_id") or name in ("limit", "offset") else "string"
    )
    if kind == "integer":
        # The parsers read the same objects (api.paging), so the two cannot disagree.
        return INTEGER_PARAMETERS.get(name, PATH_ID).schema()
    if kind == "string":
        return {"type": "string", "minLength": 1}
    return {"type": kind}


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _param_schema(name, endpoint.params.get(name)),
        }
        for name in endpoint.fields
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": _param_schema(name, declared)}
        for name, declared in endpoint.query.items()
    ]
    if _takes_idempotency_key(endpoint):
        parameters.append(IDEMPOTENCY_KEY_PARAMETER)
    return parameters


#: api/unit_of_work.py: authenticated POSTs only (keys are kept per caller).
IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the request at most once: a repeat with the same key and body replays "
    "the first answer (with `Idempotent-Replayed: true`) instead of doing the work again; the "
    "same key with another request is 422. Keys are per caller and expire after 24 hours.",
    "schema": {"type": "string", "pattern": "^[!-~]+$", "minLength": 1, "maxLength": 255},
}


def _takes_idempotency_key(endpoint: Endpoint) -> bool:
    return endpoint.method == "POST" and endpoint.auth is not Auth.NONE


def _merge_patch_schema(target: Any, title: str) -> dict[str, Any]:
    """Describe a merge patch of a document that must match `target` once patched."""
    schema: dict[str, Any] = {
        "title": title,
        "type": "object",
        "description": "A JSON Merge Patch (RFC 7396): the members to change; null removes one.",
    }
    if not isinstance(target, dict) or not isinstance(target.get("properties"), dict):
        return schema
    required = set(target.get("required", ()))
    properties = {}
    for name, subschema in target["properties"].items():
        nullable = name not in required and isinstance(subschema, dict)
        properties[name] = (
            {"anyOf": [subschema, {"type": "null"}]} if nullable else copy.deepcopy(subschema)
        )
    schema["properties"] = properties
    if "additionalProperties" in target:
        schema["additionalProperties"] = target["additionalProperties"]
    return schema


class _Builder:
    """Build the document for one registry."""

    def __init__(self, registry: Registry, components: _Components) -> None:
        self.registry = registry
        self.components = components
        self.by_route = registry.by_route

    def statuses(self, endpoint: Endpoint) -> list[int]:
        """Return every status the endpoint can answer with, the success first."""
        declared = [status for status in endpoint.statuses if 200 <= status < 300]
        success = declared[0] if declared else SUCCESS[endpoint.method]
        if endpoint.disabled:
            return [success, 401, 403, 503] if endpoint.auth is not Auth.NONE else [success, 403]
        errors = {401, 503}  # any request may carry a bad token; any may find the database down
        method = endpoint.method
        has_body = method in BODY_METHODS
        if endpoint.fields or endpoint.query or has_body:
            errors.add(400)
        if endpoint.auth in (Auth.OWNER, Auth.GROUP_ADMIN, Auth.ADMIN):
            errors.add(403)
        if endpoint.fields:
            errors.add(404)
        if has_body:
            errors |= {409, 413, 415}
        if method in CONDITIONAL_METHODS:
            errors.add(412)
            if _may_require_if_match(endpoint):
                errors.add(428)
        if _takes_idempotency_key(endpoint):
            errors.add(422)
        errors |= {status for status in endpoint.statuses if status >= 300}
        if method == "GET" and endpoint.fields:
            errors.add(304)  # single-resource reads send an ETag
        return [success, *sorted(errors)]

    def request_body(self, endpoint: Endpoint) -> dict[str, Any] | None:
        """Return the request body: the validated schema, or a patch of the PUT's schema."""
        if endpoint.method == "PATCH":
            sibling = self.by_route.get((endpoint.template, "PUT"))
            target = endpoint.schema or (sibling.schema if sibling else None)
            merge = _merge_patch_schema(
                self.components.target(target) if target else None,
                f"{component_name(target or endpoint.name)}MergePatch",
            )
            if target:
                merge["description"] += (
                    f" Applied to the current document, the result must match "
                    f"/v2/schemas/{target}.json."
                )
            return {
                "required": True,
                "content": {
                    MERGE_PATCH: {"schema": merge},
                    JSON_PATCH: {"schema": _schema_ref("JsonPatch")},
                },
            }
        if endpoint.schema and endpoint.method in BODY_METHODS:
            return {
                "required": True,
                "description": f"Validated against /v2/schemas/{endpoint.schema}.json.",
                "content": {JSON: {"schema": self.components.request(endpoint.schema)}},
            }
        return None

    def success(self, endpoint: Endpoint, status: int) -> dict[str, Any]:
        """Return the success response: its headers and its body's schema."""
        response: dict[str, Any] = {"description": endpoint.title}
        headers = _success_headers(endpoint, status)
        if headers:
            response["headers"] = headers
        if status == 204:
            return response
        response["content"] = {
            media_type: {"schema": self.body_schema(endpoint, media_type)}
            for media_type in (part.strip() for part in endpoint.media_type.split(","))
        }
        links = self.links(endpoint)
        if links:
            response["links"] = links
        return response

    def body_schema(self, endpoint: Endpoint, media_type: str) -> dict[str, Any]:
        """Return the schema of a success body of `media_type`."""
        if endpoint.returns:
            return self.components.response(endpoint.returns)
        if media_type == JSON:
            return _schema_ref("Resource")
        if media_type.split(";")[0].endswith("json"):
            return {"type": "object"}
        return {"type": "string"}

    def links(self, endpoint: Endpoint) -> dict[str, Any]:
        """Link this operation to the others on the same path, with the same path values."""
        links = {}
        for other in self.registry:
            if other is endpoint or other.template != endpoint.template or not other.fields:
                continue
            if other.disabled:
                continue
            links[other.name.replace(".", "_")] = {
                "operationId": other.name,
                "parameters": {name: f"$request.path.{name}" for name in other.fields},
                "description": other.title,
            }
        return links

    def operation(self, endpoint: Endpoint) -> dict[str, Any]:
        """Return the operation object of one endpoint."""
        description = AUTH_TEXT[endpoint.auth]
        if endpoint.disabled:
            description += " Disabled on this server: it answers 403."
        if endpoint.method in CONDITIONAL_METHODS and _may_require_if_match(endpoint):
            description += (
                " Send If-Match with the ETag you read to make the change conditional (412 when"
                " stale; 428 when the server requires it)."
            )
        elif endpoint.method in CONDITIONAL_METHODS:
            description += (
                " If-Match is optional; only `If-Match: *` matches, as the target has no ETag"
                " (412 otherwise)."
                if endpoint.target is not None and endpoint.target.version is None
                else " If-Match is optional (412 when it names a stale version)."
            )
        operation: dict[str, Any] = {
            "operationId": endpoint.name,
            "summary": endpoint.title,
            "description": description,
            "tags": [endpoint.collection],
            "security": [] if endpoint.auth is Auth.NONE else [{SECURITY_SCHEME: []}],
            "x-auth": endpoint.auth.value,
            "x-rel": endpoint.rel,
        }
        if endpoint.disabled:
            operation["x-disabled"] = True
        parameters = _parameters(endpoint)
        if parameters:
            operation["parameters"] = parameters
        body = self.request_body(endpoint)
        if body:
            operation["requestBody"] = body
        statuses = self.statuses(endpoint)
        responses: dict[str, Any] = {str(statuses[0]): self.success(endpoint, statuses[0])}
        for status in statuses[1:]:
            if status == 304:
                responses["304"] = {
                    "description": "Not Modified: If-None-Match named the current ETag.",
                    "headers": {"ETag": HEADERS["ETag"]},
                }
            elif status in ERRORS:
                responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
            else:
                raise OpenApiError(f"{endpoint.name}: no description of status {status}")
        operation["responses"] = responses
        return operation

    def error_responses(self) -> dict[str, Any]:
        """Return the shared problem+json responses."""
        responses = {}
        for name, description, headers in ERRORS.values():
            response: dict[str, Any] = {
                "description": description,
                "content": {PROBLEM_JSON: {"schema": _schema_ref("Problem")}},
            }
            if headers:
                response["headers"] = {header: HEADERS[header] for header in headers}
            responses[name] = response
        return responses

    def document(self) -> dict[str, Any]:
        """Return the whole OpenAPI document."""
        paths: dict[str, dict[str, Any]] = {}
        for endpoint in self.registry:
            paths.setdefault(endpoint.template, {})[endpoint.method.lower()] = self.operation(
                endpoint
            )
        schemas = dict(self.components.schemas)
        schemas["JsonPatch"] = spell_out_booleans(JSON_PATCH_SCHEMA)
        schemas["Problem"] = _with_problem_types(schemas["Problem"])
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "Splits API",
                "version": _version(),
                "summary": "Training logs of running teams, as a hypermedia API.",
                "description": (
                    "Start at `/` and follow links: every body has `self` and `links`, filtered"
                    " to what the caller may do. Log in with `POST /v2/auth/token` and send"
                    " `Authorization: Bearer <access_token>`. Errors are"
                    " `application/problem+json` (RFC 9457). Request-body schemas are served at"
                    " `/v2/schemas/{name}.json`; a browsable explorer is at `/docs`."
                ),
            },
            "servers": [{"url": "/"}],
            "tags": [
                {"name": collection.name, "description": collection.title}
                for collection in self.registry.collections.values()
            ],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "responses": self.error_responses(),
                "securitySchemes": {
                    SECURITY_SCHEME: {
                        "type": "http",
                        "scheme": "bearer",
                        "bearerFormat": "JWT",
                        "description": "The access_token of POST /v2/auth/token.",
                    }
                },
            },
        }


def _version() -> str:
    try:
        return metadata.version("splits")
    except metadata.PackageNotFoundError:
        return "0"


def build_openapi(registry: Registry, directory: Path = SCHEMA_DIR) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of `registry`, with the schema files of `directory`."""
    return _Builder(registry, _Components(directory)).document()


def _may_require_if_match(endpoint: Endpoint) -> bool:
    """Tell whether REQUIRE_IF_MATCH can make this write answer 428 without If-Match.

    Only a target with an ETag of its own can be required to match one.
    """
    target = endpoint.target
    return target is None or (target.version is not None and target.if_match_required)
