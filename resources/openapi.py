"""The OpenAPI 3.1 document of the API, generated from the registry on first request."""

from __future__ import annotations

import falcon

from api.media import dumps
from api.openapi import OPENAPI_MEDIA_TYPE, build_openapi
from api.registry import Auth, Endpoint
from resources.base import Resource
from resources.schemas import send_bytes


class OpenApi(Resource):
    """Serve the OpenAPI description that generated clients and fuzzers start from."""

    _document: bytes | None = None

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Send the OpenAPI document (the same for every caller)."""
        if self._document is None:
            # Built once per app: the registry and the schema files do not change while it runs.
            self._document = dumps(build_openapi(self.services.registry))
        send_bytes(req, resp, self._document, OPENAPI_MEDIA_TYPE)


ENDPOINTS = (
    Endpoint(
        name="api.openapi",
        method="GET",
        template="/v2/openapi.json",
        resource=OpenApi,
        suffix=None,
        auth=Auth.NONE,
        rel="service-desc",
        title="Read the OpenAPI 3.1 description of the API",
        collection="api",
        media_type=OPENAPI_MEDIA_TYPE,
    ),
)
