"""The item lifecycle (`resources.base.Item`) is tested once, for every resource that uses it.

Generated from the registry: every GET that `Item` serves (an endpoint with a versioned target
on an `Item` resource) sends a strong ETag and `Accept-Patch`, answers 304 with no body to an
`If-None-Match` naming that tag (strong or weak, as nginx's gzip makes it) and 200 to another
tag; and the ETag that a PATCH answers is the one the next GET sends. Targets are built by the
If-Match test's builders, through the write endpoint on the same path, so a new item resource
is covered as soon as its writes are (and `test_every_item_read_has_a_builder` fails before).
"""

from __future__ import annotations

import pytest

from api.registry import Endpoint, build_registry
from api.routes import RESOURCE_MODULES
from resources.base import Item
from resources.discovery import LinksDocuments
from tests.resources.test_if_match import (
    MERGE,
    TARGETS,
    World,
    _call,
    build_target,
    open_app,  # noqa: F401 (a fixture the world needs)
    world,  # noqa: F401 (the fixture)
)


def item_reads() -> list[Endpoint]:
    """Return the GET endpoints that the Item lifecycle serves."""
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    return [
        endpoint
        for endpoint in registry
        if endpoint.method == "GET"
        and isinstance(endpoint.resource, type)
        and issubclass(endpoint.resource, Item)
        and endpoint.target is not None
        and endpoint.target.version is not None
    ]


def writer_of(read: Endpoint, verb: str = "PUT") -> str | None:
    """Return the name of a write endpoint with a builder, on the same path as `read`."""
    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    return next(
        (
            endpoint.name
            for endpoint in registry
            if endpoint.template == read.template
            and endpoint.method == verb
            and endpoint.name in TARGETS
        ),
        None,
    )


def test_every_item_read_has_a_builder():
    reads = item_reads()
    assert len(reads) >= 6, [endpoint.name for endpoint in reads]
    missing = [endpoint.name for endpoint in reads if writer_of(endpoint) is None]
    assert not missing, f"item reads without a target builder in test_if_match: {missing}"


@pytest.mark.parametrize("name", [endpoint.name for endpoint in item_reads()])
def test_a_read_sends_an_etag_and_answers_304_to_it(world: World, name):  # noqa: F811
    read = next(endpoint for endpoint in item_reads() if endpoint.name == name)
    target = build_target(writer_of(read) or "", world)
    first = world.client.simulate_get(target.path, headers=target.headers)
    assert first.status_code == 200, (name, first.text)
    tag = first.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/"), (name, tag)
    assert "application/json-patch+json" in first.headers["accept-patch"]
    for candidate in (tag, f"W/{tag}", f'"other", {tag}'):
        again = world.client.simulate_get(
            target.path, headers={**target.headers, "If-None-Match": candidate}
        )
        assert again.status_code == 304, (name, candidate, again.status_code)
        assert again.content == b"" and again.headers["etag"] == tag
    other = world.client.simulate_get(
        target.path, headers={**target.headers, "If-None-Match": '"0-stale"'}
    )
    assert other.status_code == 200 and other.json, name


@pytest.mark.parametrize(
    "name",
    [endpoint.name for endpoint in item_reads() if writer_of(endpoint, "PATCH") is not None],
)
def test_the_etag_a_patch_answers_is_the_one_the_next_read_sends(world: World, name):  # noqa: F811
    read = next(endpoint for endpoint in item_reads() if endpoint.name == name)
    target = build_target(writer_of(read, "PATCH") or "", world)
    before = world.client.simulate_get(target.path, headers=target.headers).headers["etag"]
    patched = _call(world, "PATCH", target, {"If-Match": before})
    assert patched.status_code == 200, (name, patched.text)
    assert patched.json["updated"] in (True, False)
    after = world.client.simulate_get(target.path, headers=target.headers)
    assert after.headers["etag"] == patched.headers["etag"], name
    if patched.json["updated"]:
        assert after.headers["etag"] != before, name
    assert target.content_type == MERGE
