"""Duration stores timedeltas of any length: TIME on MySQL/MariaDB, integer seconds on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.dialects import mysql, sqlite

from models.types import MAX_DURATION, Duration, parse_duration

PACE = timedelta(hours=101, minutes=5)
MYSQL = mysql.dialect()
SQLITE = sqlite.dialect()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("101:05:00", PACE),
        ("0:07:00", timedelta(minutes=7)),
        ("00:06:56.5", timedelta(minutes=6, seconds=56)),
        ("-1:00:00", -timedelta(hours=1)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7:00", "1:60:00", "abc", "1:2:3:4"])
def test_parse_duration_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_mysql_stores_time_and_reads_timedelta_back_unchanged() -> None:
    duration = Duration()
    assert duration.dialect_impl(MYSQL).compile(dialect=MYSQL) == "TIME"
    assert duration.process_bind_param(PACE, MYSQL) == PACE
    # SQLAlchemy's own MySQL TIME would turn 101:05:00 into datetime.time(5, 5).
    process = duration.dialect_impl(MYSQL).result_processor(MYSQL, None)
    assert process is not None
    assert process(PACE) == PACE


def test_sqlite_stores_whole_seconds() -> None:
    duration = Duration()
    assert duration.dialect_impl(SQLITE).compile(dialect=SQLITE) == "INTEGER"
    assert duration.process_bind_param(PACE, SQLITE) == 363_900
    assert duration.process_result_value(363_900, SQLITE) == PACE


def test_fractions_of_a_second_are_dropped_on_both_backends() -> None:
    duration = Duration()
    value = timedelta(minutes=7, microseconds=900_000)
    assert duration.process_bind_param(value, SQLITE) == 420
    assert duration.process_bind_param(value, MYSQL) == timedelta(minutes=7)


def test_text_written_by_raw_sql_on_sqlite_is_read_as_a_duration() -> None:
    assert Duration().process_result_value("101:05:00", SQLITE) == PACE


def test_null_stays_null() -> None:
    assert Duration().process_bind_param(None, SQLITE) is None
    assert Duration().process_result_value(None, SQLITE) is None


def test_durations_beyond_mysql_time_are_refused() -> None:
    Duration().process_bind_param(MAX_DURATION, SQLITE)
    with pytest.raises(ValueError, match="outside"):
        Duration().process_bind_param(MAX_DURATION + timedelta(seconds=1), SQLITE)


def test_only_timedeltas_are_accepted() -> None:
    with pytest.raises(TypeError, match="expects a timedelta"):
        Duration().process_bind_param("01:00:00", SQLITE)  # type: ignore[arg-type]
