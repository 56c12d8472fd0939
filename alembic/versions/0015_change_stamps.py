"""Count the changes of each user, group and team in triggers, for conditional GETs.

Revision ID: 0015_change_stamps
Revises: 0014_log_days
Create Date: 2026-12-06

Feeds, range views, leaderboards, statistics, member lists and snapshots send an ETag derived
from `change_stamps` (models/stamps.py, dao/versions.py), so `If-None-Match` is answered 304
after one indexed statement. The counters must move on every change of what those bodies show,
whoever writes it (the ORM, a Core statement, the legacy API on an adopted database, SQL typed
by hand), so row triggers keep them, inside the writing transaction:

* logs (insert, update, delete) bump their owner's stamp `('u', username)`;
* comments bump the stamp of the owner of the log they are on;
* users bump their own stamp when a column that representations show changes (username,
  first, last, member_since, deleted, week_start), not on logins or password changes;
* groupmembers bump their group `('g', group id)`; teamgroups bump their group; groups bump
  themselves; teammembers bump their team `('t', name)` and their user; teams bump themselves.

An update that moves a row (another username, group, team or log) bumps the old and the new
owner. Each write bumps the row of its own user, group or team, never a global one. No row is
ever deleted, and a missing row reads as 0, so the upgrade needs no backfill.

MariaDB runs a trigger with the rights of its definer; with binary logging on, creating one
needs SUPER or `log_bin_trust_function_creators=1` (docs/database.md).
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "0015_change_stamps"
down_revision: str | None = "0014_log_days"
branch_labels: str | None = None
depends_on: str | None = None


class Bump(NamedTuple):
    """One stamp that a row's trigger bumps: its kind and the row's column that names it.

    `via_log`: the column is a log id, and the stamp is that log's owner's.
    """

    kind: str
    column: str
    via_log: bool = False


#: table -> the stamps each of its rows bumps.
BUMPS: dict[str, tuple[Bump, ...]] = {
    "logs": (Bump("u", "username"),),
    "comments": (Bump("u", "log_id", via_log=True),),
    "users": (Bump("u", "username"),),
    "groupmembers": (Bump("g", "group_id"),),
    "teammembers": (Bump("t", "team_name"), Bump("u", "username")),
    "groups": (Bump("g", "id"),),
    "teamgroups": (Bump("g", "group_id"),),
    "teams": (Bump("t", "name"),),
}
#: The user columns that some representation shows; an update that changes none of them (a
#: login's last_signin, a password) leaves the user's stamp alone.
USER_SHOWN = ("username", "first", "last", "member_since", "deleted", "week_start")
EVENTS = ("insert", "update", "delete")


def trigger_name(table: str, event: str) -> str:
    """Return the name of the trigger that stamps `event`s on `table`."""
    return f"stamp_{table}_{event}"


def _bump(bump: Bump, row: str, *, mysql: bool, moved: bool = False) -> str:
    """Return the statement that bumps the stamp `bump` names for the `row` (OLD or NEW)."""
    column = f"{row}.{bump.column}"
    conditions = [f"{column} IS NOT NULL"]
    if moved:  # an update's NEW owner, only when it is not the OLD one (bumped already)
        other = f"OLD.{bump.column}"
        conditions.append(f"NOT ({column} <=> {other})" if mysql else f"{column} IS NOT {other}")
    if bump.via_log:
        source = f"SELECT '{bump.kind}', logs.username, 1 FROM logs WHERE logs.log_id = {column}"
        source += "".join(f" AND {condition}" for condition in conditions[1:])
    else:
        source = f"SELECT '{bump.kind}', {column}, 1 {'FROM DUAL ' if mysql else ''}WHERE "
        source += " AND ".join(conditions)
    upsert = (
        "ON DUPLICATE KEY UPDATE stamp = change_stamps.stamp + 1"
        if mysql
        else "ON CONFLICT (kind, name) DO UPDATE SET stamp = stamp + 1"
    )
    return f"INSERT INTO change_stamps (kind, name, stamp) {source} {upsert};"


def trigger_sql(table: str, event: str, *, mysql: bool, quote: str) -> str:
    """Return the CREATE TRIGGER statement for `event`s on `table` in the dialect."""
    rows = {"insert": ("NEW",), "delete": ("OLD",), "update": ("OLD", "NEW")}[event]
    body = " ".join(
        _bump(bump, row, mysql=mysql, moved=event == "update" and row == "NEW")
        for bump in BUMPS[table]
        for row in rows
    )
    head = f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event.upper()} ON {quote} "
    head += "FOR EACH ROW "
    changed = None
    if table == "users" and event == "update":
        if mysql:
            changed = " AND ".join(f"OLD.{name} <=> NEW.{name}" for name in USER_SHOWN)
            return f"{head}BEGIN IF NOT ({changed}) THEN {body} END IF; END"
        changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in USER_SHOWN)
        head += f"WHEN {changed} "
    return f"{head}BEGIN {body} END"


def upgrade() -> None:
    """Create change_stamps and the triggers that keep it."""
    op.create_table(
        "change_stamps",
        sa.Column("kind", sa.String(1), nullable=False),
        sa.Column("name", sa.String(31), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "name", name="pk_change_stamps"),
    )
    bind = op.get_bind()
    mysql = bind.dialect.name in ("mysql", "mariadb")
    quote = bind.dialect.identifier_preparer.quote
    for table in BUMPS:
        for event in EVENTS:
            op.execute(trigger_sql(table, event, mysql=mysql, quote=quote(table)))


def downgrade() -> None:
    """Drop the triggers and change_stamps."""
    for table in BUMPS:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}")
    op.drop_table("change_stamps")
