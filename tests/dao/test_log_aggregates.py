"""The triggers on `logs` keep `log_totals` and `log_days` exact, whoever writes the logs.

Logs are written here with plain SQL (as the legacy API on an adopted database, an operator's
hand edit or a bulk load would write them) and through the ORM. After the writes every aggregate
row, and every figure read from the aggregates (range views, leaderboards of every interval,
user and group statistics), equals a recomputation straight from the logs (`tests.totals`).
The file runs on SQLite, and on MariaDB when DATABASE_URL points at it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from dao.logs import LogDao
from dao.statistics import StatisticsDao
from dao.training import INTERVALS, WEEK_STARTS
from dao.users import UserDao
from models import Log, User
from models.logs import refill_log_totals
from tests.factories import Factory
from tests.totals import FromLogs, recomputed, recomputed_days, stored, stored_days

TODAY = dt.datetime(2024, 3, 3, 12, 0)  # a Sunday
D = dt.date
LETTERS = ("r", "b", "s", "o", "rbso", "rs", "bo")
NOW = dt.datetime(2024, 3, 3, 8, 0)


def clock() -> dt.datetime:
    return TODAY


def sql_insert(
    db: Session, username: str, day: dt.date, type_: str, miles: Any, **more: Any
) -> int:
    """Insert a log with a plain INSERT statement; return its id."""
    values = {"time": "0:40:00", "feel": 5, "deleted": False, **more}
    result = db.execute(
        text(
            "INSERT INTO logs (username, first, last, date, type, miles, time, feel,"
            " time_created, deleted) VALUES (:username, 'F', 'L', :date, :type, :miles, :time,"
            " :feel, :now, :deleted)"
        ),
        {"username": username, "date": day, "type": type_, "miles": miles, "now": NOW, **values},
    )
    return int(result.lastrowid)


def sql(db: Session, statement: str, **parameters: Any) -> None:
    """Run one plain SQL statement."""
    db.execute(text(statement), parameters)


def assert_exact(db: Session) -> None:
    """Both aggregate tables equal their recomputation from the live logs."""
    assert stored(db) == recomputed(db)
    assert stored_days(db) == recomputed_days(db)


@pytest.fixture
def people(make: Factory) -> None:
    for name in ("ann", "bea", "cal"):
        make.user(name)


def test_plain_inserts_are_added_to_both_tables(db, people):
    sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0, time="0:40:00", feel=6)
    sql_insert(db, "ann", D(2024, 3, 1), "run", 3.0, time="0:21:00", feel=4)
    sql_insert(db, "ann", D(2024, 3, 2), "bike", 10.0, time="1:00:00", feel=7)
    sql_insert(db, "bea", D(2024, 3, 1), "yoga", None, time=None, feel=9)  # no miles, no time
    sql_insert(db, "bea", D(2024, 3, 1), "run", 2.0, deleted=True)  # soft-deleted: not counted
    sql_insert(db, "bea", D(2024, 3, 1), "run", 2.0, deleted=None)  # NULL reads as deleted
    assert_exact(db)
    assert stored_days(db) == {
        ("ann", D(2024, 3, 1), "run"): (2, 8.0, 3660, 10),
        ("ann", D(2024, 3, 2), "bike"): (1, 10.0, 3600, 7),
        ("bea", D(2024, 3, 1), "yoga"): (1, 0.0, 0, 9),
    }
    assert stored(db) == {
        ("ann", "run"): (2, 8.0, 10),
        ("ann", "bike"): (1, 10.0, 7),
        ("bea", "yoga"): (1, 0.0, 9),
    }


def test_plain_updates_move_a_log_between_days_and_types(db, people):
    log = sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0, feel=6)
    sql_insert(db, "ann", D(2024, 3, 1), "run", 1.0, feel=2)
    sql(
        db,
        "UPDATE logs SET date = :day, type = 'swim', miles = 0.5, time = '0:30:00', feel = 8"
        " WHERE log_id = :id",
        day=D(2024, 2, 28),
        id=log,
    )
    assert_exact(db)
    assert stored_days(db) == {
        ("ann", D(2024, 3, 1), "run"): (1, 1.0, 2400, 2),
        ("ann", D(2024, 2, 28), "swim"): (1, 0.5, 1800, 8),
    }
    sql(db, "UPDATE logs SET username = 'bea' WHERE log_id = :id", id=log)  # another author
    assert_exact(db)
    assert stored_days(db)[("bea", D(2024, 2, 28), "swim")] == (1, 0.5, 1800, 8)


def test_soft_delete_restore_and_hard_delete_with_plain_sql(db, people):
    log = sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0, feel=6)
    sql_insert(db, "ann", D(2024, 3, 1), "run", 2.0, feel=4)
    sql(db, "UPDATE logs SET deleted = 1 WHERE log_id = :id", id=log)
    assert_exact(db)
    assert stored_days(db) == {("ann", D(2024, 3, 1), "run"): (1, 2.0, 2400, 4)}
    sql(db, "UPDATE logs SET deleted = NULL WHERE log_id = :id", id=log)  # still deleted
    assert_exact(db)
    sql(db, "UPDATE logs SET deleted = 0 WHERE log_id = :id", id=log)  # restored
    assert_exact(db)
    assert stored_days(db) == {("ann", D(2024, 3, 1), "run"): (2, 7.0, 4800, 10)}
    sql(db, "DELETE FROM logs WHERE log_id = :id", id=log)
    assert_exact(db)
    sql(db, "UPDATE logs SET deleted = 1 WHERE username = 'ann'")
    sql(db, "DELETE FROM logs WHERE username = 'ann'")  # a soft-deleted log leaves no trace
    assert_exact(db)
    assert stored_days(db) == stored(db) == {}


def test_bulk_statements_keep_every_row(db, people):
    for day in range(1, 11):
        sql_insert(db, "ann", D(2024, 2, day), "run", day / 2, feel=day % 10 + 1)
    sql(  # a bulk load: copy ann's logs to bea, a week later
        db,
        "INSERT INTO logs (username, first, last, date, type, miles, time, feel, time_created,"
        " deleted) SELECT 'bea', first, last, date, 'bike', miles, time, feel, time_created,"
        " deleted FROM logs WHERE username = 'ann'",
    )
    sql(db, "UPDATE logs SET feel = 1, miles = miles * 2 WHERE username = 'bea'")
    sql(db, "UPDATE logs SET deleted = 1 WHERE username = 'ann' AND miles > 3")
    assert_exact(db)
    assert stored(db) == {("ann", "run"): (6, 10.5, 27), ("bea", "bike"): (10, 55.0, 10)}


def test_an_update_of_other_columns_leaves_the_rows_alone(db, people):
    log = sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0, feel=6)
    sql(db, "UPDATE log_days SET miles = 99")  # a marker the triggers must not overwrite
    sql(
        db, "UPDATE logs SET description = 'easy', version = version + 1 WHERE log_id = :id", id=log
    )
    assert stored_days(db) == {("ann", D(2024, 3, 1), "run"): (1, 99.0, 2400, 6)}


def test_durations_over_a_day_count_whole(db, people):
    sql_insert(db, "ann", D(2024, 3, 1), "run", 50.0, time="100:00:00")
    sql_insert(db, "ann", D(2024, 3, 1), "run", 1.0, time="1:02:03")
    assert_exact(db)
    assert stored_days(db)[("ann", D(2024, 3, 1), "run")][2] == 100 * 3600 + 3723


def test_figures_read_back_after_plain_sql_writes(db, people, make):
    group = make.group("squad")
    make.group_member(group, "ann")
    make.group_member(group, "bea")
    sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0, feel=6)
    moved = sql_insert(db, "bea", D(2024, 3, 2), "bike", 12.0, feel=8)
    sql_insert(db, "cal", D(2024, 3, 2), "run", 40.0, feel=1)  # not a member
    sql(db, "UPDATE logs SET date = :day WHERE log_id = :id", day=D(2024, 2, 20), id=moved)
    stats = StatisticsDao(db, clock)
    days = stats.range_view("rbso", D(2024, 2, 1), D(2024, 3, 3), group_id=group.id)
    assert [(day.date, day.miles, day.feel) for day in days] == [
        (D(2024, 2, 20), 12.0, 8),
        (D(2024, 3, 1), 5.0, 6),
    ]
    month = stats.leaderboard(group.id, "month", "monday")
    assert [(row.username, row.miles) for row in month] == [("ann", 5.0)]
    assert stats.for_group(group.id, "monday")["miles_all_time"] == 17.0
    assert stats.for_user("bea", "monday")["miles_past_month"] == 0.0
    figures_equal(db, ["ann", "bea", "cal"], [group.id])


def test_the_orm_writes_through_the_same_triggers(db, people):
    logs = LogDao(db)
    document = {"date": "2024-03-01", "type": "run", "distance": 5, "metric": "miles"}
    log = logs.create("ann", {**document, "time": "0:40:00", "feel": 5})
    logs.update(log, {**document, "date": "2024-03-02", "time": "0:45:00", "feel": 7}, by="ann")
    assert stored_days(db) == {("ann", D(2024, 3, 2), "run"): (1, 5.0, 2700, 7)}
    logs.soft_delete(log, by="ann")
    assert stored_days(db) == {}
    log.deleted = False  # restored
    db.commit()
    assert_exact(db)
    logs.hard_delete(log)
    assert stored_days(db) == stored(db) == {}


def test_refill_repairs_aggregates_that_went_stale(db, people):
    sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0, feel=6)
    sql_insert(db, "bea", D(2024, 3, 2), "swim", 1.0, time="0:30:00", feel=3)
    expected = (stored(db), stored_days(db))
    sql(db, "DELETE FROM log_days WHERE username = 'ann'")  # as after restoring one table only
    sql(db, "UPDATE log_totals SET miles = 0, logs = 7")
    sql(
        db,
        "INSERT INTO log_totals (username, type, logs, miles, feel) VALUES ('cal', 'row', 1, 1, 1)",
    )
    assert (stored(db), stored_days(db)) != expected
    refill_log_totals(db.connection())
    assert (stored(db), stored_days(db)) == expected
    assert_exact(db)


def test_a_users_hard_delete_takes_their_rows(db, people):
    sql_insert(db, "ann", D(2024, 3, 1), "run", 5.0)
    sql_insert(db, "bea", D(2024, 3, 1), "run", 3.0)
    users = UserDao(db)
    users.hard_delete(users.get_by_username("ann"))
    assert_exact(db)
    assert list(stored_days(db)) == [("bea", D(2024, 3, 1), "run")]


# -- random writes ------------------------------------------------------------------------------

USERS = ("ann", "bea", "cal", "dan", "eve", "fay")
TYPES = ("run", "run", "bike", "swim", "other", "yoga", "virtual bike", "kayak")
FIRST_DAY, LAST_DAY = D(2023, 12, 20), D(2024, 3, 10)  # across New Year, into the future


def figures_equal(db: Session, usernames: list[str], group_ids: list[int]) -> None:
    """Every figure read from the aggregates equals the one computed from the logs."""
    reference = FromLogs(db, TODAY.date())
    for week_start in WEEK_STARTS:
        for username in usernames:
            stats = StatisticsDao(db, clock)
            assert stats.for_user(username, week_start) == reference.for_user(
                username, week_start
            ), (username, week_start)
        for group_id in group_ids:
            stats = StatisticsDao(db, clock)
            stats.get_group(group_id)  # as the resources do: the members come with the group
            assert stats.for_group(group_id, week_start) == reference.for_group(
                group_id, week_start
            )
            for interval in INTERVALS:
                assert stats.leaderboard(group_id, interval, week_start) == reference.leaderboard(
                    group_id, interval, week_start
                ), (group_id, interval, week_start)
            # and without the members read first (the group snapshot's way)
            assert StatisticsDao(db, clock).for_group(group_id, week_start) == reference.for_group(
                group_id, week_start
            )
    spans = ((FIRST_DAY, LAST_DAY), (D(2024, 1, 1), D(2024, 1, 31)), (D(2024, 3, 3), D(2024, 3, 3)))
    for letters in LETTERS:
        for start, end in spans:
            stats = StatisticsDao(db, clock)
            assert stats.range_view(letters, start, end) == reference.range_view(
                letters, start, end
            )
            for username in usernames:
                assert stats.range_view(
                    letters, start, end, username=username
                ) == reference.range_view(letters, start, end, username=username)
            for group_id in group_ids:
                stats = StatisticsDao(db, clock)
                stats.get_group(group_id)
                assert stats.range_view(
                    letters, start, end, group_id=group_id
                ) == reference.range_view(letters, start, end, group_id=group_id)


def random_document(rng: random.Random) -> dict[str, Any]:
    """Return a schema-valid log document: any type, day, distance, metric, time and feel."""
    day = FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    document: dict[str, Any] = {"date": day.isoformat(), "type": rng.choice(TYPES)}
    document["feel"] = rng.randint(1, 10)
    if rng.random() < 0.85:
        document["distance"] = rng.choice((0, round(rng.uniform(0.5, 30), 2), rng.randint(1, 20)))
        document["metric"] = rng.choice(("miles", "miles", "kilometers", "meters"))
        if document["metric"] == "meters":
            document["distance"] = round(document["distance"] * 100, 1)
    if "distance" in document or rng.random() < 0.5:
        document["time"] = f"{rng.randint(0, 3)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return document


def random_sql_values(rng: random.Random) -> dict[str, Any]:
    """Return column values for a plain SQL write of a log."""
    document = random_document(rng)
    miles = rng.choice((None, 0.0, round(rng.uniform(0.1, 26.2), 3)))
    return {
        "date": dt.date.fromisoformat(document["date"]),
        "type": document["type"],
        "miles": miles,
        "time": document.get("time"),
        "feel": document["feel"],
    }


@pytest.fixture
def club(db: Session, make: Factory) -> list[int]:
    """Six users and three groups; returns the group ids.

    squad: ann, bea, cal accepted, dan pending. crew: cal, eve accepted, fay accepted but her
    account is deleted. empty: nobody.
    """
    for index, name in enumerate(USERS):
        make.user(name, week_start=WEEK_STARTS[index % 2])
    squad, crew, empty = (
        make.group("squad"),
        make.group("crew", week_start="sunday"),
        make.group("empty"),
    )
    for name in ("ann", "bea", "cal"):
        make.group_member(squad, name)
    make.group_member(squad, "dan", status="pending")
    for name in ("cal", "eve", "fay"):
        make.group_member(crew, name)
    db.get(User, "fay").deleted = True
    db.commit()
    return [squad.id, crew.id, empty.id]


#: The writes of the randomized test, each with its weight: through the DAO and in plain SQL.
ACTIONS = {
    "create": 30,
    "sql_insert": 10,
    "update": 20,
    "sql_update": 10,
    "soft": 10,
    "restore": 8,
    "hard": 6,
    "sql_delete": 6,
}


class RandomWriter:
    """Make one random write at a time to the logs, the way each kind of writer does."""

    def __init__(self, db: Session, seed: int) -> None:
        self.db = db
        self.rng = random.Random(seed)
        self.logs = LogDao(db, clock)
        self.ids: list[int] = []

    def step(self) -> None:
        """Make one write of a randomly chosen kind (a create when there is no log to change)."""
        action = self.rng.choices(tuple(ACTIONS), weights=tuple(ACTIONS.values()))[0]
        log = None if action in ("create", "sql_insert") else self.pick()
        if action == "sql_insert":
            self.sql_insert()
        elif log is None:
            self.create()
        else:
            getattr(self, action)(log)

    def pick(self) -> Log | None:
        while self.ids:
            log = self.db.get(Log, self.rng.choice(self.ids))
            if log is not None:
                return log
        return None

    def create(self) -> None:
        log = self.logs.create(self.rng.choice(USERS), random_document(self.rng))
        self.ids.append(log.log_id)

    def sql_insert(self) -> None:
        values = random_sql_values(self.rng)
        user = self.rng.choice(USERS)
        date, kind, miles = values.pop("date"), values.pop("type"), values.pop("miles")
        self.ids.append(sql_insert(self.db, user, date, kind, miles, **values))

    def update(self, log: Log) -> None:
        if log.deleted is False:
            self.logs.update(log, random_document(self.rng), by=log.username)

    def sql_update(self, log: Log) -> None:
        sql(
            self.db,
            "UPDATE logs SET date = :date, type = :type, miles = :miles, time = :time,"
            " feel = :feel WHERE log_id = :id",
            id=log.log_id,
            **random_sql_values(self.rng),
        )
        self.db.expire(log)

    def soft(self, log: Log) -> None:
        if log.deleted is False:
            self.logs.soft_delete(log, by=log.username)

    def restore(self, log: Log) -> None:
        sql(self.db, "UPDATE logs SET deleted = 0 WHERE log_id = :id", id=log.log_id)
        self.db.expire(log)

    def hard(self, log: Log) -> None:
        self.logs.hard_delete(log)
        self.ids.remove(log.log_id)

    def sql_delete(self, log: Log) -> None:
        sql(self.db, "DELETE FROM comments WHERE log_id = :id", id=log.log_id)
        sql(self.db, "DELETE FROM logs WHERE log_id = :id", id=log.log_id)
        self.db.expunge(log)
        self.ids.remove(log.log_id)


@pytest.mark.parametrize("seed", [14, 2024, 90210])
def test_random_writes_keep_every_figure_equal_to_the_logs(db, club, seed):
    writer = RandomWriter(db, seed)
    for step in range(1, 161):
        writer.step()
        if step % 40 == 0:
            assert_exact(db)
    db.commit()
    assert_exact(db)
    figures_equal(db, list(USERS), club)
