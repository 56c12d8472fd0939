"""Health checks for nginx, Docker and orchestrators: liveness and readiness."""

from __future__ import annotations

import logging

import falcon
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from api import migrations
from api.errors import DB_RETRY_AFTER, HTTPProblem
from api.registry import Auth, Endpoint
from resources.base import Resource

log = logging.getLogger(__name__)


class Health(Resource):
    """Answer whether the process is alive and whether it can serve requests."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Say the process is alive; touches nothing else."""
        resp.media = {
            "self": "/health",
            "status": "ok",
            "links": self.links(req, "api.ready", "api.metrics"),
        }

    def on_get_ready(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Check that the database answers and its schema is at the migrations' head."""
        try:
            connection = req.context.db.connection()
            connection.execute(text("SELECT 1"))
            at_head = migrations.is_at_head(connection)
            cluster_state = _galera_state(connection)
        except SQLAlchemyError as ex:
            log.warning("readiness: database unreachable: %s", type(ex).__name__)
            raise _not_ready("The database is unreachable.") from ex
        if cluster_state is not None:
            raise _not_ready(f"The database node is not a synced cluster member ({cluster_state}).")
        if not at_head:
            raise _not_ready("The database schema is not at the latest migration.")
        resp.media = {
            "self": "/health/ready",
            "status": "ready",
            "database": "ok",
            "links": self.links(req, "api.health"),
        }


def _galera_state(connection: Connection) -> str | None:
    """Return what is wrong with the Galera node behind `connection`; None when all is well.

    A node that is joining, donating or out of the primary component must not be written to
    (HAProxy's health check keeps traffic away from it; this says so to the probes too). Not a
    Galera node (SQLite, MySQL, MariaDB without wsrep): nothing to check.
    """
    if connection.dialect.name != "mysql":
        return None
    wsrep_on = connection.execute(text("SHOW VARIABLES LIKE 'wsrep_on'")).first()
    if wsrep_on is None or wsrep_on[1] != "ON":
        return None
    status: dict[str, str] = dict(
        connection.execute(
            text(
                "SHOW STATUS WHERE Variable_name IN "
                "('wsrep_ready', 'wsrep_local_state', 'wsrep_cluster_status')"
            )
        ).all()
    )
    if (
        status.get("wsrep_ready") == "ON"
        and status.get("wsrep_local_state") == "4"
        and status.get("wsrep_cluster_status") == "Primary"
    ):
        return None
    return ", ".join(f"{name}={value}" for name, value in sorted(status.items()))


def _not_ready(detail: str) -> HTTPProblem:
    return HTTPProblem(
        503, title="Service Unavailable", detail=detail, headers={"Retry-After": DB_RETRY_AFTER}
    )


ENDPOINTS = (
    Endpoint(
        name="api.health",
        method="GET",
        template="/health",
        resource=Health,
        suffix=None,
        auth=Auth.NONE,
        rel="health",
        title="Tell whether the process is alive",
        collection="api",
        returns="health",
    ),
    Endpoint(
        name="api.ready",
        method="GET",
        template="/health/ready",
        resource=Health,
        suffix="ready",
        auth=Auth.NONE,
        rel="ready",
        title="Tell whether the API can serve requests (database reachable, schema current)",
        collection="api",
        returns="health",
    ),
)
