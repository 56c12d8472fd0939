"""Paging of list endpoints: `limit`/`offset` parsing, body links and the RFC 8288 Link header."""

from __future__ import annotations

import re
from collections.abc import Callable
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
#: An offset past the last item is an empty page; none can be past MAX_ID items.
MAX_OFFSET = MAX_ID
#: The OpenAPI description of the text filters' query parameters.
TEXT_FILTER_QUERY = {
    name: {"type": "string", "maxLength": MAX_FILTER_LENGTH} for name in TEXT_FILTERS
}
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True, slots=True)
class IntegerParameter:
    """An integer path or query parameter: the one definition its parser and OpenAPI read.

    The server accepts exactly what `schema()` documents: ASCII digits (an optional minus
    sign) whose value is within [minimum, maximum]; anything else is a 400 naming it. So a
    client generated from the OpenAPI document never sends what the server refuses.
    """

    minimum: int
    maximum: int
    default: int | None = None

    def schema(self, *, with_default: bool = True) -> dict[str, Any]:
        """Return the JSON Schema of the parameter, for the OpenAPI document."""
        schema: dict[str, Any] = {
            "type": "integer",
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        if with_default and self.default is not None:
            schema["default"] = self.default
        return schema

    def parse(self, value: str | None, name: str) -> int:
        """Return the value of parameter `name` (its default when absent), or raise InvalidInput."""
        if value is None or value == "":
            if self.default is None:
                raise InvalidInput(
                    f"'{name}' is required.", errors=[{"path": name, "message": "missing"}]
                )
            return self.default
        # ASCII digits only: int() and str.isdigit() also take superscripts, other scripts'
        # digits and surrounding spaces, which the OpenAPI `integer` does not allow.
        if not _INTEGER.fullmatch(value):
            raise InvalidInput(
                f"'{name}' must be a whole number.",
                errors=[{"path": name, "message": "not a number"}],
            )
        digits = value.lstrip("-").lstrip("0")
        too_long = len(digits) > len(str(max(abs(self.minimum), abs(self.maximum))))
        if too_long or not self.minimum <= int(value) <= self.maximum:
            message = f"must be between {self.minimum} and {self.maximum}"
            raise InvalidInput(f"'{name}' {message}.", errors=[{"path": name, "message": message}])
        return int(value)


@dataclass(frozen=True, slots=True)
class ChoiceParameter:
    """A path parameter that is one of a few words, parsed and documented from one definition."""

    choices: tuple[str, ...]
    #: What `errors[0].message` says of any other value.
    unknown: str

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of the parameter, for the OpenAPI document."""
        return {"enum": list(self.choices)}

    def parse(self, value: str, name: str) -> str:
        """Return `value` when it is one of the choices, else raise InvalidInput naming it."""
        if value not in self.choices:
            raise InvalidInput(
                f"'{name}' must be one of {', '.join(self.choices)}.",
                errors=[{"path": name, "message": self.unknown}],
            )
        return value


#: A numeric id in a path: the INT primary keys of the legacy schema start at 1.
PATH_ID = IntegerParameter(1, MAX_ID)
LIMIT = IntegerParameter(1, MAX_LIMIT, default=DEFAULT_LIMIT)
OFFSET = IntegerParameter(0, MAX_OFFSET, default=0)
#: The integer parameters known by name; any other integer parameter is a PATH_ID.
INTEGER_PARAMETERS = {"limit": LIMIT, "offset": OFFSET}
#: The query parameters of every paged list, for an Endpoint's `query` (and so the OpenAPI).
PAGING_QUERY: dict[str, Any] = {"limit": LIMIT.schema(), "offset": OFFSET.schema()}


@dataclass(frozen=True, slots=True)
class Page:
    """A window of `limit` items starting at `offset`."""

    limit: int
    offset: int

    def links(self, href: Callable[[int], str], total: int) -> list[Link]:
        """Return first/prev/next/last links (prev and next only where such a page exists)."""
        return [
            {"rel": rel, "href": href(offset), "method": "GET", "title": f"The {rel} page"}
            for rel, offset in self._offsets(total).items()
            if offset is not None
        ]

    def _offsets(self, total: int) -> dict[str, int | None]:
        return {
            "first": 0,
            "prev": max(0, self.offset - self.limit) if self.offset > 0 else None,
            "next": self.offset + self.limit if self.offset + self.limit < total else None,
            "last": max(0, (total - 1) // self.limit * self.limit),
        }

    def envelope(
        self,
        resp: falcon.Response,
        key: str,
        items: list[Any],
        total: int,
        *,
        path: str = "",
        query: dict[str, Any] | None = None,
        href: Callable[[int], str] | None = None,
        links: list[Link] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Return the body of one page of a list, and send its paging links as a Link header.

        Every list (and the log feed) has this shape: `self`, the items under `key`, `total`,
        `limit`, `offset`, `next` and `prev` (hrefs or null), any `extra` members, and `links`
        that start with first/prev/next/last. Pages are addressed by `href(offset)`, by default
        `path` with `query`, `limit` and `offset` in the query string.
        """
        if href is None:
            fixed = query or {}

            def href(offset: int) -> str:
                return with_query(path, **fixed, limit=self.limit, offset=offset)

        paging = self.links(href, total)
        set_link_header(resp, paging)
        offsets = self._offsets(total)
        return {
            "self": href(self.offset),
            key: items,
            "total": total,
            "limit": self.limit,
            "offset": self.offset,
            "next": None if offsets["next"] is None else href(offsets["next"]),
            "prev": None if offsets["prev"] is None else href(offsets["prev"]),
            **extra,
            "links": paging + (links or []),
        }


def parse_int(value: str | None, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """Parse an integer parameter within [minimum, maximum], or raise InvalidInput naming it."""
    return IntegerParameter(minimum, maximum, default).parse(value, name)


def path_id(value: str, name: str) -> int:
    """Parse a numeric id from the path (PATH_ID: 1 to 2**31-1); else a 400 naming the field."""
    return PATH_ID.parse(value, name)


def page_from(req: falcon.Request) -> Page:
    """Read `limit` (1-200, default 50) and `offset` (0 to 2**31-1) from the query string."""
    return Page(
        limit=LIMIT.parse(req.get_param("limit"), "limit"),
        offset=OFFSET.parse(req.get_param("offset"), "offset"),
    )


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
