"""Keep per-user, per-day, per-type sums of the live logs, and keep them with triggers.

Revision ID: 0014_log_days
Revises: 0013_legacy_safe_keys
Create Date: 2026-12-06

Range views, the week/month/year leaderboards and the past-week/month/year statistics summed log
rows on every request. `log_days` holds, per user, day and exercise type, the number of live logs
and the sums of their miles, seconds and feel, so those figures read one row per member and day.

Both aggregate tables (`log_totals` from 0009 and `log_days`) are kept from now on by triggers on
`logs` (INSERT, UPDATE, DELETE), not by the application: a log written by the legacy API on an
adopted database, a hand-written UPDATE or a bulk load keeps them exact too. The upgrade creates
the triggers first and then fills both tables from the logs in one transaction, so a log written
meanwhile is counted once. The trigger text is this revision's own frozen copy of
`models.logs.log_trigger_ddl` (tests/migrations checks that the two agree).

On MySQL/MariaDB with binary logging on, creating a trigger needs SUPER unless
`log_bin_trust_function_creators` is 1 (docs/database.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import OperationalError

revision: str = "0014_log_days"
down_revision: str | None = "0013_legacy_safe_keys"
branch_labels: str | None = None
depends_on: str | None = None

TRIGGER_NAMES = ("logs_aggregate_insert", "logs_aggregate_update", "logs_aggregate_delete")
_AGGREGATED = ("deleted", "username", "date", "type", "miles", "time", "feel")
#: MySQL's "you do not have the SUPER privilege and binary logging is enabled".
_NEEDS_SUPER = 1419


def sqlite_seconds(value: str) -> str:
    """Return SQLite SQL for the seconds of a `Duration` value (integer seconds or H:MM:SS text).

    The API stores integer seconds; text such as '1:05:00' written by plain SQL counts as
    `models.types.Duration` reads it ([-]H:MM:SS, a fraction dropped). NULL counts 0. SQLite's
    CAST to INTEGER reads the leading digits, so each part is the number before the next ':'.
    """
    text = f"trim({value})"
    rest = f"substr({text}, instr({text}, ':') + 1)"  # MM:SS
    parsed = (
        f"CASE WHEN substr({text}, 1, 1) = '-' THEN -1 ELSE 1 END"
        f" * (CAST(ltrim({text}, '-') AS INTEGER) * 3600 + CAST({rest} AS INTEGER) * 60"
        f" + CAST(substr({rest}, instr({rest}, ':') + 1) AS INTEGER))"
    )
    return (
        f"(CASE typeof({value}) WHEN 'integer' THEN {value}"
        f" WHEN 'real' THEN CAST({value} AS INTEGER) WHEN 'text' THEN {parsed} ELSE 0 END)"
    )


# MySQL/MariaDB: what a live NEW log adds to its two rows, and what a live OLD log takes out.
_MYSQL_ADD = """
    INSERT INTO log_totals (username, type, logs, miles, feel)
    VALUES (NEW.username, NEW.type, 1, COALESCE(NEW.miles, 0), COALESCE(NEW.feel, 0))
    ON DUPLICATE KEY UPDATE logs = logs + 1, miles = miles + COALESCE(NEW.miles, 0),
      feel = feel + COALESCE(NEW.feel, 0);
    INSERT INTO log_days (username, date, type, logs, miles, seconds, feel)
    VALUES (NEW.username, NEW.date, NEW.type, 1, COALESCE(NEW.miles, 0),
      COALESCE(TIME_TO_SEC(NEW.time), 0), COALESCE(NEW.feel, 0))
    ON DUPLICATE KEY UPDATE logs = logs + 1, miles = miles + COALESCE(NEW.miles, 0),
      seconds = seconds + COALESCE(TIME_TO_SEC(NEW.time), 0),
      feel = feel + COALESCE(NEW.feel, 0);"""
_MYSQL_TAKE = """
    UPDATE log_totals SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
      feel = feel - COALESCE(OLD.feel, 0)
    WHERE username = OLD.username AND type = OLD.type;
    UPDATE log_days SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
      seconds = seconds - COALESCE(TIME_TO_SEC(OLD.time), 0), feel = feel - COALESCE(OLD.feel, 0)
    WHERE username = OLD.username AND date = OLD.date AND type = OLD.type;"""
_MYSQL_UNCHANGED = "\n      AND ".join(f"OLD.{column} <=> NEW.{column}" for column in _AGGREGATED)
MYSQL_LOG_TRIGGERS = (
    "CREATE TRIGGER logs_aggregate_insert AFTER INSERT ON logs FOR EACH ROW\nBEGIN\n"
    "  IF NEW.deleted IS FALSE THEN" + _MYSQL_ADD + "\n  END IF;\nEND",
    "CREATE TRIGGER logs_aggregate_update AFTER UPDATE ON logs FOR EACH ROW\nBEGIN\n"
    f"  IF NOT ({_MYSQL_UNCHANGED}) THEN\n"
    "  IF OLD.deleted IS FALSE THEN" + _MYSQL_TAKE + "\n  END IF;\n"
    "  IF NEW.deleted IS FALSE THEN" + _MYSQL_ADD + "\n  END IF;\n"
    "  END IF;\nEND",
    "CREATE TRIGGER logs_aggregate_delete AFTER DELETE ON logs FOR EACH ROW\nBEGIN\n"
    "  IF OLD.deleted IS FALSE THEN" + _MYSQL_TAKE + "\n  END IF;\nEND",
)

# SQLite has no IF: each statement carries its own condition on the log being live.
_SQLITE_ADD = """
  INSERT INTO log_totals (username, type, logs, miles, feel)
  SELECT NEW.username, NEW.type, 1, COALESCE(NEW.miles, 0), COALESCE(NEW.feel, 0)
  WHERE NEW.deleted IS FALSE
  ON CONFLICT (username, type) DO UPDATE SET logs = logs + 1, miles = miles + excluded.miles,
    feel = feel + excluded.feel;
  INSERT INTO log_days (username, date, type, logs, miles, seconds, feel)
  SELECT NEW.username, NEW.date, NEW.type, 1, COALESCE(NEW.miles, 0), {new_seconds},
    COALESCE(NEW.feel, 0)
  WHERE NEW.deleted IS FALSE
  ON CONFLICT (username, date, type) DO UPDATE SET logs = logs + 1,
    miles = miles + excluded.miles, seconds = seconds + excluded.seconds,
    feel = feel + excluded.feel;"""
_SQLITE_TAKE = """
  UPDATE log_totals SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
    feel = feel - COALESCE(OLD.feel, 0)
  WHERE OLD.deleted IS FALSE AND username = OLD.username AND type = OLD.type;
  UPDATE log_days SET logs = logs - 1, miles = miles - COALESCE(OLD.miles, 0),
    seconds = seconds - {old_seconds}, feel = feel - COALESCE(OLD.feel, 0)
  WHERE OLD.deleted IS FALSE AND username = OLD.username AND date = OLD.date
    AND type = OLD.type;"""
_SQLITE_CHANGED = "\n  OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in _AGGREGATED)
SQLITE_LOG_TRIGGERS = tuple(
    statement.format(new_seconds=sqlite_seconds("NEW.time"), old_seconds=sqlite_seconds("OLD.time"))
    for statement in (
        "CREATE TRIGGER logs_aggregate_insert AFTER INSERT ON logs FOR EACH ROW\n"
        "WHEN NEW.deleted IS FALSE\nBEGIN" + _SQLITE_ADD + "\nEND",
        f"CREATE TRIGGER logs_aggregate_update AFTER UPDATE OF {', '.join(_AGGREGATED)} ON logs"
        f" FOR EACH ROW\nWHEN {_SQLITE_CHANGED}\nBEGIN" + _SQLITE_TAKE + _SQLITE_ADD + "\nEND",
        "CREATE TRIGGER logs_aggregate_delete AFTER DELETE ON logs FOR EACH ROW\n"
        "WHEN OLD.deleted IS FALSE\nBEGIN" + _SQLITE_TAKE + "\nEND",
    )
)


def _create_triggers(dialect: str) -> None:
    bind = op.get_bind()
    statements = MYSQL_LOG_TRIGGERS if dialect == "mysql" else SQLITE_LOG_TRIGGERS
    for name, statement in zip(TRIGGER_NAMES, statements, strict=True):
        try:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            bind.exec_driver_sql(statement)
        except OperationalError as ex:
            if getattr(ex.orig, "args", (None,))[0] != _NEEDS_SUPER:
                raise
            raise RuntimeError(
                "Creating the triggers on `logs` needs the SUPER privilege while binary logging "
                "is on. Run `SET GLOBAL log_bin_trust_function_creators = 1` once as an "
                "administrator (and set it in the server's configuration), or run this "
                "migration as a user with SUPER; then run `python -m api db upgrade` again."
            ) from ex


def _fill(dialect: str) -> None:
    seconds = "TIME_TO_SEC(time)" if dialect == "mysql" else sqlite_seconds("time")
    op.execute("DELETE FROM log_totals")
    op.execute("DELETE FROM log_days")
    op.execute(
        "INSERT INTO log_totals (username, type, logs, miles, feel)"
        " SELECT username, type, COUNT(*), COALESCE(SUM(miles), 0), COALESCE(SUM(feel), 0)"
        " FROM logs WHERE deleted IS FALSE GROUP BY username, type"
    )
    # The only variable part is this file's own SQL for the seconds.
    fill_days = (
        "INSERT INTO log_days (username, date, type, logs, miles, seconds, feel)"  # noqa: S608
        f" SELECT username, date, type, COUNT(*), COALESCE(SUM(miles), 0),"
        f" COALESCE(SUM({seconds}), 0), COALESCE(SUM(feel), 0)"
        " FROM logs WHERE deleted IS FALSE GROUP BY username, date, type"
    )
    op.get_bind().exec_driver_sql(fill_days)


def upgrade() -> None:
    """Create log_days and the triggers, then fill both aggregate tables from the logs."""
    bind = op.get_bind()
    dialect = "mysql" if bind.dialect.name in ("mysql", "mariadb") else "sqlite"
    # MySQL DDL commits as it goes: after a refused trigger (binary logging without SUPER) the
    # table exists, and the upgrade run again once that is sorted out resumes from it.
    if "log_days" not in sa.inspect(bind).get_table_names():
        op.create_table(
            "log_days",
            sa.Column("username", sa.String(20), nullable=False),
            sa.Column("date", sa.Date(), nullable=False),
            sa.Column("type", sa.String(40), nullable=False),
            sa.Column("logs", sa.Integer(), nullable=False),
            sa.Column("miles", sa.Double(), nullable=False),
            sa.Column("seconds", sa.BigInteger(), nullable=False),
            sa.Column("feel", sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(
                ["username"], ["users.username"], name="fk_log_days_username_users"
            ),
            sa.ForeignKeyConstraint(["type"], ["types.type"], name="fk_log_days_type_types"),
            sa.PrimaryKeyConstraint("username", "date", "type", name="pk_log_days"),
        )
        op.create_index("ix_log_days_date", "log_days", ["date"])
    _create_triggers(dialect)
    _fill(dialect)


def downgrade() -> None:
    """Drop the triggers and log_days; log_totals stays (0009's), kept by the ORM again."""
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_log_days_date", table_name="log_days")
    op.drop_table("log_days")
