"""Health checks for nginx, Docker and orchestrators: liveness and readiness."""

from __future__ import annotations

import logging

import falcon
from sqlalchemy import text
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
        except SQLAlchemyError as ex:
            log.warning("readiness: database unreachable: %s", type(ex).__name__)
            raise _not_ready("The database is unreachable.") from ex
        if not at_head:
            raise _not_ready("The database schema is not at the latest migration.")
        resp.media = {
            "self": "/health/ready",
            "status": "ready",
            "database": "ok",
            "links": self.links(req, "api.health"),
        }


def _not_ready(detail: str) -> HTTPProblem:
    return HTTPProblem(
        503, title="Service Unavailable", detail=detail, headers={"Retry-After": DB_RETRY_AFTER}
    )


ENDPOINTS = (
    Endpoint(
        "api.health",
        "GET",
        "/health",
        Health,
        None,
        Auth.NONE,
        "health",
        "Tell whether the process is alive",
        collection="api",
        returns="health",
    ),
    Endpoint(
        "api.ready",
        "GET",
        "/health/ready",
        Health,
        "ready",
        Auth.NONE,
        "ready",
        "Tell whether the API can serve requests (database reachable, schema current)",
        collection="api",
        returns="health",
    ),
)
