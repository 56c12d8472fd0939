"""The registry is the single source of routes, links documents and auth rules."""

from __future__ import annotations

import types

import pytest

from api.app import create_app, routed_endpoints
from api.registry import Auth, Collection, Endpoint, RegistryError, build_registry
from api.routes import RESOURCE_MODULES
from resources.base import Resource
from resources.discovery import LinksDocuments


def test_every_route_is_registered_and_every_registry_entry_is_routed(app):
    declared = set(build_registry(RESOURCE_MODULES, links_resource=LinksDocuments).by_route)
    assert routed_endpoints(app) == declared


class _Thing(Resource):
    def on_get(self, req, resp):
        resp.media = {}


THINGS = Collection("things", "thing", "/v2/things", "things")


def thing(**fields):
    """Return an endpoint of the test collection: a USER `GET /v2/things` unless told otherwise."""
    base = {
        "resource": _Thing,
        "suffix": None,
        "rel": "self",
        "title": "Read",
        "template": "/v2/things",
        "method": "GET",
        "auth": Auth.USER,
    }
    return Endpoint(**{**base, **fields})


def _module(*endpoints, collection=THINGS):
    return types.SimpleNamespace(COLLECTION=collection, ENDPOINTS=endpoints)


def test_an_endpoint_without_an_auth_rule_refuses_to_boot():
    broken = thing(name="things.get", auth=None)
    with pytest.raises(RegistryError, match="no auth rule"):
        build_registry([_module(broken)], links_resource=LinksDocuments)


def test_a_responder_without_a_registry_entry_refuses_to_boot(config, session_factory):
    class Sneaky(Resource):
        def on_get(self, req, resp):
            resp.media = {}

        def on_delete(self, req, resp):  # routed by add_route, but never declared
            resp.media = {}

    module = _module(thing(name="things.get", resource=Sneaky))
    with pytest.raises(RegistryError, match="without a registry entry"):
        create_app(config, session_factory=session_factory, modules=[*RESOURCE_MODULES, module])


def test_disabled_routes_must_name_real_endpoints():
    with pytest.raises(RegistryError, match="unknown endpoints"):
        build_registry(
            RESOURCE_MODULES, links_resource=LinksDocuments, disabled_routes=["GET /v2/nothing"]
        )


def test_the_same_route_cannot_be_declared_twice():
    one = thing(name="things.a")
    two = thing(name="things.b")
    with pytest.raises(RegistryError, match="declared twice"):
        build_registry([_module(one, two)], links_resource=LinksDocuments)


@pytest.mark.parametrize("auth", [Auth.OWNER, Auth.GROUP_ADMIN])
def test_a_rule_on_the_row_without_a_target_refuses_to_boot(auth):
    # Who may act on a row must be declared (a target, or the owner's path field), never left
    # to a hand-written check inside the responder.
    bare = thing(
        name="things.edit",
        method="PUT",
        template="/v2/things/{thing_id}",
        auth=auth,
        rel="edit",
        title="Edit",
    )
    with pytest.raises(RegistryError, match="needs a target"):
        build_registry([_module(bare)], links_resource=LinksDocuments)


def test_an_owner_rule_names_a_real_path_field():
    bad = thing(
        name="things.put",
        method="PUT",
        template="/v2/things/{id}",
        auth=Auth.OWNER,
        rel="edit",
        title="Edit",
        owner_param="username",
    )
    with pytest.raises(RegistryError, match="owner_param"):
        build_registry([_module(bad)], links_resource=LinksDocuments)


def test_permits_follows_the_auth_rules():
    from domain.identity import Principal

    alice = Principal("alice", "a@example.com", "user")
    root = Principal("root", "r@example.com", "admin")
    owner = thing(
        name="x",
        method="PUT",
        template="/x/{u}",
        auth=Auth.OWNER,
        rel="edit",
        title="Edit",
        owner_param="u",
    )
    assert not owner.permits(None, owner="alice")
    assert owner.permits(alice, owner="alice")
    assert not owner.permits(alice, owner="bob")
    assert owner.permits(root, owner="bob")
    admin_only = thing(
        name="y", method="POST", template="/y", auth=Auth.ADMIN, rel="create", title="Create"
    )
    assert not admin_only.permits(alice) and admin_only.permits(root)
    group_admin = thing(
        name="z", method="PUT", template="/z", auth=Auth.GROUP_ADMIN, rel="edit", title="Edit"
    )
    assert not group_admin.permits(alice) and group_admin.permits(alice, group_admin=True)
    import dataclasses

    assert not dataclasses.replace(owner, disabled=True).permits(root, owner="bob")
