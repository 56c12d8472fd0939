"""The legacy API's join queries still run on a database migrated to the head revision.

The legacy API may keep running against an adopted database (CONTRACT §11). Its raw SQL selects
some columns unqualified, so a column that a migration adds to a legacy table under a name that a
joined table already has breaks it: 0003's `teamgroups.id` made `GET /v2/teams/groups/{team}`
fail ("ambiguous column") until 0013 renamed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from api import migrations
from api.db import make_engine
from tests.migrations.test_legacy_adoption import (
    AUDIT,
    NOW,
    insert,
    legacy_user,
    legacy_writes,
    membership,
    team_membership,
)
from tests.models.test_legacy_columns import LEGACY_TABLES, SPLITS_ADDED_COLUMNS

TEAM = {"team_name": "saintsxctf"}
IN_TEAM = {"team_name": "saintsxctf", "group_name": "alumni"}
SINCE = {"date": "2019-01-01"}

# The legacy API's queries over joins, as it sends them (its DAOs); parameters as it binds them.
LEGACY_JOIN_QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "GET /v2/teams/groups/{team}": ("""
        SELECT id,`groups`.group_name,group_title,grouppic_name,description,week_start,
            `groups`.deleted
        FROM teamgroups
        INNER JOIN `groups` ON teamgroups.group_name=`groups`.group_name
        WHERE team_name=:team_name
        AND teamgroups.deleted IS FALSE
        AND `groups`.deleted IS FALSE
    """, TEAM),
    "GET /v2/groups/{team}/{group}": ("""
        SELECT `groups`.id, `groups`.group_name, group_title, grouppic_name, description, week_start
        FROM `groups`
        INNER JOIN teamgroups ON `groups`.group_name = teamgroups.group_name
        WHERE `groups`.group_name=:group_name
        AND team_name=:team_name
        AND `groups`.deleted IS FALSE
        AND teamgroups.deleted IS FALSE
    """, IN_TEAM),
    "user's groups": ("""
        SELECT `groups`.id, groupmembers.group_name, group_title, status, user
        FROM groupmembers
        INNER JOIN `groups` ON `groups`.group_name=groupmembers.group_name
        WHERE username=:username
        AND groupmembers.deleted IS FALSE
        AND `groups`.deleted IS FALSE
    """, {"username": "ann"}),
    "user's groups in a team": ("""
        SELECT groupmembers.group_name,groupmembers.group_id,group_title,status,user
        FROM groupmembers
        INNER JOIN `groups` ON `groups`.group_name=groupmembers.group_name
        INNER JOIN teamgroups ON teamgroups.group_id=`groups`.id
        INNER JOIN teams ON teams.name=teamgroups.team_name
        WHERE username=:username
        AND teams.name=:team_name
        AND groupmembers.deleted IS FALSE
        AND `groups`.deleted IS FALSE
        AND teamgroups.deleted IS FALSE
        AND teams.deleted IS FALSE
    """, {"username": "ann", **TEAM}),
    "group members by name": ("""
        SELECT users.username,first,last,member_since,user,status
        FROM groupmembers
        INNER JOIN `groups` ON `groups`.group_name=groupmembers.group_name
        INNER JOIN teamgroups ON teamgroups.group_id=`groups`.id
        INNER JOIN users ON groupmembers.username=users.username
        WHERE groupmembers.group_name=:group_name
        AND teamgroups.team_name=:team_name
        AND groupmembers.deleted IS FALSE
        AND `groups`.deleted IS FALSE
        AND teamgroups.deleted IS FALSE
        AND users.deleted IS FALSE
    """, IN_TEAM),
    "group members by id": ("""
        SELECT users.username,first,last,member_since,user,status
        FROM groupmembers
        INNER JOIN users ON groupmembers.username=users.username
        WHERE groupmembers.group_id=:group_id
        AND groupmembers.deleted IS FALSE
        AND users.deleted IS FALSE
    """, {"group_id": 1}),
    "group's newest log": ("""
        SELECT MAX(time_created) AS newest
        FROM logs
        INNER JOIN groupmembers ON logs.username = groupmembers.username
        WHERE group_name=:group_name and status='accepted'
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
    """, {"group_name": "alumni"}),
    "leaderboard": ("""
        SELECT
            groupmembers.username,
            MAX(logs.first) AS first,
            MAX(logs.last) AS last,
            COALESCE(SUM(miles), 0) AS miles,
            COALESCE(SUM(CASE WHEN type = 'run' THEN miles END), 0) AS miles_run,
            COALESCE(SUM(CASE WHEN type = 'bike' THEN miles END), 0) AS miles_biked,
            COALESCE(SUM(CASE WHEN type = 'swim' THEN miles END), 0) AS miles_swam,
            COALESCE(SUM(CASE WHEN type NOT IN ('run', 'bike', 'swim') THEN miles END), 0)
                AS miles_other
        FROM logs
        INNER JOIN groupmembers ON logs.username = groupmembers.username
        WHERE group_id = :group_id
        AND date >= :date
        AND status = 'accepted'
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
        GROUP BY groupmembers.username
        ORDER BY miles DESC
    """, {"group_id": 1, **SINCE}),
    "group miles by type": ("""
        SELECT SUM(miles) AS total
        FROM logs
        INNER JOIN groupmembers ON logs.username = groupmembers.username
        WHERE group_name=:group_name
        AND type=:exercise_type
        AND date >= :date
        AND status='accepted'
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
    """, {"group_name": "alumni", "exercise_type": "run", **SINCE}),
    "group feel": ("""
        SELECT AVG(feel) AS average
        FROM logs
        INNER JOIN groupmembers ON logs.username = groupmembers.username
        WHERE group_name=:group_name
        AND date >= :date
        AND status='accepted'
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
    """, {"group_name": "alumni", **SINCE}),
    "log feed of all teammates": ("""
        SELECT DISTINCT logs.* FROM logs
        INNER JOIN teammembers
        ON logs.username = teammembers.username
        WHERE teammembers.deleted IS FALSE
        AND logs.deleted IS FALSE
        AND teammembers.team_name IN (
            SELECT team_name FROM teammembers
            WHERE username = :username
            AND status = 'accepted'
            AND deleted IS FALSE
        )
        ORDER BY logs.date DESC, log_id DESC
        LIMIT :limit OFFSET :offset
    """, {"username": "bea", "limit": 10, "offset": 0}),
    "log feed of a group": ("""
        SELECT log_id,logs.username,first,last,name,location,date,type,
        distance,metric,miles,time,pace,feel,description
        FROM logs
        INNER JOIN groupmembers ON logs.username=groupmembers.username
        WHERE group_id=:group_id
        AND status='accepted'
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
        ORDER BY date DESC, log_id DESC
        LIMIT :limit OFFSET :offset
    """, {"group_id": 1, "limit": 10, "offset": 0}),
    "log count of a group": ("""
        SELECT COUNT(*) AS count FROM logs
        INNER JOIN groupmembers ON logs.username=groupmembers.username
        WHERE group_id=:group_id
        AND status='accepted'
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
    """, {"group_id": 1}),
    "range view of a group": ("""
        SELECT date, SUM(miles) AS miles, CAST(AVG(feel) AS UNSIGNED) AS feel
        FROM logs
        INNER JOIN groupmembers
        ON logs.username=groupmembers.username
        WHERE group_id=:group_id
        AND logs.deleted IS FALSE
        AND groupmembers.deleted IS FALSE
        AND date >= :start
        AND date <= :end
        AND type IN ('run')
        GROUP BY date
    """, {"group_id": 1, "start": "2019-01-01", "end": "2019-12-31"}),
    "user's teams": ("""
        SELECT team_name,title,status,user
        FROM teammembers
        INNER JOIN teams ON teams.name=teammembers.team_name
        WHERE username=:username
        AND teams.name=:team_name
        AND teammembers.deleted IS FALSE
        AND teams.deleted IS FALSE
    """, {"username": "ann", **TEAM}),
    "team members": ("""
        SELECT users.username,first,last,member_since,user,status,teammembers.deleted
        FROM teammembers
        INNER JOIN teams ON teams.name=teammembers.team_name
        INNER JOIN users ON teammembers.username=users.username
        WHERE teammembers.team_name=:team_name
        AND teammembers.deleted IS FALSE
        AND teams.deleted IS FALSE
        AND users.deleted IS FALSE
    """, TEAM),
    "existing group memberships": ("""
        SELECT gm.* FROM groupmembers gm
        INNER JOIN teamgroups tg on gm.group_id = tg.group_id
        WHERE username = :username
        AND gm.group_name = :group_name
        AND tg.team_name = :team_name
        AND gm.deleted IS FALSE
        AND tg.deleted IS FALSE
    """, {"username": "ann", **IN_TEAM}),
    "group id by team and name": ("""
        SELECT g.id
        FROM `groups` g
        INNER JOIN teamgroups tg ON g.id = tg.group_id
        WHERE tg.team_name = :team_name
        AND tg.group_name = :group_name
        AND g.deleted IS FALSE
        AND tg.deleted IS FALSE
    """, IN_TEAM),
}  # fmt: skip


@pytest.fixture
def engine(scratch_url: str) -> Iterator[Engine]:
    """An engine on the scratch database."""
    engine = make_engine(scratch_url)
    yield engine
    engine.dispose()


def columns_of_legacy_tables(engine: Engine) -> dict[str, set[str]]:
    """Return the columns of each legacy table as the database has them."""
    with engine.connect() as connection:
        inspector = inspect(connection)
        return {
            table: {column["name"] for column in inspector.get_columns(table)}
            for table in LEGACY_TABLES
        }


def fill_as_the_legacy_api_would(engine: Engine) -> None:
    """Insert a team, two groups, two members and a log with the legacy columns only."""
    with legacy_writes(engine) as connection:
        legacy_user(connection, "ann")
        legacy_user(connection, "bea")
        insert(connection, "teams", name="saintsxctf", title="St. Lawrence", deleted=False, **AUDIT)
        for group_id, name in ((1, "alumni"), (2, "mensxc")):
            insert(connection, "groups", id=group_id, group_name=name, group_title=name.title(),
                   week_start="sunday", deleted=False, **AUDIT)  # fmt: skip
        # Linked in the reverse order, so the links' own keys differ from the group ids.
        for group_id, name in ((2, "mensxc"), (1, "alumni")):
            insert(connection, "teamgroups", team_name="saintsxctf", group_id=group_id,
                   group_name=name, deleted=False, **AUDIT)  # fmt: skip
        team_membership(connection, "t-ann", "ann", user="admin")
        team_membership(connection, "t-bea", "bea")
        membership(connection, "g-ann", 1, "ann", user="admin")
        insert(
            connection, "logs", username="ann", first="Ann", last="Runner", name="Easy",
            date="2019-04-30", type="run", distance=4.0, metric="miles", miles=4.0,
            time="00:32:00", pace="00:08:00", feel=6, time_created=NOW, deleted=False, **AUDIT,
        )  # fmt: skip


def test_the_added_columns_are_the_documented_ones(scratch_url: str, engine: Engine) -> None:
    migrations.upgrade(scratch_url, migrations.LEGACY_BASELINE)
    legacy = columns_of_legacy_tables(engine)
    migrations.upgrade(scratch_url)
    head = columns_of_legacy_tables(engine)

    added = {table: head[table] - legacy[table] for table in LEGACY_TABLES}
    assert {table: columns for table, columns in added.items() if columns} == SPLITS_ADDED_COLUMNS
    assert all(legacy[table] <= head[table] for table in LEGACY_TABLES)  # nothing dropped
    every_legacy_name = set().union(*legacy.values())
    assert set().union(*added.values()) & every_legacy_name == set()


def test_every_legacy_join_query_runs_at_head(scratch_url: str, engine: Engine) -> None:
    migrations.upgrade(scratch_url)
    fill_as_the_legacy_api_would(engine)

    with engine.connect() as connection:
        for name, (statement, parameters) in LEGACY_JOIN_QUERIES.items():
            rows = connection.execute(text(statement), parameters).mappings().all()
            assert rows, name
        team_groups = connection.execute(
            text(LEGACY_JOIN_QUERIES["GET /v2/teams/groups/{team}"][0]), TEAM
        )
        # The unqualified `id` is still the group's id, not the link's.
        assert {row.group_name: row.id for row in team_groups} == {"alumni": 1, "mensxc": 2}


def test_the_team_groups_query_fails_below_0013_and_runs_from_it(
    scratch_url: str, engine: Engine
) -> None:
    # Below 0013 the query is ambiguous again (the 500 this revision fixed); at 0013 it runs.
    statement, parameters = LEGACY_JOIN_QUERIES["GET /v2/teams/groups/{team}"]
    migrations.upgrade(scratch_url)
    fill_as_the_legacy_api_would(engine)
    migrations.downgrade(scratch_url, "0012_idempotency_keys")
    with engine.connect() as connection, pytest.raises(Exception, match=r"(?i)ambiguous"):
        connection.execute(text(statement), parameters)
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT id FROM teamgroups WHERE group_id = 1")).scalar_one()
            == 2
        )

    migrations.upgrade(scratch_url, "0013_legacy_safe_keys")
    with engine.connect() as connection:
        assert len(connection.execute(text(statement), parameters).all()) == 2
        assert (
            connection.execute(
                text("SELECT teamgroup_id FROM teamgroups WHERE group_id = 1")
            ).scalar_one()
            == 2
        )
    # The renamed keys still number new rows.
    with legacy_writes(engine) as connection:
        insert(connection, "teams", name="alumni", title="Alumni", deleted=False, **AUDIT)
        insert(connection, "teamgroups", team_name="alumni", group_id=1, group_name="alumni",
               deleted=False, **AUDIT)  # fmt: skip
        legacy_user(connection, "cat")
        team_membership(connection, "t-cat", "cat")
    with engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT teamgroup_id FROM teamgroups WHERE team_name = 'alumni'")
            ).scalar_one()
            == 3
        )
        assert (
            connection.execute(
                text("SELECT teammember_id FROM teammembers WHERE created_user = 't-cat'")
            ).scalar_one()
            == 3
        )
