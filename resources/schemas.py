"""Request-body schemas: the index and each file of schemas/, byte for byte."""

from __future__ import annotations

import hashlib
import json

import falcon

from api.registry import Auth, Endpoint
from dao.errors import NotFound
from resources.base import Resource

SCHEMA_MEDIA_TYPE = "application/schema+json"


def send_bytes(req: falcon.Request, resp: falcon.Response, data: bytes, media_type: str) -> None:
    """Send a static document with a content-hash ETag; answer 304 when the client has it."""
    tag = hashlib.sha256(data).hexdigest()[:20]
    resp.etag = tag
    resp.cache_control = ["no-cache"]
    if_none_match = req.get_header("If-None-Match")
    if if_none_match and any(
        candidate.strip().removeprefix("W/").strip('"') in (tag, "*")
        for candidate in if_none_match.split(",")
    ):
        # HTTPStatus ends the request without a body and bypasses the error serializer.
        raise falcon.HTTPStatus(falcon.HTTP_304, headers={"ETag": f'"{tag}"'})
    resp.content_type = media_type
    resp.data = data


class Schemas(Resource):
    """Serve the JSON Schemas that the server validates request bodies with."""

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List every request-body schema with its title."""
        schemas = self.services.schemas.raw
        resp.media = {
            "self": self.href("api.schemas"),
            "schemas": [
                {
                    "name": name,
                    "self": self.href("api.schema", name=name),
                    "title": json.loads(data).get("title"),
                }
                for name, data in sorted(schemas.items())
            ],
            "links": [
                *self.links(req, "api.schema"),
                *self.links(req, "api.openapi", "api.root"),
            ],
        }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """Send schemas/<name>.json exactly as the server loaded it."""
        # A lookup among the loaded files: no name can reach outside schemas/.
        data = self.services.schemas.raw.get(name)
        if data is None:
            raise NotFound(f"There is no schema '{name}'; /v2/schemas lists them.")
        send_bytes(req, resp, data, SCHEMA_MEDIA_TYPE)


ENDPOINTS = (
    Endpoint(
        name="api.schemas",
        method="GET",
        template="/v2/schemas",
        resource=Schemas,
        suffix="collection",
        auth=Auth.NONE,
        rel="schemas",
        title="List the JSON Schemas of request bodies",
        collection="api",
        returns="schema-index",
    ),
    Endpoint(
        name="api.schema",
        method="GET",
        template="/v2/schemas/{name}.json",
        resource=Schemas,
        suffix=None,
        auth=Auth.NONE,
        rel="describedby",
        title="Read the JSON Schema of a request body",
        collection="api",
        media_type=SCHEMA_MEDIA_TYPE,
    ),
)
