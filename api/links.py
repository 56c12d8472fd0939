"""Build link objects (CONTRACT.md §1) from the registry, filtered by what the caller may do."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlencode

import falcon

from api.access import Access, Scope
from api.registry import Endpoint, Registry
from domain.identity import Principal

Link = dict[str, Any]


#: Control characters, space and backslash: never part of a link that a client may follow.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def internal_link_problem(registry: Registry, link: str) -> str | None:
    """Return why `link` is not a relative link to a readable route of this API, else None.

    An internal link is a path that starts with a single "/" (so no scheme and no host, which a
    browser would follow off-site), with no backslash, space or control character (as written
    or percent-encoded), no "//", no "." or ".." segment and no fragment, whose path names a
    GET endpoint of the registry; a query string may follow.
    """
    path = link.partition("?")[0]
    decoded = unquote(path)
    if not path.startswith("/") or path.startswith("//"):
        return "must be a path of this API that starts with a single '/' (no scheme, no host)"
    if _UNSAFE.search(link) or _UNSAFE.search(decoded) or "#" in link:
        return "must not contain spaces, control characters, backslashes or a fragment"
    if "//" in decoded or any(segment in (".", "..") for segment in decoded.split("/")):
        return "must not contain '//' or '.' and '..' segments"
    if registry.match(path) is None:
        return "must be the path of a GET endpoint of this API"
    return None


def caller(req: falcon.Request) -> Principal | None:
    """Return the authenticated caller of `req`, or None when anonymous."""
    return getattr(req.context, "user", None)


class Linker:
    """Turn endpoint names into link objects for one caller."""

    #: How many distinct link objects to remember; past it the memo starts over.
    MEMO_LIMIT = 4096

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        # Every body carries links, so building them is on every request's path: a link object
        # depends only on (endpoint, rel, the values of the template's fields), so each is built
        # once and copied afterwards (callers may change their copy).
        self._fields: dict[str, tuple[str, ...]] = {e.name: e.fields for e in registry}
        self._memo: dict[tuple[Any, ...], Link] = {}

    def link(
        self,
        req: falcon.Request,
        name: str,
        *,
        rel: str | None = None,
        target: Any = None,
        scope: Scope | None = None,
        **params: Any,
    ) -> Link | None:
        """Return the link to endpoint `name`, or None when this caller may not use it.

        The endpoint's own rule decides, exactly as when the link is followed (`api.access`):
        against `target`, the row the link acts on, through the endpoint's declared `Target`;
        or against `scope` when the page has whose-it-is without the row; or, for an endpoint
        whose owner is named in its URL, against that path field. A link whose path fields are
        not all given in `params` is returned as a template.
        """
        endpoint = self.registry[name]
        if scope is None:
            if target is not None and endpoint.target is not None:
                scope = endpoint.target.scope(target)
            elif endpoint.owner_param:
                scope = Scope(owner=params.get(endpoint.owner_param))
        if not Access.of(req).allows(endpoint, scope):
            return None
        key = (name, rel, *(params.get(field) for field in self._fields[name]))
        link = self._memo.get(key)
        if link is None:
            if len(self._memo) >= self.MEMO_LIMIT:
                self._memo.clear()
            link = self._memo[key] = self.describe(endpoint, rel=rel, params=params)
        return dict(link)

    def href(self, name: str, /, **params: Any) -> str:
        """Return the path of endpoint `name` with its fields filled in from `params`.

        Every `self`, `Location` and legacy link key is built here, from the registry, so no
        URL is typed twice. A missing field is a programming error (a KeyError).
        """
        href, templated = self.registry[name].href(params)
        if templated:
            raise KeyError(f"{name}: no value for a field of {href}")
        return href

    def describe(
        self, endpoint: Endpoint, *, rel: str | None = None, params: dict[str, Any]
    ) -> Link:
        """Return the link object of `endpoint`, without any permission check."""
        href, templated = endpoint.href(params)
        link: Link = {
            "rel": rel or endpoint.rel,
            "href": href,
            "method": endpoint.method,
            "title": endpoint.title,
            "auth": endpoint.auth.value,
        }
        if endpoint.schema:
            link["schema"] = self.href("api.schema", name=endpoint.schema)
        if templated:
            link["templated"] = True
        return link

    def links(self, req: falcon.Request, *names: str, **kwargs: Any) -> list[Link]:
        """Return the links to `names` that this caller may use, in the order given."""
        found = []
        for name in names:
            link = self.link(req, name, **kwargs)
            if link is not None:
                found.append(link)
        return found


def with_query(path: str, **query: Any) -> str:
    """Return `path` with the non-empty `query` parameters appended, in a stable order."""
    pairs = [(key, value) for key, value in query.items() if value is not None and value != ""]
    return f"{path}?{urlencode(pairs)}" if pairs else path
