"""An existing SaintsXCTF database is stamped, upgraded, and keeps its data (CONTRACT §11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import bcrypt
import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.orm import Session

from api import migrations
from api.db import make_engine
from models import GroupMember, Log, LogDay, LogTotal, TeamGroup, TeamMember, User

NOW = dt.datetime(2019, 5, 1, 12, 0, 0)
AUDIT = {"created_date": NOW, "created_app": "saints-xctf-api"}


@pytest.fixture
def engine(scratch_url: str) -> Iterator[Engine]:
    """An engine on the scratch database."""
    engine = make_engine(scratch_url)
    yield engine
    engine.dispose()


@contextmanager
def legacy_writes(engine: Engine) -> Iterator[Connection]:
    """Write rows as the legacy API could, committing at the end.

    On SQLite the legacy foreign keys to the non-unique groups.group_name make every write to
    those tables fail ("foreign key mismatch"), so they are switched off; MySQL enforces them.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            dbapi_connection = connection.connection.dbapi_connection
            assert dbapi_connection is not None
            dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        with connection.begin():
            yield connection


def insert(connection: Connection, table: str, **values: Any) -> None:
    """Insert one row with plain SQL, as the legacy schema (not the models) has it."""
    columns = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in values)
    names = ", ".join(f":{name}" for name in values)
    statement = f"INSERT INTO {table} ({columns}) VALUES ({names})"  # noqa: S608 - test's own names
    connection.execute(text(statement), values)


def legacy_user(connection: Connection, username: str, **values: Any) -> None:
    """Insert a legacy user row."""
    row = {
        "username": username,
        "first": username.title(),
        "last": "Runner",
        "salt": "aaa",
        "password": "$2b$04$" + "x" * 53,
        "member_since": NOW.date(),
        "activation_code": "abc123",
        "email": f"{username}@example.com",
        "last_signin": NOW,
        "week_start": "monday",
        "subscribed": "Y",
        "deleted": False,
        **AUDIT,
    }
    insert(connection, "users", **{**row, **values})


def legacy_teams_and_groups(connection: Connection) -> None:
    """Insert one team with two groups."""
    insert(connection, "teams", name="saintsxctf", title="St. Lawrence", deleted=False, **AUDIT)
    for group_id, name in ((1, "alumni"), (2, "mensxc")):
        insert(connection, "groups", id=group_id, group_name=name, week_start="sunday", **AUDIT)


def membership(connection: Connection, marker: str, group_id: int | None, username: str | None,
               *, deleted: bool | None = False, status: str = "accepted",
               user: str = "user") -> None:  # fmt: skip
    """Insert a group membership; `marker` (kept in created_user) identifies it afterwards."""
    insert(
        connection, "groupmembers", group_id=group_id, group_name="alumni", username=username,
        status=status, user=user, deleted=deleted, created_user=marker,
    )  # fmt: skip


def team_membership(connection: Connection, marker: str, username: str, *,
                    deleted: bool | None = False, status: str = "accepted",
                    user: str = "user") -> None:  # fmt: skip
    """Insert a team membership (the legacy table has no id: the marker identifies it)."""
    insert(
        connection, "teammembers", team_name="saintsxctf", username=username, status=status,
        user=user, deleted=deleted, created_user=marker,
    )  # fmt: skip


def markers(session: Session, model: type[Any]) -> set[str]:
    """Return the markers of the rows left in a membership table."""
    return set(session.scalars(select(model.created_user)))


def test_duplicate_memberships_collapse_to_the_row_that_counted(
    scratch_url: str, engine: Engine
) -> None:
    migrations.upgrade(scratch_url, "0002_adopt_legacy_names")
    with legacy_writes(engine) as connection:
        legacy_user(connection, "ann")
        legacy_user(connection, "bea")
        legacy_teams_and_groups(connection)
        # ann in group 1, five times: the live accepted admin row with the lowest id wins.
        membership(connection, "ann-deleted", 1, "ann", deleted=True, user="admin")
        membership(connection, "ann-pending", 1, "ann", status="pending")
        membership(connection, "ann-user", 1, "ann")
        membership(connection, "ann-admin", 1, "ann", user="admin")
        membership(connection, "ann-admin-again", 1, "ann", user="admin")
        # bea in group 1: a NULL `deleted` hides a row, so the live pending one wins.
        membership(connection, "bea-hidden", 1, "bea", deleted=None)
        membership(connection, "bea-pending", 1, "bea", status="pending")
        membership(connection, "ann-2", 2, "ann")
        # Rows without a username are not memberships of anyone: none is removed.
        membership(connection, "nobody-1", 2, None)
        membership(connection, "nobody-2", 2, None)

        team_membership(connection, "t-ann-deleted", "ann", deleted=True, user="admin")
        team_membership(connection, "t-ann-1", "ann")
        team_membership(connection, "t-ann-2", "ann")
        team_membership(connection, "t-bea", "bea", status="pending")
        for marker in ("tg-1", "tg-1-again"):
            insert(connection, "teamgroups", team_name="saintsxctf", group_id=1,
                   group_name="alumni", deleted=False, created_user=marker)  # fmt: skip
        insert(connection, "teamgroups", team_name="saintsxctf", group_id=2, group_name="mensxc",
               deleted=True, created_user="tg-2")  # fmt: skip

    migrations.upgrade(scratch_url)
    command.check(migrations.alembic_config(scratch_url))

    with Session(engine) as session:
        assert markers(session, GroupMember) == {
            "ann-admin", "bea-pending", "ann-2", "nobody-1", "nobody-2",
        }  # fmt: skip
        assert markers(session, TeamMember) == {"t-ann-1", "t-bea"}
        assert markers(session, TeamGroup) == {"tg-1", "tg-2"}
        # The surrogate ids number the old rows in their order.
        ids = dict(session.execute(select(TeamMember.created_user, TeamMember.teammember_id)).all())
        assert ids["t-ann-1"] < ids["t-bea"]


def test_legacy_database_is_adopted_with_its_data(mariadb_url: str, engine: Engine) -> None:
    legacy_hash = bcrypt.hashpw(b"apitest", bcrypt.gensalt(4, prefix=b"2a")).decode()
    assert legacy_hash.startswith("$2a$04$")
    # The legacy schema, as a SaintsXCTF MySQL database has it: no alembic_version table.
    migrations.upgrade(mariadb_url, migrations.LEGACY_BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    with legacy_writes(engine) as connection:
        legacy_user(connection, "andy", password=legacy_hash, email="andrew@jarombek.com")
        legacy_user(connection, "dotty", email="dotty@horses.com")
        legacy_teams_and_groups(connection)
        team_membership(connection, "andy-1", "andy", user="admin")
        team_membership(connection, "andy-2", "andy", user="admin")
        # MySQL compares names case-insensitively, so its unique key would see these as one.
        team_membership(connection, "andy-shouting", "ANDY", user="admin")
        team_membership(connection, "dotty", "dotty")
        insert(
            connection, "logs", log_id=7, username="andy", first="Andy", last="Jarombek",
            name="Long slow", date=dt.date(2019, 4, 30), type="run", distance=4.0,
            metric="miles", miles=4.0, time="101:05:00", pace="25:16:15", feel=6,
            description="ouch", time_created=NOW, deleted=False, **AUDIT,
        )  # fmt: skip

    migrations.stamp_legacy(mariadb_url)
    migrations.upgrade(mariadb_url)
    command.check(migrations.alembic_config(mariadb_url))

    with Session(engine) as session:
        andy = session.get_one(User, "andy")
        assert andy.password == legacy_hash
        assert bcrypt.checkpw(b"apitest", andy.password.encode())
        assert (andy.role, andy.token_generation, andy.version) == ("user", 0, 1)
        assert andy.email == "andrew@jarombek.com"
        log = session.get_one(Log, 7)
        assert log.time == dt.timedelta(hours=101, minutes=5)
        assert log.pace == dt.timedelta(hours=25, minutes=16, seconds=15)
        assert (log.miles, log.feel, log.version) == (4.0, 6, 1)
        assert markers(session, TeamMember) == {"andy-1", "dotty"}
        # The upgrade counted the legacy log in the aggregates.
        day = session.get_one(LogDay, ("andy", dt.date(2019, 4, 30), "run"))
        assert (day.logs, day.miles, day.seconds, day.feel) == (1, 4.0, 101 * 3600 + 300, 6)

    # The legacy API keeps writing logs on the adopted database: the triggers count them.
    with legacy_writes(engine) as connection:
        insert(
            connection, "logs", log_id=8, username="dotty", first="Dotty", last="Runner",
            date=dt.date(2019, 5, 1), type="bike", distance=10.0, metric="miles", miles=10.0,
            time="0:40:00", pace="0:04:00", feel=8, time_created=NOW, deleted=False, **AUDIT,
        )  # fmt: skip
        connection.execute(text("UPDATE logs SET deleted = 1 WHERE log_id = 7"))  # soft delete
    with Session(engine) as session:
        assert [
            (t.username, t.type, t.logs, t.miles)
            for t in session.scalars(select(LogTotal).where(LogTotal.logs > 0))
        ] == [("dotty", "bike", 1, 10.0)]
        assert [
            (d.username, d.date, d.logs, d.seconds)
            for d in session.scalars(select(LogDay).where(LogDay.logs > 0))
        ] == [("dotty", dt.date(2019, 5, 1), 1, 2400)]


def test_database_built_by_the_legacy_sql_script_converges(
    mariadb_url: str, engine: Engine
) -> None:
    # The legacy SQL script named its keys differently and lacked the ORM's indexes.
    migrations.upgrade(mariadb_url, migrations.LEGACY_BASELINE)
    with engine.begin() as connection:
        for statement in (
            "DROP TABLE alembic_version",
            "ALTER TABLE `groups` RENAME INDEX ix_groups_group_name TO group_name",
            "DROP INDEX ix_users_first ON users",
            "DROP INDEX ix_logs_miles ON logs",
            "ALTER TABLE groupmembers DROP FOREIGN KEY fk_groupmembers_group_name_groups",
            "DROP INDEX fk_groupmembers_group_name_groups ON groupmembers",
            "ALTER TABLE groupmembers ADD CONSTRAINT groupmembers_group_name_fk"
            " FOREIGN KEY (group_name) REFERENCES `groups` (group_name)",
        ):
            connection.execute(text(statement))

    migrations.stamp_legacy(mariadb_url)
    migrations.upgrade(mariadb_url)
    command.check(migrations.alembic_config(mariadb_url))

    with engine.connect() as connection:
        inspector = inspect(connection)
        assert "ix_groups_group_name" in {ix["name"] for ix in inspector.get_indexes("groups")}
        assert "group_name" not in {ix["name"] for ix in inspector.get_indexes("groups")}
        assert not [
            fk
            for fk in inspector.get_foreign_keys("groupmembers")
            if fk["constrained_columns"] == ["group_name"]
        ]
