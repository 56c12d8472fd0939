"""What every DAO shares: a session, a clock, and a commit that never leaves a broken session."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dao.errors import Conflict
from domain.clock import Clock, utcnow

APP_NAME = "splits"
#: Session.info flag: flush instead of committing; the request commits its unit of work itself,
#: together with the answer to an Idempotency-Key (api.unit_of_work).
DEFER_COMMIT = "splits_defer_commit"
#: Session.info flag set when a deferred "commit" flushed writes that still await the commit.
DEFERRED_WRITES = "splits_deferred_writes"


class Dao:
    """Base class of the data-access objects: one per aggregate, over one request's session."""

    def __init__(self, session: Session, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    def safe_commit(self, conflict: str = "The change conflicts with existing data.") -> None:
        """Commit, or roll back and raise a domain error the API maps to a 4xx.

        This is where every write of a request is committed, and so where Galera's transient
        failures (certification conflicts 1213, lock wait timeouts 1205, a node not ready 1047)
        surface: they propagate as OperationalError, and api.unit_of_work runs the whole request
        again. Inside a request with an Idempotency-Key the commit is deferred: the writes are
        flushed here (so constraint violations still map to 409 here) and committed by the unit
        of work together with the stored answer.
        """
        try:
            if self.session.info.get(DEFER_COMMIT):
                self.session.flush()
                self.session.info[DEFERRED_WRITES] = True
                return
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
