"""Column types shared by the models: durations that may exceed 24 hours."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# MySQL and MariaDB TIME hold -838:59:59 .. 838:59:59; the same bound on every backend keeps a
# value that SQLite accepts from failing later on the production database.
MAX_DURATION = timedelta(hours=838, minutes=59, seconds=59)

_HMS = re.compile(r"^(-?)(\d+):([0-5]?\d):([0-5]?\d)(?:\.\d+)?$")


class _MySQLTime(mysql.TIME):
    """Render TIME but hand the driver's `timedelta` through untouched.

    SQLAlchemy's MySQL TIME converts results to `datetime.time` using `timedelta.seconds`, which
    silently drops whole days: a pace of 101:05:00 would read back as 05:05:00.
    """

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """Return no processor: PyMySQL already returns TIME values as `timedelta`."""
        return None


def parse_duration(text: str) -> timedelta:
    """Parse `[-]H:MM:SS` (any number of hours, optional fraction, dropped) into a timedelta."""
    match = _HMS.match(text.strip())
    if match is None:
        raise ValueError(f"not a duration (H:MM:SS): {text!r}")
    sign, hours, minutes, seconds = match.groups()
    value = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds))
    return -value if sign else value


class Duration(TypeDecorator[timedelta]):
    """Store a `timedelta` of whole seconds: MySQL/MariaDB TIME, integer seconds elsewhere.

    The legacy `logs.time` and `logs.pace` columns are MySQL TIME and may hold more than 24 hours
    (a pace over 99 hours is possible for a very slow, very short activity), which rules out
    `datetime.time`. SQLite has no duration type, so it stores seconds, which sort and sum
    correctly. Fractions of a second are dropped on both backends, as MySQL TIME(0) would.
    """

    impl = Integer
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick TIME on MySQL/MariaDB (the legacy column type) and INTEGER seconds elsewhere."""
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(_MySQLTime())
        return dialect.type_descriptor(Integer())

    def process_bind_param(self, value: timedelta | None, dialect: Dialect) -> Any:
        """Check the range and convert to what the backend stores."""
        if value is None:
            return None
        if not isinstance(value, timedelta):
            raise TypeError(f"Duration expects a timedelta, got {type(value).__name__}")
        if abs(value) > MAX_DURATION:
            raise ValueError(f"duration {value} is outside ±{MAX_DURATION} (MySQL TIME range)")
        seconds = int(value.total_seconds())
        if dialect.name in ("mysql", "mariadb"):
            return timedelta(seconds=seconds)
        return seconds

    def process_result_value(self, value: Any, dialect: Dialect) -> timedelta | None:
        """Convert the stored value back to a `timedelta`."""
        if value is None or isinstance(value, timedelta):
            return value
        if isinstance(value, int | float):
            return timedelta(seconds=int(value))
        # SQLite stores whatever it is given: rows written by raw SQL may hold 'HH:MM:SS' text.
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, str):
            return parse_duration(value)
        raise TypeError(f"cannot read a duration from {type(value).__name__}")
