"""Flair: site admins grant badges that users show on their profiles."""

from __future__ import annotations

from typing import Any

import falcon

from api.links import Linker
from api.registry import Auth, Collection, Endpoint
from dao.flair import FlairDao
from dao.users import UserDao
from models import Flair
from resources.base import Resource

COLLECTION = Collection("flair", key="flair", prefix="/v2/flair", title="flair")


def flair_view(linker: Linker, row: Flair) -> dict[str, Any]:
    """Represent one flair; it has no address of its own, so `self` is its owner's flair list."""
    return {
        "self": linker.href("users.flair", username=row.username),
        "flair_id": row.flair_id,
        "username": row.username,
        "flair": row.flair,
        "deleted": bool(row.deleted),
    }


class Flairs(Resource):
    """Grant flair."""

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Grant flair to a user (site admins only)."""
        body = req.get_media()  # validated against flair-create.json by the middleware
        user = self.services.dao(UserDao, req).get_by_username(body["username"])
        row = self.services.dao(FlairDao, req).grant(
            user, body["flair"], by=req.context.user.username
        )
        location = self.href("users.flair", username=user.username)
        self.created(
            resp,
            location,
            {
                "self": self.href("flair.create"),
                "added": True,
                "flair": flair_view(self.linker, row),
                "links": self.links(req, "users.flair", "users.item", username=user.username)
                + self.links(req, "api.root"),
            },
        )


ENDPOINTS = (
    Endpoint(
        name="flair.create",
        method="POST",
        template="/v2/flair",
        resource=Flairs,
        suffix="collection",
        auth=Auth.ADMIN,
        rel="create",
        title="Grant flair to a user",
        schema="flair-create",
        statuses=(404,),
    ),
)
