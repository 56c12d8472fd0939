"""Text search shared by the list endpoints: `contains`, `starts_with` and `ends_with`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_

FIELDS = ("contains", "starts_with", "ends_with")
_SHAPES = {"contains": "%{}%", "starts_with": "{}%", "ends_with": "%{}"}


def like_escape(value: str) -> str:
    """Escape LIKE wildcards so user text matches literally (escape character: backslash)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class TextFilter:
    """Text filters, each matched case-insensitively on any of a list's searchable columns."""

    contains: str | None = None
    starts_with: str | None = None
    ends_with: str | None = None

    def as_query(self) -> dict[str, str | None]:
        """Return the filters as query parameters, for `self` and paging links."""
        return asdict(self)

    def conditions(self, *columns: Any) -> list[ColumnElement[bool]]:
        """Return one condition per given filter: some column matches it, ignoring case."""
        conditions = []
        for name, value in self.as_query().items():
            if value:
                pattern = _SHAPES[name].format(like_escape(value.lower()))
                conditions.append(
                    or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
                )
        return conditions
