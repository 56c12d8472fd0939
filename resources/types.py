"""Exercise types: the lookup list that logs' `type` must come from."""

from __future__ import annotations

import falcon
from sqlalchemy import select

from api.registry import Auth, Collection, Endpoint
from models import Type
from resources.base import Resource

COLLECTION = Collection("types", key="type", prefix="/v2/types", title="exercise types")


class Types(Resource):
    """The exercise types (public)."""

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List every exercise type by name."""
        names = req.context.db.scalars(select(Type.type).order_by(Type.type)).all()
        resp.media = {
            "self": self.href("types.list"),
            "types": list(names),
            "links": self.links(req, "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        name="types.list",
        method="GET",
        template="/v2/types",
        resource=Types,
        suffix="collection",
        auth=Auth.NONE,
        rel="types",
        title="List the exercise types",
        returns="types",
    ),
)
