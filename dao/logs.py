"""Training logs: pages and feeds with their comments, writes that derive miles and pace."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from dao.base import APP_NAME, Dao
from dao.errors import InvalidInput, NotFound
from dao.statistics import accepted_members, active_users, teammates
from dao.training import TrainingError, log_figures
from models import Comment, Log, LogTotal, User

#: The fields of a log that a client writes; miles and pace are derived from them.
WRITABLE_FIELDS = (
    "name",
    "location",
    "date",
    "type",
    "distance",
    "metric",
    "time",
    "feel",
    "description",
)
#: Load a page's live comments in one extra query (newest first, the relationship's order).
WITH_COMMENTS = selectinload(Log.comments.and_(Comment.deleted.is_(False)))
#: The author's names, which a log keeps a copy of.
_NAMES = select(User.first, User.last).where(User.username == bindparam("username"))
#: One live log with its live comments, built once (it is the most read statement); the
#: comments come joined in the same query, one round trip instead of two.
_LIVE_LOG = (
    select(Log)
    .options(joinedload(Log.comments.and_(Comment.deleted.is_(False))))
    .where(Log.deleted.is_(False), Log.log_id == bindparam("log_id"))
)


def log_values(document: dict[str, Any]) -> dict[str, Any]:
    """Return the column values of a log from a schema-valid document (PUT semantics).

    Fields left out become null; miles, time and pace are derived (legacy-v2 §3.1).
    """
    try:
        miles, time, pace = log_figures(
            document.get("distance"), document.get("metric"), document.get("time")
        )
    except TrainingError as ex:
        raise InvalidInput(
            ex.detail, errors=[{"path": f"/{ex.field}", "message": ex.detail}]
        ) from ex
    return {
        "name": document.get("name"),
        "location": document.get("location"),
        "date": dt.date.fromisoformat(document["date"]),
        "type": document["type"],
        "distance": document.get("distance"),
        "metric": document.get("metric"),
        "time": time,
        "feel": document["feel"],
        "description": document.get("description"),
        "miles": miles,
        "pace": pace,
    }


def _same(old: Any, new: Any) -> bool:
    # MySQL FLOAT keeps about 7 significant digits, so a distance read back may differ from
    # the one sent in the last bits; that is not a change.
    if isinstance(old, float) and isinstance(new, int | float):
        return math.isclose(old, new, rel_tol=1e-6)
    return bool(old == new)


class LogDao(Dao):
    """Read and write logs; soft-deleted logs and comments are invisible to every read."""

    def _page(
        self, who: Select[Any] | list[str], *, newest_first: bool, limit: int, offset: int
    ) -> tuple[list[Log], int]:
        """Return a page of the live logs of the usernames `who` selects, and their count.

        The count sums the authors' running totals (one row per author and type) instead of
        counting every log.
        """
        total = self.session.scalar(
            select(func.sum(LogTotal.logs)).where(LogTotal.username.in_(who))
        )
        order = (Log.date.desc(), Log.log_id.desc()) if newest_first else (Log.date, Log.log_id)
        # A deferred join: sort and page the ids through the covering index, then read only
        # the page's rows, instead of reading every matching row to sort it.
        page = (
            select(Log.log_id)
            .where(Log.deleted.is_(False), Log.username.in_(who))
            .order_by(*order)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        logs = self.session.scalars(
            select(Log)
            .options(WITH_COMMENTS)
            .join(page, page.c.log_id == Log.log_id)
            .order_by(*order)
        ).all()
        return list(logs), int(total or 0)

    def page(self, *, limit: int, offset: int) -> tuple[list[Log], int]:
        """Return one page of the logs of active users, oldest first, and the total count."""
        return self._page(active_users(), newest_first=False, limit=limit, offset=offset)

    def feed_for_user(self, username: str, *, limit: int, offset: int) -> tuple[list[Log], int]:
        """Return one page of a user's logs, newest first, and their total count."""
        return self._page([username], newest_first=True, limit=limit, offset=offset)

    def feed_for_group(self, group_id: int, *, limit: int, offset: int) -> tuple[list[Log], int]:
        """Return one page of the logs of a group's accepted members, newest first."""
        return self._page(accepted_members(group_id), newest_first=True, limit=limit, offset=offset)

    def feed_for_teammates(
        self, username: str, *, limit: int, offset: int
    ) -> tuple[list[Log], int]:
        """Return one page of the logs of everyone on `username`'s teams (them included)."""
        return self._page(teammates(username), newest_first=True, limit=limit, offset=offset)

    def get(self, log_id: int) -> Log:
        """Return the live log with this id and its live comments, or raise NotFound."""
        log = self.session.scalars(_LIVE_LOG, {"log_id": log_id}).unique().one_or_none()
        if log is None:
            raise NotFound(f"There is no log with id {log_id}.")
        return log

    def _names(self, username: str) -> tuple[str, str]:
        """Return the user's first and last names, copied onto their logs."""
        names = self.session.execute(_NAMES, {"username": username}).first()
        if names is None:
            raise NotFound(f"There is no user '{username}'.")
        return names.first, names.last

    def create(
        self, username: str, document: dict[str, Any], *, names: tuple[str, str] | None = None
    ) -> Log:
        """Insert a log owned by `username` and commit.

        The log keeps a copy of the owner's first and last `names`, read from the user row
        unless the caller already holds them (the authenticated caller does).
        """
        first, last = names or self._names(username)
        now = self.clock()
        log = Log(
            username=username,
            first=first,
            last=last,
            time_created=now,
            deleted=False,
            created_date=now,
            created_user=username,
            created_app=APP_NAME,
            **log_values(document),
        )
        self.session.add(log)
        self.safe_commit("The log refers to data that does not exist.")
        set_committed_value(log, "comments", [])
        return log

    def update(self, log: Log, document: dict[str, Any], *, by: str) -> bool:
        """Replace the writable fields of `log`; return whether anything changed.

        The owner's current names are copied again, so a renamed user's logs catch up.
        """
        first, last = self._names(log.username)
        new = {**log_values(document), "first": first, "last": last}
        changed = {
            name: value for name, value in new.items() if not _same(getattr(log, name), value)
        }
        if not changed:
            return False
        for name, value in changed.items():
            setattr(log, name, value)
        log.modified_date, log.modified_user, log.modified_app = self.clock(), by, APP_NAME
        self.safe_commit("The log refers to data that does not exist.")
        return True

    def hard_delete(self, log: Log) -> None:
        """Remove the log and every comment on it, in one transaction."""
        self.session.execute(delete(Comment).where(Comment.log_id == log.log_id))
        self.session.delete(log)
        self.safe_commit()

    def soft_delete(self, log: Log, *, by: str) -> None:
        """Flag the log and its live comments deleted, in one transaction."""
        now = self.clock()
        audit = {
            "deleted_date": now,
            "deleted_user": by,
            "deleted_app": APP_NAME,
            "modified_date": now,
            "modified_user": by,
            "modified_app": APP_NAME,
        }
        self.session.execute(
            update(Comment)
            .where(Comment.log_id == log.log_id, Comment.deleted.is_(False))
            .values(deleted=True, version=Comment.version + 1, **audit)
            .execution_options(synchronize_session=False)
        )
        log.deleted = True
        for name, value in audit.items():
            setattr(log, name, value)
        self.safe_commit()
