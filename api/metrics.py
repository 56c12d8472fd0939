"""Prometheus metrics: what operators scrape at `GET /metrics`.

Every figure is labelled by bounded values only: the endpoint's registry name (never the raw
path), the method, the status class. A request that matched no route is `endpoint="unmatched"`,
so a thousand made-up URLs add no series.

Under uWSGI the app runs in several processes (and instances). prometheus_client's multiprocess
mode adds them up: when `PROMETHEUS_MULTIPROC_DIR` is set (uwsgi.ini: `SPLITS_METRICS_DIR`),
every process writes its figures to memory-mapped files there, and a scrape of any process reads
all of them. The directory must exist and be emptied before the first process starts (a stale
file from an earlier run would count again); scripts/stack.sh and uwsgi.ini do that. Without the
variable (tests, `python -m api serve`) the figures live in this process's own registry.

The metric objects are module globals, as prometheus_client intends: one set per process, which
is also what the multiprocess files are keyed by. Tests compare scrapes before and after.
"""

from __future__ import annotations

import contextvars
import ipaddress
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import falcon
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from api.config import Network
from api.registry import Registry

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
NAMESPACE = "splits"
#: The text format every Prometheus server reads (0.0.4); the body is the same in either version.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# `*_created` series double the series count and no dashboard of ours reads them (multiprocess
# mode never has them either, so in-process and uWSGI scrapes have the same shape).
disable_created_metrics()
#: The registry the metrics below are kept in when there is no multiprocess directory.
REGISTRY = CollectorRegistry(auto_describe=True)

#: Seconds: most API answers take a few milliseconds; logins take a bcrypt check (~0.25 s).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATEMENT_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 20, 50)
DB_TIME_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
WAIT_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 3.0)

REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by endpoint (registry name), method and status class.",
    ("endpoint", "method", "status"),
    namespace=NAMESPACE,
    registry=REGISTRY,
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time the app spent on a request (middleware to response), by endpoint, method, status class.",
    ("endpoint", "method", "status"),
    namespace=NAMESPACE,
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "Requests being served right now (every process of every instance).",
    namespace=NAMESPACE,
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
DB_STATEMENTS = Histogram(
    "db_statements_per_request",
    "SQL statements one request ran, by endpoint.",
    ("endpoint",),
    namespace=NAMESPACE,
    buckets=STATEMENT_BUCKETS,
    registry=REGISTRY,
)
DB_SECONDS = Histogram(
    "db_seconds_per_request",
    "Time one request spent executing SQL statements, by endpoint.",
    ("endpoint",),
    namespace=NAMESPACE,
    buckets=DB_TIME_BUCKETS,
    registry=REGISTRY,
)
POOL_CHECKOUTS = Counter(
    "db_pool_checkouts",
    "Connections taken from the connection pool.",
    namespace=NAMESPACE,
    registry=REGISTRY,
)
POOL_WAIT = Histogram(
    "db_pool_wait_seconds",
    "Time spent getting a connection from the pool (waiting for one, or opening a new one).",
    namespace=NAMESPACE,
    buckets=WAIT_BUCKETS,
    registry=REGISTRY,
)
POOL_TIMEOUTS = Counter(
    "db_pool_timeouts",
    "Requests for a connection that gave up after DB_TIMEOUT seconds (answered 503).",
    namespace=NAMESPACE,
    registry=REGISTRY,
)
LOGINS = Counter(
    "logins",
    "Login attempts at POST /v2/auth/token, by outcome: success, failure, throttled.",
    ("outcome",),
    namespace=NAMESPACE,
    registry=REGISTRY,
)
MAILS = Counter(
    "emails",
    "E-mails, by outcome: sent (SMTP accepted), failed, logged (SMTP_URL unset).",
    ("outcome",),
    namespace=NAMESPACE,
    registry=REGISTRY,
)
BUILD_INFO = Gauge(
    "build_info",
    "Always 1; the labels say which version of the code and of the schema is running.",
    ("version", "schema_revision"),
    namespace=NAMESPACE,
    multiprocess_mode="max",
    registry=REGISTRY,
)
for _outcome in ("success", "failure", "throttled"):
    LOGINS.labels(_outcome)
for _outcome in ("sent", "failed", "logged"):
    MAILS.labels(_outcome)


def multiprocess_directory() -> str | None:
    """Return the multiprocess directory, when this process runs in multiprocess mode."""
    return os.environ.get(MULTIPROC_ENV) or None


def exposition() -> tuple[bytes, str]:
    """Return the text exposition of every process's metrics and its content type."""
    directory = multiprocess_directory()
    if directory is None:
        return generate_latest(REGISTRY), CONTENT_TYPE
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry), CONTENT_TYPE


def mark_process_dead(pid: int | None = None) -> None:
    """Drop the live gauges of an exiting process (in-flight requests) from the sums."""
    directory = multiprocess_directory()
    if directory is not None:
        _multiprocess.mark_process_dead(pid or os.getpid(), directory)


def record_build_info(version: str, schema_revision: str) -> None:
    """Publish the running code's version and the schema revision it expects."""
    BUILD_INFO.labels(version, schema_revision).set(1)


# -- Database statements per request -----------------------------------------------------------


@dataclass(slots=True)
class RequestStats:
    """What one request did in the database, counted by the engine events below."""

    statements: int = 0
    seconds: float = 0.0
    started: float = 0.0


_current: contextvars.ContextVar[RequestStats | None] = contextvars.ContextVar(
    "splits_request_stats", default=None
)


def _before_cursor_execute(*args: Any) -> None:
    stats = _current.get()
    if stats is not None:
        stats.started = time.perf_counter()


def _after_cursor_execute(*args: Any) -> None:
    stats = _current.get()
    if stats is not None:
        stats.statements += 1
        stats.seconds += time.perf_counter() - stats.started


def _count_checkout(*args: Any) -> None:
    POOL_CHECKOUTS.inc()


def instrument_statements() -> None:
    """Count every engine's statements for the request running on this thread (idempotent).

    The listeners are on the Engine class, so engines made by tests count too; outside a
    request (the CLI, migrations) the context variable is empty and they do nothing.
    """
    if not event.contains(Engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
        event.listen(Engine, "after_cursor_execute", _after_cursor_execute)


class MeasuredQueuePool(QueuePool):
    """SQLAlchemy's QueuePool, timing how long each request for a connection takes.

    A request finds an idle connection in microseconds; a long time means it waited for another
    thread to give one back (or opened a new connection). A wait past DB_TIMEOUT is a timeout.
    """

    def _do_get(self) -> Any:
        started = time.perf_counter()
        try:
            return super()._do_get()
        except PoolTimeout:
            POOL_TIMEOUTS.inc()
            raise
        finally:
            POOL_WAIT.observe(time.perf_counter() - started)


def instrument_pool(engine: Engine) -> None:
    """Count the checkouts of `engine`'s pool."""
    if not event.contains(engine.pool, "checkout", _count_checkout):
        event.listen(engine.pool, "checkout", _count_checkout)


# -- The middleware ----------------------------------------------------------------------------


class Metrics:
    """Count, time and label every request; placed first, so it sees the whole request.

    The label is the endpoint that the authorization middleware resolved from
    (req.uri_template, req.method). A request refused before routing (a bad token, a body too
    large) is routed here once more so it keeps its endpoint's label; a path that matches no
    route is "unmatched".
    """

    def __init__(self, registry: Registry, router: Any) -> None:
        self.registry = registry
        self.router = router

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Start the clock and the per-request database counters."""
        IN_FLIGHT.inc()
        stats = RequestStats()
        req.context.metrics = (time.perf_counter(), stats, _current.set(stats))

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        """Record the request under its endpoint, method and status class."""
        measured = getattr(req.context, "metrics", None)
        if measured is None:  # refused before this middleware ran: nothing was started
            return
        started, stats, token = measured
        elapsed = time.perf_counter() - started
        _current.reset(token)
        IN_FLIGHT.dec()
        endpoint = self._endpoint_name(req)
        status = f"{resp.status_code // 100}xx"
        REQUESTS.labels(endpoint, req.method, status).inc()
        LATENCY.labels(endpoint, req.method, status).observe(elapsed)
        DB_STATEMENTS.labels(endpoint).observe(stats.statements)
        DB_SECONDS.labels(endpoint).observe(stats.seconds)

    def _endpoint_name(self, req: falcon.Request) -> str:
        endpoint = getattr(req.context, "endpoint", None)
        if endpoint is not None:
            return str(endpoint.name)
        template = req.uri_template
        if template is None:  # refused before routing: find the route the request was for
            route = self.router.find(req.path, req=req)
            template = route[3] if route else None
        found = self.registry.find(template, req.method)
        return found.name if found is not None else UNMATCHED


# -- Who may scrape ----------------------------------------------------------------------------


def allowed(address: str | None, networks: Iterable[Network]) -> bool:
    """Tell whether a client address lies in one of `networks`."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
