"""The models map the migrated schema: round trips, row versions, deferred blobs, names."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from models import (
    EXERCISE_TYPES,
    MEMBER_ROLES,
    MEMBER_STATUSES,
    METRICS,
    WEEK_STARTS,
    Base,
    Comment,
    Log,
    User,
)

NOW = dt.datetime(2025, 11, 21, 7, 30)
PACE = dt.timedelta(hours=101, minutes=5)


def new_user(session: Session, username: str = "pat") -> User:
    """Add a user with the legacy NOT NULL columns filled."""
    user = User(
        username=username,
        first="Pat",
        last="Runner",
        password="$2a$10$" + "x" * 53,
        member_since=NOW.date(),
        activation_code="ABC123",
        email=f"{username}@example.com",
        last_signin=NOW,
        week_start="monday",
    )
    session.add(user)
    session.flush()
    return user


def new_log(session: Session, user: User, **fields: object) -> Log:
    """Add a log of `user`."""
    log = Log(
        username=user.username,
        first=user.first,
        last=user.last,
        date=NOW.date(),
        type="walk",
        distance=0.01,
        metric="miles",
        miles=0.01,
        time=dt.timedelta(hours=1, seconds=3),
        pace=PACE,
        feel=5,
        time_created=NOW,
        **fields,
    )
    session.add(log)
    session.flush()
    return log


def test_a_pace_over_99_hours_survives_the_database(db: Session) -> None:
    log_id = new_log(db, new_user(db)).log_id
    db.expunge_all()

    log = db.get_one(Log, log_id)
    assert log.pace == PACE
    assert log.time == dt.timedelta(hours=1, seconds=3)
    # Comparisons happen in the database, on TIME or on seconds.
    slow = select(Log.log_id).where(Log.pace > dt.timedelta(hours=100))
    assert db.scalars(slow).all() == [log_id]


def test_new_rows_get_the_defaults_of_splits_columns(db: Session) -> None:
    user = new_user(db)
    log = new_log(db, user)
    assert (user.role, user.token_generation, user.version) == ("user", 0, 1)
    assert (user.deleted, log.deleted, log.version) == (False, False, 1)


def test_the_version_goes_up_with_every_update(db: Session) -> None:
    user = new_user(db)
    user.first = "Patricia"
    db.flush()
    assert user.version == 2
    user.location = "Canton, NY"
    db.flush()
    assert user.version == 3


def test_an_update_of_a_stale_row_is_refused(db: Session) -> None:
    log = new_log(db, new_user(db))
    # Someone else changes the row in the meantime, bumping the version as bulk updates must.
    db.execute(
        update(Log)
        .where(Log.log_id == log.log_id)
        .values(feel=9, version=Log.version + 1)
        .execution_options(synchronize_session=False)
    )
    log.feel = 1
    with pytest.raises(StaleDataError):
        db.flush()


def test_pictures_are_not_loaded_by_ordinary_queries(db: Session) -> None:
    user = new_user(db)
    user.profilepic = b"\x89PNG" + bytes(1000)
    db.flush()
    db.expunge_all()

    user = db.scalars(select(User).where(User.username == "pat")).one()
    assert "profilepic" in inspect(user).unloaded
    assert user.profilepic is not None
    assert len(user.profilepic) == 1004


AUDIT_COLUMNS = {
    f"{event}_{part}"
    for event in ("created", "modified", "deleted")
    for part in ("date", "user", "app")
}


def test_audit_columns_are_written_but_left_out_of_reads(db: Session) -> None:
    user = new_user(db)
    log = new_log(db, user, created_date=dt.datetime(2024, 1, 2, 3, 4), created_app="splits")
    db.flush()
    db.expunge_all()

    log = db.scalars(select(Log).where(Log.log_id == log.log_id)).one()
    assert inspect(log).unloaded >= AUDIT_COLUMNS
    assert "deleted" not in inspect(log).unloaded and "version" not in inspect(log).unloaded
    # Touching one audit column loads the group of nine with one query.
    assert log.created_date == dt.datetime(2024, 1, 2, 3, 4)
    assert not AUDIT_COLUMNS & inspect(log).unloaded
    assert log.created_app == "splits"


def test_comments_load_newest_first_and_never_lazily(db: Session) -> None:
    user = new_user(db)
    log = new_log(db, user)
    for minute, content in ((1, "first"), (3, "third"), (2, "second")):
        db.add(
            Comment(
                username=user.username,
                first=user.first,
                last=user.last,
                log_id=log.log_id,
                time=NOW + dt.timedelta(minutes=minute),
                content=content,
            )
        )
    db.flush()
    db.expunge_all()

    lazy = db.get_one(Log, log.log_id)
    with pytest.raises(InvalidRequestError, match="raise_on_sql"):
        _ = lazy.comments
    db.expunge_all()

    loaded = db.scalars(
        select(Log).where(Log.log_id == log.log_id).options(selectinload(Log.comments))
    ).one()
    assert [comment.content for comment in loaded.comments] == ["third", "second", "first"]


def test_constraint_names_are_conventional_and_fit_mysql() -> None:
    prefixes = {"ForeignKeyConstraint": "fk_", "UniqueConstraint": "uq_"}
    prefixes |= {"PrimaryKeyConstraint": "pk_", "Index": "ix_"}
    for table in Base.metadata.tables.values():
        for item in [*table.constraints, *table.indexes]:
            name = str(item.name)
            assert name.startswith(prefixes[type(item).__name__]), name
            assert len(name) <= 64, name


def test_lookup_constants_are_those_of_the_legacy_seed() -> None:
    assert len(EXERCISE_TYPES) == len(set(EXERCISE_TYPES)) == 23
    assert EXERCISE_TYPES[:4] == ("run", "bike", "swim", "other")
    assert all(len(name) <= 15 for name in EXERCISE_TYPES)  # types.type is VARCHAR(15)
    assert METRICS == ("miles", "kilometers", "meters")
    assert MEMBER_STATUSES == ("accepted", "pending")
    assert MEMBER_ROLES == ("user", "admin")
    assert WEEK_STARTS == ("sunday", "monday")


def test_the_lookup_tables_hold_the_constants(db: Session) -> None:
    from models import Admin, Metric, Status, Type, WeekStart

    assert set(db.scalars(select(Type.type))) == set(EXERCISE_TYPES)
    assert set(db.scalars(select(Metric.metric))) == set(METRICS)
    assert set(db.scalars(select(Status.status))) == set(MEMBER_STATUSES)
    assert set(db.scalars(select(Admin.user))) == set(MEMBER_ROLES)
    assert set(db.scalars(select(WeekStart.week_start))) == set(WEEK_STARTS)
