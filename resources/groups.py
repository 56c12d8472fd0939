"""Groups of a team: declared here so that every module adding group endpoints shares one collection."""

from __future__ import annotations

from api.registry import Collection, Endpoint

COLLECTION = Collection("groups", "group", "/v2/groups", "groups")

ENDPOINTS: tuple[Endpoint, ...] = ()
