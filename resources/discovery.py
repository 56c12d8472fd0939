"""Discovery: `/`, `/versions`, `/v2`, `/v2/links` and every `/v2/<collection>/links` document."""

from __future__ import annotations

import falcon

from api.links import Link
from api.registry import Auth, Collection, Endpoint
from resources.base import Resource

COLLECTION = Collection("api", key="api", prefix="/v2/api", title="the API itself")


class Discovery(Resource):
    """The entry points a client starts from; all public."""

    def _root_links(self, req: falcon.Request) -> list[Link]:
        links = self.links(req, "api.versions", "api.v2", "api.index", "auth.token", "auth.links")
        user = req.context.user
        if user is not None:
            links += self.links(req, "users.item", rel="me", username=user.username)
        links += self.links(req, "users.list", "logs.list", "types.list", "api.health")
        # Onboarding: register with a code, reset a password, find teams and groups.
        links += self.links(
            req,
            "users.create",
            "forgot_password.request",
            "forgot_password.validate",
            "teams.list",
            "groups.list",
            "activation_code.list",
        )
        # RFC 8631: the machine-readable description, its schemas and the human-readable explorer.
        return links + self.links(req, "api.openapi", "api.schemas", "api.docs", "api.problems")

    def on_get_root(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Describe the API and where to go next."""
        resp.media = {
            "self": self.href("api.root"),
            "api_name": "splits",
            "versions_link": self.href("api.versions"),
            "links": self._root_links(req),
        }

    def on_get_versions(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List the API versions (only v2 exists)."""
        v2 = self.href("api.v2")
        resp.media = {
            "self": self.href("api.versions"),
            "version_latest": v2,
            "version_1": None,
            "version_2": v2,
            "links": self.links(req, "api.v2", "api.root"),
        }

    def on_get_v2(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Describe version 2; its legacy `links` key becomes the links array."""
        resp.media = {
            "self": self.href("api.v2"),
            "version": 2,
            "latest": True,
            "links": self.links(req, "api.index", rel="links") + self.links(req, "api.root"),
        }

    def on_get_links(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Map every collection's legacy key to its links document (types and auth included)."""
        registry = self.services.registry
        body: dict[str, object] = {"self": self.href("api.index")}
        links: list[Link] = []
        for collection in registry.collections.values():
            body[collection.key] = collection.links_path
            links += self.links(req, f"{collection.name}.links", rel=collection.key)
        body["links"] = [*links, *self.links(req, "api.root")]
        resp.media = body


class LinksDocuments(Resource):
    """Serve `/v2/<collection>/links`: a collection's endpoints, generated from the registry."""

    def on_get_links(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List the collection's endpoints with their verbs, auth rules and schemas."""
        registry = self.services.registry
        endpoint = registry.find(req.uri_template, "GET")
        assert endpoint is not None  # routed from the registry, so always found
        entries = []
        for item in registry.in_collection(endpoint.collection):
            entry: dict[str, object] = {
                "link": item.template,
                "verb": item.method,
                "description": item.title,
                "auth": item.auth.value,
            }
            if item.schema:
                entry["schema"] = self.href("api.schema", name=item.schema)
            if item.disabled:
                entry["disabled"] = True
            entries.append(entry)
        resp.media = {
            "self": req.uri_template,
            "endpoints": entries,
            "links": self.links(req, "api.index", "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        name="api.root",
        method="GET",
        template="/",
        resource=Discovery,
        suffix="root",
        auth=Auth.NONE,
        rel="root",
        title="Read the API root",
        returns="root",
    ),
    Endpoint(
        name="api.versions",
        method="GET",
        template="/versions",
        resource=Discovery,
        suffix="versions",
        auth=Auth.NONE,
        rel="versions",
        title="List the API versions",
        returns="versions",
    ),
    Endpoint(
        name="api.v2",
        method="GET",
        template="/v2",
        resource=Discovery,
        suffix="v2",
        auth=Auth.NONE,
        rel="version",
        title="Describe version 2",
        returns="version",
    ),
    Endpoint(
        name="api.index",
        method="GET",
        template="/v2/links",
        resource=Discovery,
        suffix="links",
        auth=Auth.NONE,
        rel="index",
        title="List the links documents of every collection",
        returns="index",
    ),
)
