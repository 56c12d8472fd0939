"""One problem+json (RFC 9457) shape for every error, the framework's own included."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import falcon
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from dao.errors import DomainError, TooManyAttempts

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
ROOT_LINK = {"rel": "root", "href": "/", "method": "GET", "title": "API root"}
DB_RETRY_AFTER = "5"
DEFAULT_DETAILS = {
    404: "There is no resource at this path; start from / and follow links.",
    405: "This method is not allowed on this resource; the Allow header lists those that are.",
    415: "Send JSON (application/json; PATCH also takes merge-patch+json or json-patch+json).",
}


class HTTPProblem(falcon.HTTPError):
    """An HTTPError that carries the extra members of a problem document (`errors`)."""

    def __init__(
        self,
        status: int | str,
        *,
        title: str | None = None,
        detail: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        links: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(status, title=title, description=detail, headers=headers)
        self.errors = errors
        self.links = links


def unauthorized(detail: str, error: str = "invalid_token") -> HTTPProblem:
    """Return a 401 whose WWW-Authenticate header carries the RFC 6750 error code."""
    return HTTPProblem(
        401,
        title="Unauthorized",
        detail=detail,
        headers={"WWW-Authenticate": f'Bearer realm="splits", error="{error}"'},
    )


def problem(req: falcon.Request, ex: falcon.HTTPError) -> dict[str, Any]:
    """Return the problem document for `ex`, as sent for request `req`."""
    status = ex.status_code
    phrase = HTTPStatus(status).phrase
    # Falcon titles its own errors with the status line ("404 Not Found"); RFC 9457 wants the
    # phrase, the same for every problem of that type.
    title = ex.title if ex.title and not ex.title[:3].isdigit() else phrase
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": ex.description or DEFAULT_DETAILS.get(status, title),
        "instance": req.path,
        "links": [ROOT_LINK, *(getattr(ex, "links", None) or ())],
    }
    errors = getattr(ex, "errors", None)
    if errors:
        body["errors"] = errors
    request_id = getattr(req.context, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return body


def serialize_problem(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError) -> None:
    """Write `ex` as application/problem+json whatever the client asked for."""
    resp.content_type = PROBLEM_JSON
    resp.media = problem(req, ex)
    if ex.status_code == 401 and "WWW-Authenticate" not in (ex.headers or {}):
        resp.set_header("WWW-Authenticate", 'Bearer realm="splits"')


def handle_domain_error(
    req: falcon.Request, resp: falcon.Response, ex: DomainError, params: dict[str, Any]
) -> None:
    """Map a domain error to its HTTP status, once, for the whole app."""
    headers = None
    if isinstance(ex, TooManyAttempts):
        headers = {"Retry-After": str(ex.retry_after)}
    raise HTTPProblem(
        ex.status,
        title=ex.title,
        detail=ex.detail,
        errors=ex.errors,
        headers=headers,
        links=ex.links,
    )


def handle_database_unavailable(
    req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict[str, Any]
) -> None:
    """Answer 503 quickly when the database cannot be reached, instead of hanging or a 500."""
    if (
        isinstance(ex, DBAPIError)
        and not isinstance(ex, OperationalError)
        and not (ex.connection_invalidated)
    ):
        handle_unexpected(req, resp, ex, params)
    log.warning("database unavailable: %s: %s", type(ex).__name__, getattr(ex, "orig", ex))
    raise HTTPProblem(
        503,
        title="Service Unavailable",
        detail="The database is unavailable; try again shortly.",
        headers={"Retry-After": DB_RETRY_AFTER},
    )


def handle_unexpected(
    req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict[str, Any]
) -> None:
    """Log an unexpected exception with its request id; answer a bare 500 (no trace, no SQL)."""
    log.exception("unhandled error on %s %s", req.method, req.path)
    raise HTTPProblem(
        500,
        title="Internal Server Error",
        detail="An unexpected error occurred; quote the request_id when you report it.",
    )


def register_error_handlers(app: falcon.App) -> None:
    """Install the serializer and handlers (Falcon picks the most specific type's handler)."""
    app.set_error_serializer(serialize_problem)
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(DomainError, handle_domain_error)
    app.add_error_handler(OperationalError, handle_database_unavailable)
    app.add_error_handler(PoolTimeoutError, handle_database_unavailable)
