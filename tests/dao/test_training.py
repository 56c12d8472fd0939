"""The training arithmetic: miles per metric, time parsing, pace, calendar intervals, rounding."""

from __future__ import annotations

import datetime as dt

import pytest

from dao.training import (
    TrainingError,
    average_feel,
    interval_start,
    log_figures,
    miles_from,
    pace,
    parse_time,
    round_miles,
    week_start_date,
    whole_feel,
)
from domain.durations import format_duration

# 2024-03-01 is a Friday; 2024-03-03 a Sunday; 2024-03-04 a Monday.
FRIDAY = dt.date(2024, 3, 1)
SATURDAY = dt.date(2024, 3, 2)
SUNDAY = dt.date(2024, 3, 3)
MONDAY = dt.date(2024, 3, 4)


# -- miles --------------------------------------------------------------------------------------


def test_miles_are_miles():
    assert miles_from(12.31, "miles") == 12.31


def test_kilometres_use_the_correct_factor_not_the_legacy_typo():
    assert miles_from(10, "kilometers") == pytest.approx(6.21371)
    assert miles_from(10, "kilometers") != pytest.approx(6.21317)  # legacy's 0.621317
    assert miles_from(5, "kilometers") == pytest.approx(3.106855)


def test_metres_divide_by_the_international_mile():
    assert miles_from(1609.344, "meters") == pytest.approx(1.0)
    assert miles_from(400, "meters") == pytest.approx(0.248548477)


def test_an_unknown_metric_is_refused():
    with pytest.raises(TrainingError):
        miles_from(1, "furlongs")


# -- time and pace ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:25:30", 5130),
        ("01:25:30", 5130),
        ("101:00:00", 101 * 3600),
        ("838:59:59", 838 * 3600 + 59 * 60 + 59),
        ("28:00", 1680),
        ("5:07", 307),
        ("45", 45),
        ("0:00:00", 0),
    ],
)
def test_times_parse_in_the_legacy_forms(text, seconds):
    assert parse_time(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text", ["", "abc", "1:2:3", "60:00", "1:60:00", "839:00:00", "123", "-1:00", "1:00:00:00"]
)
def test_bad_times_are_refused(text):
    with pytest.raises(TrainingError) as caught:
        parse_time(text)
    assert caught.value.field == "time"


def test_pace_examples_from_the_legacy_rules():
    assert pace(dt.timedelta(minutes=28), 4) == dt.timedelta(minutes=7)
    # 5130 s / 12.31 mi = 416.73 s: rounded down to 6:56.
    assert pace(dt.timedelta(hours=1, minutes=25, seconds=30), 12.31) == dt.timedelta(
        minutes=6, seconds=56
    )


def test_pace_formats_with_hours_past_99():
    # A 101-hour effort over one mile, and a very slow crawl: hours keep growing past two digits.
    assert format_duration(pace(dt.timedelta(hours=101, minutes=5), 1)) == "101:05:00"
    assert format_duration(pace(dt.timedelta(hours=10), 0.1)) == "100:00:00"
    assert format_duration(pace(dt.timedelta(minutes=7, seconds=5), 1)) == "00:07:05"


def test_a_pace_over_the_mysql_time_range_is_refused():
    with pytest.raises(TrainingError) as caught:
        pace(dt.timedelta(hours=10), 0.01)  # 1000 hours per mile
    assert "838:59:59" in caught.value.detail
    assert pace(dt.timedelta(hours=838, minutes=59, seconds=59), 1) == dt.timedelta(
        hours=838, minutes=59, seconds=59
    )


def test_log_figures_derive_miles_and_pace():
    miles, time, per_mile = log_figures(10, "kilometers", "50:00")
    assert miles == pytest.approx(6.21371)
    assert time == dt.timedelta(minutes=50)
    assert per_mile == dt.timedelta(seconds=482)  # 3000 / 6.21371 = 482.8 -> 8:02


def test_log_figures_without_a_distance_have_no_miles_or_pace():
    assert log_figures(None, None, "45:00") == (None, dt.timedelta(minutes=45), None)
    assert log_figures(None, None, None) == (None, None, None)


def test_a_zero_distance_is_zero_miles_without_a_pace():
    assert log_figures(0, "miles", None) == (0.0, None, None)


def test_a_distance_needs_a_time_and_a_metric():
    with pytest.raises(TrainingError) as no_time:
        log_figures(5, "miles", None)
    assert no_time.value.field == "time"
    with pytest.raises(TrainingError) as no_metric:
        log_figures(5, None, "30:00")
    assert no_metric.value.field == "metric"


# -- calendar intervals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "monday_start", "sunday_start"),
    [
        (FRIDAY, dt.date(2024, 2, 26), dt.date(2024, 2, 25)),
        (SATURDAY, dt.date(2024, 2, 26), dt.date(2024, 2, 25)),
        # On a Sunday a Sunday week starts today (legacy went back a week), a Monday week
        # started six days ago.
        (SUNDAY, dt.date(2024, 2, 26), SUNDAY),
        (MONDAY, MONDAY, SUNDAY),
    ],
)
def test_week_starts(today, monday_start, sunday_start):
    assert week_start_date(today, "monday") == monday_start
    assert week_start_date(today, "sunday") == sunday_start
    assert interval_start("week", today, "monday") == monday_start
    assert interval_start("week", today, "sunday") == sunday_start


@pytest.mark.parametrize("setting", [None, "", "tuesday"])
def test_an_unset_or_unknown_week_start_means_monday(setting):
    assert week_start_date(SUNDAY, setting) == dt.date(2024, 2, 26)


def test_year_month_and_all_time():
    assert interval_start("year", FRIDAY, "sunday") == dt.date(2024, 1, 1)
    assert interval_start("month", FRIDAY, "sunday") == dt.date(2024, 3, 1)
    assert interval_start("month", dt.date(2024, 2, 29), None) == dt.date(2024, 2, 1)
    assert interval_start("all", FRIDAY, None) is None
    with pytest.raises(ValueError, match="interval"):
        interval_start("fortnight", FRIDAY, None)


def test_a_week_may_start_in_the_previous_year():
    assert interval_start("week", dt.date(2025, 1, 1), "monday") == dt.date(2024, 12, 30)
    assert interval_start("week", dt.date(2025, 1, 1), "sunday") == dt.date(2024, 12, 29)


# -- rounding -----------------------------------------------------------------------------------


def test_rounding_of_figures():
    assert round_miles(None) == 0.0
    assert round_miles(12.3100004196167) == 12.31
    assert average_feel(None, 0) == 0.0
    assert average_feel(51, 7) == 7.2857
    assert whole_feel(13, 2) == 7  # 6.5 rounds half up, as MySQL's CAST(AVG() AS UNSIGNED)
    assert whole_feel(19, 3) == 6  # 6.33
    assert whole_feel(20, 3) == 7  # 6.67
