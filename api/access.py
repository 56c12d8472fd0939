"""Authorization checks that need the target resource, made by responders after loading it."""

from __future__ import annotations

import falcon

from api.links import caller
from dao.errors import Forbidden


def authorize(req: falcon.Request, *, owner: str | None = None, group_admin: bool = False) -> None:
    """Raise Forbidden unless this request's endpoint permits the caller on this target.

    It uses the same rule as the link builder, so a link that was shown is never refused.
    """
    endpoint = req.context.endpoint
    if not endpoint.permits(caller(req), owner=owner, group_admin=group_admin):
        raise Forbidden(f"You may not {endpoint.title[0].lower()}{endpoint.title[1:]}.")
