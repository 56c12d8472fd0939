"""Change stamps: a counter per user, group and team that database triggers bump on every change.

Conditional GETs of aggregates and feeds (feeds, range views, leaderboards, statistics, member
lists, snapshots) derive their ETag from these counters instead of from the rows they show, so
a repeated request is answered 304 after one indexed statement (`dao.versions`).

Triggers written by revision 0015 keep the stamps for every writer, the ORM, Core statements,
the legacy API and hand-written SQL alike (docs/database.md lists them):

* `('u', username)`: the user's logs, the comments on their logs, the fields of the user that
  representations show (username, names, member_since, deleted, week_start) and the user's team
  memberships;
* `('g', str(group id))`: the group row, its memberships and its team links;
* `('t', team name)`: the team row and its memberships.

A stamp only grows: rows are never deleted (a missing row reads as 0), so a user, group or team
deleted and created again under the same key never repeats an earlier value. There is no global
counter: a write bumps the rows of its own user, group or team only, so concurrent writers of
different users never wait for one another (nor conflict in Galera's certification).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Connection, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

#: The kinds of stamp: a user's, a group's, a team's.
USER, GROUP, TEAM = "u", "g", "t"


class ChangeStamp(Base):
    """Hold the change counter of one user, group or team (written by triggers only)."""

    __tablename__ = "change_stamps"

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    #: The username, the group id as text, or the team name.
    name: Mapped[str] = mapped_column(String(31), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger, nullable=False)


def bump_every_user(connection: Connection) -> None:
    """Bump every user's stamp, in the connection's transaction.

    For repairs that change what the bodies show without writing the stamped tables (the totals
    that `python -m api db refill-totals` recomputes): every tag that depends on a user moves.
    """
    select_users = (
        "INSERT INTO change_stamps (kind, name, stamp) SELECT 'u', username, 1 FROM users"
    )
    if connection.dialect.name in ("mysql", "mariadb"):
        statement = f"{select_users} ON DUPLICATE KEY UPDATE stamp = change_stamps.stamp + 1"
    else:  # the WHERE tells SQLite's parser that ON CONFLICT is not a join constraint
        statement = (
            f"{select_users} WHERE true ON CONFLICT (kind, name) DO UPDATE SET stamp = stamp + 1"
        )
    connection.execute(text(statement))
