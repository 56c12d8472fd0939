"""Training arithmetic, free of I/O: miles, pace, durations and calendar intervals.

Every figure the API derives from a log is computed here once, so the log writer, the
statistics and their unit tests agree on one definition of each rule (legacy-v2 §3.1, §3.2).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from domain.durations import format_duration
from models import MAX_DURATION

#: Miles in one kilometre (the legacy API used 0.621317, a typo).
MILES_PER_KILOMETER = 0.621371
#: Metres in one international mile.
METERS_PER_MILE = 1609.344
#: The bounds of a distance other than zero, in the log's own metric. The upper one is the
#: schemas' `maximum`; below the lower one (a millimetre as meters) no pace is meaningful, and a
#: legacy FLOAT column would round the value away.
MIN_DISTANCE = 0.001
MAX_DISTANCE = 1_000_000
#: The intervals of statistics and leaderboards; "all" has no start date.
INTERVALS = ("year", "month", "week", "all")
WEEK_STARTS = ("monday", "sunday")

#: What SQL aggregates come back as: int or float on SQLite, DECIMAL or float on MySQL.
Number = int | float | Decimal

_HOURS_MINUTES_SECONDS = re.compile(r"^(\d{1,3}):([0-5]?\d):([0-5]\d)$")
_MINUTES_SECONDS = re.compile(r"^([0-5]?\d):([0-5]\d)$")
_SECONDS = re.compile(r"^(\d{1,2})$")


class TrainingError(ValueError):
    """Raise when a log's numbers cannot be turned into miles or a pace."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


def miles_from(distance: float, metric: str) -> float:
    """Return `distance` in `metric` units converted to miles."""
    if metric == "miles":
        return float(distance)
    if metric == "kilometers":
        return distance * MILES_PER_KILOMETER
    if metric == "meters":
        return distance / METERS_PER_MILE
    raise TrainingError(f"Unknown metric {metric!r}.", field="metric")


def parse_time(text: str) -> dt.timedelta:
    """Parse an exercise time given as `H:MM:SS` (up to 838 hours), `M:SS`/`MM:SS` or `SS`."""
    value = text.strip()
    parts: tuple[str, ...]
    if match := _HOURS_MINUTES_SECONDS.match(value):
        parts = match.groups()
    elif match := _MINUTES_SECONDS.match(value):
        parts = ("0", *match.groups())
    elif match := _SECONDS.match(value):
        parts = ("0", "0", match.group(1))
    else:
        raise TrainingError(f"'{text}' is not a time; use H:MM:SS, MM:SS or SS.", field="time")
    hours, minutes, seconds = (int(part) for part in parts)
    duration = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if duration > MAX_DURATION:
        raise TrainingError(f"A time may not exceed {format_duration(MAX_DURATION)}.", field="time")
    return duration


def pace(time: dt.timedelta, miles: float) -> dt.timedelta:
    """Return the time per mile, in whole seconds rounded down (legacy-v2 §3.1).

    The range is checked on the float quotient, before a timedelta is built from it: a tiny
    distance makes the quotient overflow what a timedelta (or even a float) can hold.
    """
    if not miles > 0:
        raise TrainingError("A pace needs a distance greater than zero.", field="distance")
    seconds = time.total_seconds() / miles
    if not seconds <= MAX_DURATION.total_seconds():  # also refuses inf and nan
        raise TrainingError(
            f"The pace would exceed {format_duration(MAX_DURATION)} per mile; "
            "check the distance and time.",
            field="distance",
        )
    return dt.timedelta(seconds=math.floor(seconds))


def check_distance(distance: float) -> None:
    """Refuse a distance that is not 0 or between MIN_DISTANCE and MAX_DISTANCE (finite)."""
    if distance == 0:
        return
    if not MIN_DISTANCE <= distance <= MAX_DISTANCE:  # also refuses nan and infinities
        raise TrainingError(
            f"A distance is 0 or between {MIN_DISTANCE} and {MAX_DISTANCE}.", field="distance"
        )


def log_figures(
    distance: float | None, metric: str | None, time: str | None
) -> tuple[float | None, dt.timedelta | None, dt.timedelta | None]:
    """Return (miles, time, pace) of a log from what the client sent.

    A distance needs a metric and a time, because miles and pace are derived from them; a
    log without a distance (strength, yoga) has no miles and no pace. A distance of zero is
    zero miles with no pace.
    """
    duration = parse_time(time) if time is not None else None
    if distance is None:
        return None, duration, None
    if metric is None:
        raise TrainingError(
            "A distance needs a metric (miles, kilometers or meters).", field="metric"
        )
    check_distance(distance)
    miles = miles_from(distance, metric)
    if miles == 0:
        return 0.0, duration, None
    if duration is None:
        raise TrainingError(
            "A distance needs a time, from which the pace is computed.", field="time"
        )
    return miles, duration, pace(duration, miles)


def normal_week_start(week_start: str | None) -> str:
    """Return 'monday' or 'sunday'; an unset or unknown setting means monday (legacy rule)."""
    return week_start if week_start in WEEK_STARTS else "monday"


def week_start_date(today: dt.date, week_start: str | None) -> dt.date:
    """Return the first day of the week containing `today` (a Sunday start on a Sunday is today)."""
    if normal_week_start(week_start) == "sunday":
        return today - dt.timedelta(days=(today.weekday() + 1) % 7)
    return today - dt.timedelta(days=today.weekday())


def interval_start(interval: str, today: dt.date, week_start: str | None) -> dt.date | None:
    """Return the first day of the calendar `interval` containing `today`; None for all time."""
    if interval == "year":
        return today.replace(month=1, day=1)
    if interval == "month":
        return today.replace(day=1)
    if interval == "week":
        return week_start_date(today, week_start)
    if interval == "all":
        return None
    raise ValueError(f"unknown interval {interval!r}")


def round_miles(value: Number | None) -> float:
    """Return a sum of miles as a float rounded to hundredths; none at all is 0.0."""
    return round(float(value or 0), 2)


def average_feel(total: Number | None, count: Number | None) -> float:
    """Return the mean feel rounded to four decimals (as MySQL's AVG shows it); none is 0.0.

    MySQL returns integer sums as DECIMAL, SQLite as int: both are accepted.
    """
    if not count:
        return 0.0
    return round(float(total or 0) / int(count), 4)


def whole_feel(total: Number, count: Number) -> int:
    """Return the mean feel rounded half up to an integer, as MySQL's CAST(AVG() AS UNSIGNED)."""
    return (2 * int(total) + int(count)) // (2 * int(count))
