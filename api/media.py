"""JSON in and out with orjson: strict parsing, bounded size and depth, ISO 8601 output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import falcon
import orjson
from falcon.media import BaseHandler

from domain.durations import format_duration

JSON_TYPES = ("application/json", "application/merge-patch+json", "application/json-patch+json")
MAX_DEPTH = 32
_DUMP_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Serialize `value`: datetimes as UTC `...Z` without microseconds, dates as YYYY-MM-DD."""
    return orjson.dumps(value, default=_default, option=_DUMP_OPTIONS)


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


class JSONHandler(BaseHandler):
    """Parse request bodies strictly; refuse what a lenient parser would let through.

    orjson already rejects NaN, Infinity, invalid UTF-8 and lone surrogates; this adds a size
    bound (413) and a nesting bound far below what could exhaust the validators' recursion.
    """

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__()
        self.max_body_bytes = max_body_bytes

    def deserialize(self, stream: Any, content_type: str | None, content_length: int | None) -> Any:
        """Read at most `max_body_bytes` and parse them as JSON."""
        data = stream.read(self.max_body_bytes + 1)
        if len(data) > self.max_body_bytes:
            raise falcon.HTTPContentTooLarge(
                title="Content Too Large",
                description=f"Request bodies are limited to {self.max_body_bytes} bytes.",
            )
        if not data.strip():
            raise falcon.MediaNotFoundError("JSON")
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as ex:
            raise falcon.MediaMalformedError("JSON") from ex
        if _too_deep(value, MAX_DEPTH):
            raise falcon.HTTPBadRequest(
                title="Invalid JSON",
                description=f"JSON nested deeper than {MAX_DEPTH} levels is not accepted.",
            )
        return value

    def serialize(self, media: Any, content_type: str | None) -> bytes:
        """Serialize a response body with orjson."""
        return dumps(media)


def install_media_handlers(app: falcon.App, max_body_bytes: int) -> None:
    """Use one strict JSON handler for every JSON media type, in both directions."""
    handler = JSONHandler(max_body_bytes)
    handlers = dict.fromkeys((*JSON_TYPES, "application/problem+json"), handler)
    app.req_options.media_handlers = falcon.media.Handlers(handlers)
    app.resp_options.media_handlers = falcon.media.Handlers(handlers)
