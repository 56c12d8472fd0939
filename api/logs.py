"""Logging set-up: one JSON object per line, each carrying the request id."""

from __future__ import annotations

import datetime as dt
import logging
import sys

import orjson

from api.config import Config
from api.middleware import request_id_var


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` to the record; never drop it."""
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the JSON line of `record`, with the traceback if there is one."""
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(config: Config) -> None:
    """Send the app's logs to stderr in the configured format (json or text)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if config.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.log_level)
