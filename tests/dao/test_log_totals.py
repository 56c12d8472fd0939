"""`log_totals` follows every write of a log, so it always equals a sum over the live logs.

The triggers on `logs` keep it (tests/dao/test_log_aggregates.py writes logs with plain SQL).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from dao.errors import Conflict
from dao.logs import LogDao
from dao.users import UserDao
from models import Log, LogTotal
from models.logs import refill_log_totals
from tests.totals import recomputed, stored


@pytest.fixture
def logs(db, make):
    make.user("ann")
    make.user("bea")
    return LogDao(db)


def run(distance: float, feel: int = 5, type_: str = "run", metric: str = "miles") -> dict:
    return {
        "date": dt.date(2024, 3, 1).isoformat(),
        "type": type_,
        "distance": distance,
        "metric": metric,
        "time": "0:40:00",
        "feel": feel,
    }


def test_creating_logs_adds_to_their_author_and_type(db, logs):
    logs.create("ann", run(5, feel=6))
    logs.create("ann", run(10, feel=4, metric="kilometers"))
    logs.create("ann", run(20, type_="bike"))
    logs.create("bea", run(3))
    assert stored(db) == recomputed(db)
    assert stored(db)[("ann", "run")] == (2, round(5 + 10 * 0.621371, 6), 10)


def test_changing_type_distance_or_feel_moves_the_figures(db, logs):
    log = logs.create("ann", run(5, feel=6))
    other = logs.create("ann", run(2))
    logs.update(log, run(8, feel=9, type_="bike"), by="ann")
    logs.update(other, {**run(2), "description": "easy"}, by="ann")  # no totalled change
    assert stored(db) == recomputed(db)
    assert stored(db) == {("ann", "run"): (1, 2.0, 5), ("ann", "bike"): (1, 8.0, 9)}


def test_deleting_logs_takes_them_out(db, logs):
    soft = logs.create("ann", run(5))
    hard = logs.create("ann", run(7))
    logs.create("ann", run(1))
    logs.soft_delete(soft, by="ann")
    logs.hard_delete(hard)
    assert stored(db) == recomputed(db) == {("ann", "run"): (1, 1.0, 5)}


def test_hard_deleting_an_already_soft_deleted_log_changes_nothing(db, logs):
    log = logs.create("ann", run(5))
    logs.soft_delete(log, by="ann")
    logs.hard_delete(log)
    assert stored(db) == recomputed(db) == {}


def test_a_failed_write_leaves_the_totals_alone(db, logs):
    log = logs.create("ann", run(5))
    db.execute(  # another request's update, which this session has not seen
        update(Log)
        .where(Log.log_id == log.log_id)
        .values(version=Log.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict, match="changed by another request"):
        logs.update(log, run(50), by="ann")  # stale version: rolled back, totals included
    assert stored(db) == recomputed(db) == {("ann", "run"): (1, 5.0, 5)}


def test_a_users_hard_delete_takes_their_totals(db, logs):
    logs.create("ann", run(5))
    logs.create("bea", run(3))
    users = UserDao(db)
    users.hard_delete(users.get_by_username("ann"))
    assert stored(db) == recomputed(db) == {("bea", "run"): (1, 3.0, 5)}


def test_a_core_statement_that_bypasses_the_orm_keeps_the_totals(db, logs):
    logs.create("ann", run(5))
    db.execute(update(Log).values(feel=1))  # a hand edit: the ORM never saw it
    db.commit()
    assert stored(db) == recomputed(db) == {("ann", "run"): (1, 5.0, 1)}


def test_refill_recomputes_totals_that_went_stale(db, logs):
    logs.create("ann", run(5))
    db.execute(update(LogTotal).values(feel=0))  # stale, as after restoring one table only
    db.commit()
    assert stored(db) != recomputed(db)
    refill_log_totals(db.connection())
    db.commit()
    assert stored(db) == recomputed(db) == {("ann", "run"): (1, 5.0, 5)}
