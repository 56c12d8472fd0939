"""Discovery documents: a client that knows only `/` can find every endpoint."""

from __future__ import annotations

from api.routes import RESOURCE_MODULES


def test_root(client):
    body = client.simulate_get("/").json
    assert body["self"] == "/" and body["api_name"] == "splits"
    assert body["versions_link"] == "/versions"
    hrefs = {link["href"] for link in body["links"]}
    assert {"/versions", "/v2", "/v2/links", "/v2/auth/token"} <= hrefs


def test_root_shows_protected_links_only_to_callers_who_may_use_them(client, runners):
    anonymous = {(link["method"], link["href"]) for link in client.simulate_get("/").json["links"]}
    assert ("GET", "/v2/users") not in anonymous
    assert ("POST", "/v2/users") in anonymous  # registering is open
    alice = client.simulate_get("/", headers=runners["alice"]).json["links"]
    assert {"rel": "me", "href": "/v2/users/alice"}.items() <= next(
        link for link in alice if link["rel"] == "me"
    ).items()


def test_versions_and_v2_keep_legacy_keys(client):
    versions = client.simulate_get("/versions").json
    assert versions["version_latest"] == "/v2" and versions["version_1"] is None
    v2 = client.simulate_get("/v2").json
    assert v2["version"] == 2 and v2["latest"] is True
    assert {"rel": "links", "href": "/v2/links"}.items() <= v2["links"][0].items()


def test_v2_links_lists_every_collection_including_types_and_auth(client, app):
    body = client.simulate_get("/v2/links").json
    assert body["type"] == "/v2/types/links" and body["auth"] == "/v2/auth/links"
    assert body["user"] == "/v2/users/links"
    for link in body["links"]:
        assert client.simulate_get(link["href"]).status_code == 200


def test_every_endpoint_appears_in_exactly_one_links_document(client):
    index = client.simulate_get("/v2/links").json
    seen: list[tuple[str, str]] = []
    for key, value in index.items():
        if key in ("self", "links"):
            continue
        document = client.simulate_get(value).json
        assert document["self"] == value
        seen += [(entry["link"], entry["verb"]) for entry in document["endpoints"]]
    from api.registry import build_registry
    from resources.discovery import LinksDocuments

    registry = build_registry(RESOURCE_MODULES, links_resource=LinksDocuments)
    assert sorted(seen) == sorted(registry.by_route)
    assert len(seen) == len(set(seen))


def test_links_documents_mark_disabled_endpoints_and_schemas(client):
    endpoints = client.simulate_get("/v2/users/links").json["endpoints"]
    delete = next(
        e for e in endpoints if e["link"] == "/v2/users/{username}" and e["verb"] == "DELETE"
    )
    assert delete["disabled"] is True
    put = next(e for e in endpoints if e["link"] == "/v2/users/{username}" and e["verb"] == "PUT")
    assert put["schema"] == "/v2/schemas/user-update.json" and put["auth"] == "owner"


def test_collections_answer_with_and_without_the_trailing_slash(client, runners):
    assert client.simulate_get("/v2/types").json == client.simulate_get("/v2/types/").json
    assert client.simulate_get("/v2/users/", headers=runners["alice"]).status_code == 200


def test_types_are_public_and_complete(client):
    body = client.simulate_get("/v2/types").json
    assert body["self"] == "/v2/types"
    assert len(body["types"]) == 23 and "virtual bike" in body["types"]


def test_health(client):
    assert client.simulate_get("/health").json["status"] == "ok"
    ready = client.simulate_get("/health/ready")
    assert ready.status_code == 200 and ready.json["database"] == "ok"
