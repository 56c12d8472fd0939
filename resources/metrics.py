"""`GET /metrics`: the Prometheus text exposition, for the operators' scraper only."""

from __future__ import annotations

import falcon

from api import metrics
from api.errors import HTTPProblem
from api.registry import Auth, Endpoint
from resources.base import Resource


class Metrics(Resource):
    """Serve every process's metrics to the addresses of METRICS_ALLOW."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Send the metrics of every worker and instance, added up (multiprocess mode)."""
        # nginx serves /metrics to the same networks only; this check holds without nginx too.
        if not metrics.allowed(req.remote_addr, self.config.metrics_networks):
            raise HTTPProblem(
                403,
                title="Forbidden",
                detail="Metrics are served to the operators' network only.",
            )
        body, content_type = metrics.exposition()
        resp.content_type = content_type
        resp.set_header("Cache-Control", "no-store")
        resp.data = body


ENDPOINTS = (
    Endpoint(
        name="api.metrics",
        method="GET",
        template="/metrics",
        resource=Metrics,
        suffix=None,
        # Not a user's business: no token, but only from METRICS_ALLOW (and nginx's own list).
        auth=Auth.NONE,
        rel="metrics",
        title="Read the Prometheus metrics (operators' network only)",
        collection="api",
        statuses=(403,),
        media_type="text/plain",
    ),
)
