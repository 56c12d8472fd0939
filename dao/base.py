"""What every DAO shares: a session, a clock, and a commit that never leaves a broken session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dao.errors import Conflict

APP_NAME = "splits"
Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Dao:
    """Base class of the data-access objects: one per aggregate, over one request's session."""

    def __init__(self, session: Session, clock: Clock = _utcnow) -> None:
        self.session = session
        self.clock = clock

    def safe_commit(self, conflict: str = "The change conflicts with existing data.") -> None:
        """Commit, or roll back and raise a domain error the API maps to a 4xx."""
        try:
            self.session.commit()
        except IntegrityError as ex:
            self.session.rollback()
            raise Conflict(conflict) from ex
        except StaleDataError as ex:
            self.session.rollback()
            raise Conflict(
                "The resource was changed by another request; fetch it and retry."
            ) from ex
        # Any other failure leaves the transaction to the request's session, which the
        # DatabaseSession middleware closes (and so rolls back) whatever happens.
