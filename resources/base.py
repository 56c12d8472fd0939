"""The base of every resource class: constructor injection of the app's services."""

from __future__ import annotations

from typing import Any

import falcon

from api.links import Link
from api.services import Services


class Resource:
    """A stateless Falcon resource; responders parse, call a DAO and shape the answer."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.linker = services.linker
        self.config = services.config

    def links(self, req: falcon.Request, *names: str, **kwargs: Any) -> list[Link]:
        """Return the links to the named endpoints that this caller may use."""
        return self.linker.links(req, *names, **kwargs)

    @staticmethod
    def created(resp: falcon.Response, location: str, body: dict[str, Any]) -> None:
        """Answer 201 Created with `Location` and the created representation."""
        resp.status = falcon.HTTP_201
        resp.location = location
        resp.media = body

    @staticmethod
    def no_content(resp: falcon.Response) -> None:
        """Answer 204 with an empty body (and so no Content-Type)."""
        resp.status = falcon.HTTP_204
        resp.data = b""
