"""The API explorer at /docs: a page and its script and style, served from resources/static/."""

from __future__ import annotations

from pathlib import Path

import falcon

from api.registry import Auth, Endpoint
from dao.errors import NotFound
from resources.base import Resource
from resources.schemas import send_bytes

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE = ("explorer.html", "text/html; charset=utf-8")
#: The only files /docs/{asset} serves: a fixed list, so no path can reach anything else.
ASSETS = {
    "explorer.js": "text/javascript; charset=utf-8",
    "explorer.css": "text/css; charset=utf-8",
}
#: The page loads nothing but its own script and style and talks to nothing but this API.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class Explorer(Resource):
    """Serve the explorer page and its assets."""

    def _send(self, req: falcon.Request, resp: falcon.Response, name: str, media: str) -> None:
        resp.set_headers(SECURITY_HEADERS)
        send_bytes(req, resp, (STATIC_DIR / name).read_bytes(), media)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Send the explorer page; it starts at / and follows links."""
        self._send(req, resp, *PAGE)

    def on_get_asset(self, req: falcon.Request, resp: falcon.Response, asset: str) -> None:
        """Send the explorer's script or style sheet."""
        media_type = ASSETS.get(asset)
        if media_type is None:
            raise NotFound(f"The explorer has no file '{asset}'.")
        self._send(req, resp, asset, media_type)


ENDPOINTS = (
    Endpoint(
        name="api.docs",
        method="GET",
        template="/docs",
        resource=Explorer,
        suffix=None,
        auth=Auth.NONE,
        rel="service-doc",
        title="Open the API explorer (a web page)",
        collection="api",
        media_type="text/html",
    ),
    Endpoint(
        name="api.docs_asset",
        method="GET",
        template="/docs/{asset}",
        resource=Explorer,
        suffix="asset",
        auth=Auth.NONE,
        rel="asset",
        title="Read a script or style sheet of the API explorer",
        collection="api",
        media_type="text/javascript, text/css",
    ),
)
