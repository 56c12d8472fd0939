"""Statistics, leaderboards and range views on a hand-built dataset; every figure worked out here.

"Today" is Sunday 2024-03-03 (a fixed clock), so the intervals start on:
year 2024-01-01, month 2024-03-01, Monday week 2024-02-26, Sunday week 2024-03-03 (today).
"""

from __future__ import annotations

import datetime as dt

import pytest

from dao.errors import NotFound
from dao.logs import LogDao
from dao.statistics import STAT_KEYS, StatisticsDao
from models import User

TODAY = dt.datetime(2024, 3, 3, 12, 0)
D = dt.date


def clock() -> dt.datetime:
    return TODAY


@pytest.fixture
def stats(db):
    return StatisticsDao(db, clock)


@pytest.fixture
def ann(make):
    """ann's logs; week starts on Sunday."""
    make.user("ann", first="Ann", last="Arbor", week_start="sunday")
    make.log(
        "ann", date=D(2023, 12, 31), type="run", distance=10, metric="miles", time="1:10:00", feel=4
    )
    make.log(
        "ann", date=D(2024, 1, 15), type="run", distance=5, metric="miles", time="40:00", feel=6
    )
    make.log(
        "ann", date=D(2024, 2, 26), type="bike", distance=20, metric="miles", time="1:00:00", feel=8
    )
    make.log(
        "ann", date=D(2024, 3, 1), type="run", distance=3, metric="miles", time="21:00", feel=5
    )
    make.log(
        "ann",
        date=D(2024, 3, 3),
        type="swim",
        distance=1609.344,
        metric="meters",
        time="30:00",
        feel=9,
    )
    make.log("ann", date=D(2024, 3, 3), type="yoga", feel=10)
    deleted = make.log(
        "ann", date=D(2024, 3, 2), type="run", distance=100, metric="miles", time="20:00:00", feel=1
    )
    deleted.deleted = True
    make.session.commit()
    return "ann"


def test_user_statistics_with_a_sunday_week(stats, ann):
    assert stats.for_user("ann", "sunday") == {
        # all: 10 + 5 + 20 + 3 + 1 (the yoga has no miles; the deleted 100 never counts)
        "miles_all_time": 39.0,
        # 2024: everything but 2023-12-31
        "miles_past_year": 29.0,
        # March: 3 + 1
        "miles_past_month": 4.0,
        # Sunday week = today only (legacy went back to 2024-02-25 and would say 24.0)
        "miles_past_week": 1.0,
        "run_miles_all_time": 18.0,
        "run_miles_past_year": 8.0,
        "run_miles_past_month": 3.0,
        "run_miles_past_week": 0.0,
        # feels 4, 6, 8, 5, 9, 10 -> 42 / 6
        "feel_all_time": 7.0,
        # 6, 8, 5, 9, 10 -> 38 / 5
        "feel_past_year": 7.6,
        # 5, 9, 10 -> 24 / 3
        "feel_past_month": 8.0,
        # 9, 10
        "feel_past_week": 9.5,
    }


def test_user_statistics_with_a_monday_week_use_it_for_every_weekly_figure(stats, ann):
    figures = stats.for_user("ann", "monday")
    # Week from 2024-02-26: bike 20, run 3, swim 1, yoga; feels 8, 5, 9, 10.
    assert figures["miles_past_week"] == 24.0
    assert figures["run_miles_past_week"] == 3.0
    assert figures["feel_past_week"] == 8.0
    assert figures["miles_past_month"] == 4.0  # the month does not depend on the week start


def test_kilometres_count_at_the_correct_factor(stats, make):
    make.user("kim")
    make.log("kim", distance=10, metric="kilometers", time="50:00", date=D(2024, 3, 3))
    assert stats.for_user("kim", "monday")["miles_all_time"] == 6.21  # 6.21371 rounded


def test_no_logs_means_zeros(stats, make):
    make.user("idle")
    figures = stats.for_user("idle", "monday")
    assert list(figures) == list(STAT_KEYS)
    assert set(figures.values()) == {0.0}
    assert all(isinstance(value, float) for value in figures.values())


# -- groups -------------------------------------------------------------------------------------


@pytest.fixture
def squad(make, ann):
    """A group: ann and ben accepted; cal pending; dan left; eve's account is deleted."""
    group = make.group("squad", week_start="monday")
    for name in ("ben", "cal", "dan", "eve"):
        make.user(name, first=name.title(), last="Member")
    make.group_member(group, "ann")
    make.group_member(group, "ben", role="admin")
    make.group_member(group, "cal", status="pending")
    left = make.group_member(group, "dan")
    left.deleted = True
    make.user("outsider")
    make.group_member(group, "eve")
    make.session.commit()
    make.log(
        "ben", date=D(2024, 3, 2), type="run", distance=6, metric="miles", time="48:00", feel=7
    )
    make.log(
        "ben", date=D(2024, 1, 2), type="bike", distance=30, metric="miles", time="1:30:00", feel=6
    )
    make.log(
        "ben",
        date=D(2024, 3, 1),
        type="virtual bike",
        distance=8,
        metric="miles",
        time="30:00",
        feel=5,
    )
    make.log(
        "cal", date=D(2024, 3, 3), type="run", distance=50, metric="miles", time="8:00:00", feel=2
    )
    make.log(
        "dan", date=D(2024, 3, 3), type="run", distance=60, metric="miles", time="9:00:00", feel=2
    )
    make.log(
        "eve", date=D(2024, 3, 3), type="run", distance=70, metric="miles", time="10:00:00", feel=2
    )
    make.log(
        "outsider",
        date=D(2024, 3, 3),
        type="run",
        distance=80,
        metric="miles",
        time="11:00:00",
        feel=2,
    )
    make.session.get(User, "eve").deleted = True
    make.session.commit()
    return group


def test_group_statistics_count_accepted_active_members_only(stats, squad):
    figures = stats.for_group(squad.id, squad.week_start)
    # ann 39 (see above) + ben 6 + 30 + 8 = 83; cal (pending), dan (left), eve (deleted) and
    # the outsider do not count.
    assert figures["miles_all_time"] == 83.0
    # 2024: ann 29 + ben 44
    assert figures["miles_past_year"] == 73.0
    # March: ann 4 + ben 6 + 8
    assert figures["miles_past_month"] == 18.0
    # Monday week from 2024-02-26: ann 24 + ben 14
    assert figures["miles_past_week"] == 38.0
    assert figures["run_miles_all_time"] == 24.0  # ann 18 + ben 6
    assert figures["run_miles_past_week"] == 9.0  # ann 3 + ben 6
    # feels: ann 4, 6, 8, 5, 9, 10 and ben 7, 6, 5 -> 60 / 9
    assert figures["feel_all_time"] == 6.6667
    # week: ann 8, 5, 9, 10 and ben 7, 5 -> 44 / 6
    assert figures["feel_past_week"] == 7.3333


def test_group_statistics_follow_the_week_start_they_are_given(stats, squad):
    # With a Sunday week only today's logs count: ann's swim (1) and yoga.
    assert stats.for_group(squad.id, "sunday")["miles_past_week"] == 1.0


def test_an_empty_group_has_zero_statistics_and_an_empty_leaderboard(stats, make):
    group = make.group("empty")
    assert set(stats.for_group(group.id, "monday").values()) == {0.0}
    assert stats.leaderboard(group.id, "all", "monday") == []


def test_leaderboard_all_time(stats, squad):
    rows = stats.leaderboard(squad.id, "all", squad.week_start)
    assert [(row.username, row.first, row.miles) for row in rows] == [
        ("ben", "Ben", 44.0),
        ("ann", "Ann", 39.0),
    ]
    ben, ann = rows
    # virtual bike is "other", as in legacy
    assert (ben.miles_run, ben.miles_biked, ben.miles_swam, ben.miles_other) == (
        6.0,
        30.0,
        0.0,
        8.0,
    )
    assert (ann.miles_run, ann.miles_biked, ann.miles_swam, ann.miles_other) == (
        18.0,
        20.0,
        1.0,
        0.0,
    )


def test_a_member_whose_logs_are_all_deleted_leaves_the_all_time_leaderboard(db, stats, squad):
    for log in LogDao(db).feed_for_user("ben", limit=50, offset=0)[0]:
        LogDao(db).soft_delete(log, by="ben")
    rows = stats.leaderboard(squad.id, "all", squad.week_start)
    assert [(row.username, row.miles) for row in rows] == [("ann", 39.0)]


def test_leaderboard_intervals_use_the_week_start(stats, squad):
    month = stats.leaderboard(squad.id, "month", "monday")
    assert [(row.username, row.miles) for row in month] == [("ben", 14.0), ("ann", 4.0)]
    monday_week = stats.leaderboard(squad.id, "week", "monday")
    assert [(row.username, row.miles) for row in monday_week] == [("ann", 24.0), ("ben", 14.0)]
    # A Sunday week is today alone: ben has no log in it, so he has no row.
    sunday_week = stats.leaderboard(squad.id, "week", "sunday")
    assert [(row.username, row.miles) for row in sunday_week] == [("ann", 1.0)]
    year = stats.leaderboard(squad.id, "year", "monday")
    assert [(row.username, row.miles) for row in year] == [("ben", 44.0), ("ann", 29.0)]


def test_get_group_is_not_found_for_unknown_or_deleted_groups(stats, make):
    group = make.group("gone")
    group.deleted = True
    make.session.commit()
    with pytest.raises(NotFound):
        stats.get_group(group.id)
    with pytest.raises(NotFound):
        stats.get_group(999_999)


# -- range view ---------------------------------------------------------------------------------


def test_range_view_of_a_user_is_daily_and_ordered(stats, ann):
    days = stats.range_view("rbso", D(2024, 2, 26), D(2024, 3, 3), username="ann")
    assert [(day.date, day.miles, day.feel) for day in days] == [
        (D(2024, 2, 26), 20.0, 8),
        (D(2024, 3, 1), 3.0, 5),
        # swim 1 mile + yoga (no miles); feel (9 + 10) / 2 = 9.5 rounds half up to 10
        (D(2024, 3, 3), 1.0, 10),
    ]


def test_range_view_letters_select_types(stats, ann):
    runs = stats.range_view("r", D(2023, 1, 1), D(2024, 12, 31), username="ann")
    assert [(day.date, day.miles) for day in runs] == [
        (D(2023, 12, 31), 10.0),
        (D(2024, 1, 15), 5.0),
        (D(2024, 3, 1), 3.0),
    ]
    others = stats.range_view("o", D(2024, 3, 3), D(2024, 3, 3), username="ann")
    assert [(day.date, day.miles, day.feel) for day in others] == [(D(2024, 3, 3), 0.0, 10)]
    assert stats.range_view("bs", D(2024, 3, 1), D(2024, 3, 2), username="ann") == []


def test_range_view_bounds_are_inclusive(stats, ann):
    days = stats.range_view("rbso", D(2024, 3, 1), D(2024, 3, 1), username="ann")
    assert [day.date for day in days] == [D(2024, 3, 1)]


def test_range_view_of_a_group_counts_accepted_members_only(stats, squad):
    days = stats.range_view("r", D(2024, 3, 1), D(2024, 3, 3), group_id=squad.id)
    # ann's run on 03-01 (3) and ben's on 03-02 (6); cal is pending (legacy counted her 50).
    assert [(day.date, day.miles, day.feel) for day in days] == [
        (D(2024, 3, 1), 3.0, 5),
        (D(2024, 3, 2), 6.0, 7),
    ]


def test_range_view_of_everyone_skips_deleted_users(stats, squad):
    days = stats.range_view("r", D(2024, 3, 3), D(2024, 3, 3))
    # cal 50 + dan 60 + outsider 80, feels all 2; eve's account is deleted.
    assert [(day.date, day.miles, day.feel) for day in days] == [(D(2024, 3, 3), 190.0, 2)]
