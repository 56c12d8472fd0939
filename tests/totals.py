"""The log totals as kept in `log_totals`, and as summed over the live logs: always equal."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Log, LogTotal

Totals = dict[tuple[str, str], tuple[int, float, int]]


def stored(db: Session) -> Totals:
    """The totals as kept, rows fallen back to zero logs left out."""
    rows = db.execute(select(LogTotal).where(LogTotal.logs != 0)).scalars()
    return {(t.username, t.type): (t.logs, round(t.miles, 6), t.feel) for t in rows}


def recomputed(db: Session) -> Totals:
    """The totals summed over the live logs, as a reader would compute them."""
    rows = db.execute(
        select(
            Log.username,
            Log.type,
            func.count(),
            func.coalesce(func.sum(Log.miles), 0.0),
            func.coalesce(func.sum(Log.feel), 0),
        )
        .where(Log.deleted.is_(False))
        .group_by(Log.username, Log.type)
    )
    return {(u, t): (n, round(m, 6), f) for u, t, n, m, f in rows}
