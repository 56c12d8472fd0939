"""The base of every resource class, and the item lifecycle that item resources configure."""

from __future__ import annotations

from typing import Any, ClassVar

import falcon

from api.conditional import etag_for, send_etag
from api.links import Link
from api.patching import ACCEPT_PATCH, apply_patch
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

    def href(self, name: str, /, **params: Any) -> str:
        """Return the path of endpoint `name` with its fields filled in (from the registry)."""
        return self.linker.href(name, **params)

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


class Item(Resource):
    """The lifecycle of one item, written once: read, replace, patch, delete, soft delete.

    The framework has already loaded the endpoint's target, applied its rule and checked
    `If-Match` (`api.access.bind_target`); this class adds what every item does with it:

    * GET sends a strong ETag (the target's version plus the caller's `variant`) and answers
      304 to a matching `If-None-Match`, with `Accept-Patch`;
    * PUT validates the body (the middleware did, against the endpoint's schema); PATCH applies
      a merge patch or a JSON Patch to `editable(target)` and validates the result against
      `update_schema`, as PUT would; both call `replace`, then answer the new representation
      with `updated` and the new ETag;
    * DELETE calls `remove` (for good), the soft DELETE `retire`; both answer 204.

    A resource configures it by overriding the hooks it serves, and takes the responders it
    routes: `Item` reads, `Editable` adds PUT and PATCH, `Deletable` the two DELETEs (Falcon
    routes every `on_*` a class has, and the app refuses to boot when one is not declared).
    """

    #: The JSON Schema a PUT body and a patched document must meet.
    update_schema: ClassVar[str] = ""

    # -- hooks ---------------------------------------------------------------------------------

    def represent(self, req: falcon.Request, target: Any) -> dict[str, Any]:
        """Return the representation of `target` for this caller."""
        raise NotImplementedError

    def variant(self, req: falcon.Request, target: Any) -> str:
        """Return what tells apart this caller's representation from others' (ETag variant)."""
        return ""

    def editable(self, target: Any) -> dict[str, Any]:
        """Return the writable fields of `target`: the document a PATCH applies to."""
        raise NotImplementedError

    def replace(self, req: falcon.Request, target: Any, document: dict[str, Any]) -> bool:
        """Write `document` to `target`; return whether anything changed."""
        raise NotImplementedError

    def remove(self, req: falcon.Request, target: Any) -> None:
        """Delete `target` for good."""
        raise NotImplementedError

    def retire(self, req: falcon.Request, target: Any) -> None:
        """Soft-delete `target` (kept, flagged deleted)."""
        raise NotImplementedError

    # -- responders ----------------------------------------------------------------------------

    @staticmethod
    def version(req: falcon.Request, target: Any) -> int:
        """Return the target's row version, as the endpoint's `Target` reads it."""
        declared = req.context.endpoint.target
        return int(declared.version(target)) if declared.version else 0

    def read(self, req: falcon.Request, resp: falcon.Response, target: Any) -> None:
        """Answer GET: the representation with its ETag, or 304."""
        send_etag(req, resp, self.version(req, target), self.variant(req, target))
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self.represent(req, target)

    def write(
        self, req: falcon.Request, resp: falcon.Response, target: Any, *, patch: bool
    ) -> None:
        """Answer PUT (`patch` false: the body) or PATCH (the patched current document)."""
        if patch:
            document = apply_patch(req, self.editable(target))
            self.services.schemas.validate(self.update_schema, document)
        else:
            document = req.get_media()
        updated = self.replace(req, target, document)
        resp.etag = etag_for(self.version(req, target), self.variant(req, target))
        resp.media = {**self.represent(req, target), "updated": updated}

    def on_get(self, req: falcon.Request, resp: falcon.Response, target: Any) -> None:
        """Read the item."""
        self.read(req, resp, target)


class Editable(Item):
    """An item that PUT replaces and PATCH changes."""

    def on_put(self, req: falcon.Request, resp: falcon.Response, target: Any) -> None:
        """Replace the item."""
        self.write(req, resp, target, patch=False)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, target: Any) -> None:
        """Change part of the item with a merge patch or a JSON Patch."""
        self.write(req, resp, target, patch=True)


class Deletable(Item):
    """An item that DELETE removes for good and the soft DELETE retires."""

    def on_delete(self, req: falcon.Request, resp: falcon.Response, target: Any) -> None:
        """Delete the item for good."""
        self.remove(req, target)
        self.no_content(resp)

    def on_delete_soft(self, req: falcon.Request, resp: falcon.Response, target: Any) -> None:
        """Delete the item (kept, flagged deleted)."""
        self.retire(req, target)
        self.no_content(resp)
