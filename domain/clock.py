"""The clock: naive UTC datetimes, as the database stores them; tests inject their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: What DAOs, the token service and the unit of work call for "now".
Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Return the current time as a naive UTC datetime, as stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
