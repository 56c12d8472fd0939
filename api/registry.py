"""The endpoint registry: one declaration per endpoint, the single source of routes and links.

Each resource module declares its `COLLECTION` and `ENDPOINTS`; `build_registry` gathers them.
From the registry, and from nothing else, come the `app.add_route` calls, the permission-filtered
`links` of every body, the `/v2/<collection>/links` documents, the OpenAPI document and the
authorization check that the middleware runs before any responder.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.access import Target

# Re-exported for code that still names it here; it lives below dao/ so DAOs can take it.
from domain.identity import Principal as Principal

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_FIELD = re.compile(r"{(\w+)}")


class Auth(StrEnum):
    """Who may call an endpoint (CONTRACT.md §1 `auth`)."""

    NONE = "none"
    USER = "user"
    OWNER = "owner"
    GROUP_ADMIN = "group_admin"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Collection:
    """A group of endpoints documented by one `/v2/<collection>/links` document."""

    name: str
    key: str
    prefix: str
    title: str

    @property
    def links_path(self) -> str:
        """Return the path of this collection's links document."""
        return f"{self.prefix}/links"


#: The type of a path or query parameter: a JSON Schema type name ("integer", "string", ...)
#: or a whole JSON Schema object (for ranges, enums, lengths).
ParamType = str | dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One verb on one path template, with everything needed to route, link and authorize it.

    An OWNER or GROUP_ADMIN rule is checked against either the URL alone, when `owner_param`
    names the path field holding the owner's username, or the endpoint's `target`
    (`api.access.Target`): the row the framework loads before the responder runs, with whose it
    is. One of the two is required, or the app refuses to boot.

    The OpenAPI document (api/openapi.py) derives everything else from these declarations; the
    last fields fill in only what cannot be derived, and all have defaults: `params` types path
    fields (default: integer for `*_id`, `limit` and `offset`, else a string), `query` lists
    the query parameters, `statuses` adds statuses to the derived ones (409, 429, ...; a 2xx
    replaces the derived success status: POST 201, DELETE 204, else 200), `returns` names
    the body's schema in schemas/responses/ (default: any object with `self` and `links`),
    `media_type` the body's media type(s), comma-separated, when it is not JSON.
    """

    name: str
    method: str
    template: str
    resource: type
    suffix: str | None
    auth: Auth
    rel: str
    title: str
    collection: str = ""
    schema: str | None = None
    owner_param: str | None = None
    target: Target[Any] | None = field(default=None, compare=False)
    disabled: bool = False
    params: dict[str, ParamType] = field(default_factory=dict, compare=False)
    query: dict[str, ParamType] = field(default_factory=dict, compare=False)
    statuses: tuple[int, ...] = ()
    returns: str | None = None
    media_type: str = "application/json"

    @property
    def fields(self) -> tuple[str, ...]:
        """Return the names of the template's path fields."""
        return tuple(_FIELD.findall(self.template))

    @property
    def key(self) -> str:
        """Return the `VERB /template` form used by DISABLED_ROUTES."""
        return f"{self.method} {self.template}"

    def permits(
        self, caller: Principal | None, *, owner: str | None = None, group_admin: bool = False
    ) -> bool:
        """Tell whether `caller` may call this endpoint on a target owned by `owner`."""
        if self.disabled:
            return False
        if self.auth is Auth.NONE:
            return True
        if caller is None:
            return False
        if caller.is_admin or self.auth is Auth.USER:
            return True
        if self.auth is Auth.OWNER:  # or an admin of the group the target also belongs to
            return (owner is not None and owner == caller.username) or group_admin
        if self.auth is Auth.GROUP_ADMIN:
            return group_admin
        return False

    def href(self, params: dict[str, Any]) -> tuple[str, bool]:
        """Expand the template with `params`; return (href, templated) for a link object."""
        missing = False

        def expand(match: re.Match[str]) -> str:
            nonlocal missing
            value = params.get(match.group(1))
            if value is None:
                missing = True
                return match.group(0)
            return _quote(str(value))

        href = _FIELD.sub(expand, self.template)
        return (self.template, True) if missing else (href, False)


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = _FIELD.split(template)  # literal, field, literal, field, ..., literal
    return re.compile(
        "".join(
            r"(?!\.\.?(?:/|$))[^/]+" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
    )


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="@")


class RegistryError(RuntimeError):
    """Raise at start-up when the declarations are inconsistent; the app refuses to boot."""


class Registry:
    """Every endpoint of the API, indexed by name and by (template, method)."""

    def __init__(self, collections: Iterable[Collection], endpoints: Iterable[Endpoint]) -> None:
        self.collections: dict[str, Collection] = {}
        for collection in collections:
            if collection.name in self.collections:
                raise RegistryError(f"collection {collection.name!r} declared twice")
            self.collections[collection.name] = collection
        self.endpoints: tuple[Endpoint, ...] = tuple(endpoints)
        self.by_name: dict[str, Endpoint] = {}
        self.by_route: dict[tuple[str, str], Endpoint] = {}
        for endpoint in self.endpoints:
            self._check(endpoint)
            self.by_name[endpoint.name] = endpoint
            self.by_route[(endpoint.template, endpoint.method)] = endpoint
        self._paths = [(_path_pattern(e.template), e) for e in self.endpoints if not e.disabled]

    def _check(self, endpoint: Endpoint) -> None:
        if not isinstance(endpoint.auth, Auth):
            raise RegistryError(f"endpoint {endpoint.name!r} has no auth rule")
        if endpoint.method not in METHODS:
            raise RegistryError(f"endpoint {endpoint.name!r} has unknown method {endpoint.method}")
        if endpoint.collection not in self.collections:
            raise RegistryError(f"endpoint {endpoint.name!r} names unknown collection")
        if endpoint.name in self.by_name:
            raise RegistryError(f"endpoint name {endpoint.name!r} declared twice")
        if (endpoint.template, endpoint.method) in self.by_route:
            raise RegistryError(f"{endpoint.key} declared twice")
        if (
            endpoint.auth in (Auth.OWNER, Auth.GROUP_ADMIN)
            and endpoint.owner_param is None
            and endpoint.target is None
        ):
            raise RegistryError(f"{endpoint.name}: an {endpoint.auth} rule needs a target")
        if endpoint.owner_param and endpoint.owner_param not in endpoint.fields:
            raise RegistryError(f"{endpoint.name}: owner_param is not a path field")
        if set(endpoint.params) - set(endpoint.fields):
            raise RegistryError(f"{endpoint.name}: params names a field the path does not have")

    def __getitem__(self, name: str) -> Endpoint:
        return self.by_name[name]

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self.endpoints)

    def find(self, template: str | None, method: str) -> Endpoint | None:
        """Return the endpoint serving `method` on the route `template`, if any."""
        if template is None:
            return None
        return self.by_route.get((template, method))

    def match(self, path: str, method: str = "GET") -> Endpoint | None:
        """Return an enabled endpoint serving `method` on the concrete `path`, if any.

        A path field matches one non-empty segment that is not "." or "..".
        """
        for pattern, endpoint in self._paths:
            if endpoint.method == method and pattern.fullmatch(path):
                return endpoint
        return None

    def in_collection(self, name: str) -> list[Endpoint]:
        """Return the endpoints documented by collection `name`, in declaration order."""
        return [endpoint for endpoint in self.endpoints if endpoint.collection == name]

    def routes(self) -> dict[str, tuple[type, str | None]]:
        """Return {template: (resource class, responder suffix)}, checking they agree."""
        routes: dict[str, tuple[type, str | None]] = {}
        for endpoint in self.endpoints:
            target = (endpoint.resource, endpoint.suffix)
            if routes.setdefault(endpoint.template, target) != target:
                raise RegistryError(f"{endpoint.template} maps to two resources or suffixes")
        return routes


def build_registry(
    modules: Iterable[Any], *, links_resource: type, disabled_routes: Iterable[str] = ()
) -> Registry:
    """Collect `COLLECTION`/`ENDPOINTS` of each module, add each collection's links document
    (served by `links_resource`) and apply DISABLED_ROUTES.

    A module without a `COLLECTION` adds endpoints to collections declared elsewhere; each of
    its endpoints names its collection.
    """
    collections: list[Collection] = []
    endpoints: list[Endpoint] = []
    for module in modules:
        collection = getattr(module, "COLLECTION", None)
        for endpoint in module.ENDPOINTS:
            endpoints.append(
                endpoint
                if endpoint.collection or collection is None
                else dataclasses.replace(endpoint, collection=collection.name)
            )
        if collection is None:
            continue
        collections.append(collection)
        endpoints.append(
            Endpoint(
                name=f"{collection.name}.links",
                method="GET",
                template=collection.links_path,
                resource=links_resource,
                suffix="links",
                auth=Auth.NONE,
                rel="describedby",
                title=f"The endpoints of {collection.title}",
                collection=collection.name,
                returns="links-document",
            )
        )
    disabled = {" ".join(route.split()) for route in disabled_routes}
    known = {endpoint.key for endpoint in endpoints}
    unknown = disabled - known
    if unknown:
        raise RegistryError(f"DISABLED_ROUTES names unknown endpoints: {sorted(unknown)}")
    endpoints = [
        dataclasses.replace(endpoint, disabled=endpoint.key in disabled) for endpoint in endpoints
    ]
    return Registry(collections, endpoints)
