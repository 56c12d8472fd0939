"""Paging of list endpoints: `limit`/`offset` parsing, body links and the RFC 8288 Link header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon

from api.links import Link, with_query
from dao.errors import InvalidInput
from dao.search import FIELDS as TEXT_FILTERS
from dao.search import TextFilter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_FILTER_LENGTH = 50
MAX_ID = 2**31 - 1  # the largest value of the legacy INT primary keys
#: The OpenAPI description of the text filters' query parameters.
TEXT_FILTER_QUERY = {
    name: {"type": "string", "maxLength": MAX_FILTER_LENGTH} for name in TEXT_FILTERS
}
MAX_OFFSET = 10**9
#: The query parameters of every paged list, for an Endpoint's `query` (and so the OpenAPI).
PAGING_QUERY: dict[str, Any] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
}


@dataclass(frozen=True, slots=True)
class Page:
    """A window of `limit` items starting at `offset`."""

    limit: int
    offset: int

    def links(self, path: str, total: int, **query: Any) -> list[Link]:
        """Return first/prev/next/last links (prev and next only where such a page exists)."""
        last_offset = max(0, (total - 1) // self.limit * self.limit)

        def link(rel: str, offset: int) -> Link:
            href = with_query(path, **query, limit=self.limit, offset=offset)
            return {"rel": rel, "href": href, "method": "GET", "title": f"The {rel} page"}

        links = [link("first", 0)]
        if self.offset > 0:
            links.append(link("prev", max(0, self.offset - self.limit)))
        if self.offset + self.limit < total:
            links.append(link("next", self.offset + self.limit))
        links.append(link("last", last_offset))
        return links


def parse_int(value: str | None, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """Parse a non-negative integer parameter, or raise InvalidInput naming it."""
    if value is None or value == "":
        return default
    # isascii: str.isdigit() also accepts digits int() refuses, such as "²".
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise InvalidInput(
            f"'{name}' must be a whole number.", errors=[{"path": name, "message": "not a number"}]
        )
    number = int(value)
    if not minimum <= number <= maximum:
        message = f"must be between {minimum} and {maximum}"
        raise InvalidInput(f"'{name}' {message}.", errors=[{"path": name, "message": message}])
    return number


def path_id(value: str, name: str) -> int:
    """Parse a numeric id from the path (1 to 2**31-1); anything else is a 400 naming the field."""
    return parse_int(value, name, default=0, minimum=1, maximum=MAX_ID)


def page_from(req: falcon.Request) -> Page:
    """Read `limit` (1-200, default 50) and `offset` from the query string."""
    limit = parse_int(
        req.get_param("limit"), "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT
    )
    offset = parse_int(req.get_param("offset"), "offset", default=0, minimum=0, maximum=MAX_OFFSET)
    return Page(limit=limit, offset=offset)


def set_link_header(resp: falcon.Response, links: list[Link]) -> None:
    """Send the paging links as an RFC 8288 `Link` header too."""
    resp.set_header("Link", ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"' for link in links))


def text_filter_from(req: falcon.Request) -> TextFilter:
    """Read the `contains`/`starts_with`/`ends_with` filters (at most 50 characters each)."""
    values = {name: req.get_param(name) for name in TEXT_FILTERS}
    for name, value in values.items():
        if value is not None and len(value) > MAX_FILTER_LENGTH:
            raise InvalidInput(
                f"'{name}' is limited to {MAX_FILTER_LENGTH} characters.",
                errors=[{"path": name, "message": "too long"}],
            )
    return TextFilter(**values)
