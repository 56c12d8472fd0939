"""Create the legacy SaintsXCTF schema exactly (legacy-v2 §2.2) and its lookup rows.

Revision ID: 0001_legacy_baseline
Revises:
Create Date: 2025-11-21

An existing SaintsXCTF database already has all of this: stamp it with this revision
(`python -m api db stamp-legacy`) instead of running it. Everything Splits changes comes in later
revisions. This file deliberately does not import the models: it describes the schema as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from alembic import op

revision: str = "0001_legacy_baseline"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

LONGBLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
# MySQL TIME may exceed 24 hours; SQLite keeps the same durations as integer seconds.
DURATION = sa.Integer().with_variant(mysql.TIME(), "mysql", "mariadb")

LOOKUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "weekstart": ("week_start", ("sunday", "monday")),
    "types": (
        "type",
        (
            "run",
            "bike",
            "swim",
            "other",
            "core",
            "strength",
            "weights",
            "yoga",
            "walk",
            "hike",
            "virtual bike",
            "kayak",
            "canoe",
            "row",
            "stand up paddle",
            "alpine ski",
            "backcountry ski",
            "nordic ski",
            "snowboard",
            "snowshoe",
            "ice skate",
            "roller ski",
            "inline skate",
        ),
    ),
    "metrics": ("metric", ("miles", "kilometers", "meters")),
    "status": ("status", ("accepted", "pending")),
    "admins": ("user", ("user", "admin")),
}
LOOKUP_LENGTHS = {"weekstart": 15, "types": 15, "metrics": 15, "status": 10, "admins": 10}


def _audit(*, deleted_default: bool) -> list[sa.Column]:
    """Return the legacy audit block; some legacy tables default `deleted` to 0, others not."""
    return [
        sa.Column(
            "deleted", sa.Boolean(), server_default=sa.text("0") if deleted_default else None
        ),
        *(
            sa.Column(f"{action}_{field}", sa.DateTime() if field == "date" else sa.String(31))
            for action in ("created", "modified", "deleted")
            for field in ("date", "user", "app")
        ),
    ]


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=f"pk_{table}")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    referred_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}_{referred_table}")


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    """Create the 18 legacy tables, their keys and indexes, and fill the lookup tables."""
    for table, (column, values) in LOOKUPS.items():
        lookup = op.create_table(
            table,
            sa.Column(column, sa.String(LOOKUP_LENGTHS[table]), nullable=False),
            _pk(table, column),
        )
        op.bulk_insert(lookup, [{column: value} for value in values])

    op.create_table(
        "users",
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("first", sa.String(30), nullable=False),
        sa.Column("last", sa.String(30), nullable=False),
        sa.Column("salt", sa.String(255)),
        sa.Column("password", sa.String(255), nullable=False),
        sa.Column("profilepic", LONGBLOB),
        sa.Column("profilepic_name", sa.String(50)),
        sa.Column("description", sa.String(255)),
        sa.Column("member_since", sa.Date(), nullable=False),
        sa.Column("class_year", sa.Integer()),
        sa.Column("location", sa.String(50)),
        sa.Column("favorite_event", sa.String(20)),
        sa.Column("activation_code", sa.String(8), nullable=False),
        sa.Column("email", sa.String(50)),
        sa.Column("last_signin", sa.DateTime(), nullable=False),
        sa.Column("week_start", sa.String(15)),
        sa.Column("subscribed", sa.CHAR(1)),
        *_audit(deleted_default=True),
        _pk("users", "username"),
        _fk("users", "week_start", "weekstart.week_start"),
    )
    for column in ("first", "last", "class_year", "email"):
        _index("users", column)

    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_name", sa.String(20), nullable=False),
        sa.Column("group_title", sa.String(50)),
        sa.Column("grouppic", LONGBLOB),
        sa.Column("grouppic_name", sa.String(50)),
        sa.Column("description", sa.String(255)),
        sa.Column("week_start", sa.String(15)),
        *_audit(deleted_default=False),
        _pk("groups", "id"),
        _fk("groups", "week_start", "weekstart.week_start"),
    )
    # Not unique, yet other tables refer to it by foreign key (InnoDB allows that with an index).
    _index("groups", "group_name")

    op.create_table(
        "teams",
        sa.Column("name", sa.String(31), nullable=False),
        sa.Column("title", sa.String(127), nullable=False),
        sa.Column("picture_name", sa.String(255)),
        sa.Column("description", sa.String(255)),
        sa.Column("week_start", sa.String(15)),
        *_audit(deleted_default=True),
        _pk("teams", "name"),
    )

    op.create_table(
        "codes",
        sa.Column("activation_code", sa.String(8), nullable=False),
        sa.Column("email", sa.String(50)),
        sa.Column("group_id", sa.Integer()),
        sa.Column("expiration_date", sa.DateTime()),
        *_audit(deleted_default=False),
        _pk("codes", "activation_code"),
    )

    op.create_table(
        "forgotpassword",
        sa.Column("forgot_code", sa.String(8), nullable=False),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        *_audit(deleted_default=False),
        _pk("forgotpassword", "forgot_code"),
        _fk("forgotpassword", "username", "users.username"),
    )

    op.create_table(
        "logs",
        sa.Column("log_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("first", sa.String(30), nullable=False),
        sa.Column("last", sa.String(30), nullable=False),
        sa.Column("name", sa.String(40)),
        sa.Column("location", sa.String(50)),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("distance", sa.Float()),
        sa.Column("metric", sa.String(15)),
        sa.Column("miles", sa.Float()),
        sa.Column("time", DURATION),
        sa.Column("pace", DURATION),
        sa.Column("feel", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(1000)),
        sa.Column("time_created", sa.DateTime(), nullable=False),
        *_audit(deleted_default=True),
        _pk("logs", "log_id"),
        _fk("logs", "username", "users.username"),
        _fk("logs", "type", "types.type"),
        _fk("logs", "metric", "metrics.metric"),
    )
    for column in ("username", "date", "type", "miles", "time", "feel"):
        _index("logs", column)

    op.create_table(
        "comments",
        sa.Column("comment_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("first", sa.String(30), nullable=False),
        sa.Column("last", sa.String(30), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("content", sa.String(1000)),
        *_audit(deleted_default=False),
        _pk("comments", "comment_id"),
        _fk("comments", "log_id", "logs.log_id"),
        _fk("comments", "username", "users.username"),
    )

    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("link", sa.String(127)),
        sa.Column("viewed", sa.CHAR(1), nullable=False),
        sa.Column("description", sa.String(1000)),
        *_audit(deleted_default=True),
        _pk("notifications", "notification_id"),
        _fk("notifications", "username", "users.username"),
    )

    op.create_table(
        "flair",
        sa.Column("flair_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(20)),
        sa.Column("flair", sa.String(50)),
        *_audit(deleted_default=False),
        _pk("flair", "flair_id"),
        _fk("flair", "username", "users.username"),
    )

    op.create_table(
        "groupmembers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer()),
        sa.Column("group_name", sa.String(20)),
        sa.Column("username", sa.String(20)),
        sa.Column("status", sa.String(10)),
        sa.Column("user", sa.String(10)),
        *_audit(deleted_default=True),
        _pk("groupmembers", "id"),
        _fk("groupmembers", "group_id", "groups.id"),
        _fk("groupmembers", "group_name", "groups.group_name"),
        _fk("groupmembers", "status", "status.status"),
        _fk("groupmembers", "user", "admins.user"),
    )

    # teamgroups and teammembers have no primary key in the legacy schema.
    op.create_table(
        "teamgroups",
        sa.Column("team_name", sa.String(31), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(20), nullable=False),
        *_audit(deleted_default=True),
        _fk("teamgroups", "team_name", "teams.name"),
        _fk("teamgroups", "group_id", "groups.id"),
        _fk("teamgroups", "group_name", "groups.group_name"),
    )

    op.create_table(
        "teammembers",
        sa.Column("team_name", sa.String(31), nullable=False),
        sa.Column("username", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("user", sa.String(10), nullable=False),
        *_audit(deleted_default=True),
        _fk("teammembers", "team_name", "teams.name"),
        _fk("teammembers", "username", "users.username"),
    )

    op.create_table(
        "events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("group_name", sa.String(50), nullable=False),
        sa.Column("start_date", sa.String(50), nullable=False),
        sa.Column("end_date", sa.String(50)),
        sa.Column("start_time", sa.String(50)),
        sa.Column("end_time", sa.String(50)),
        sa.Column("description", sa.String(50)),
        *_audit(deleted_default=False),
        _pk("events", "event_id"),
        _fk("events", "group_name", "groups.group_name"),
    )


def downgrade() -> None:
    """Drop every legacy table (all data is lost)."""
    for table in (
        "events",
        "teammembers",
        "teamgroups",
        "groupmembers",
        "flair",
        "notifications",
        "comments",
        "logs",
        "forgotpassword",
        "codes",
        "teams",
        "groups",
        "users",
        *reversed(LOOKUPS),
    ):
        op.drop_table(table)
