"""One problem+json (RFC 9457) shape for every error, the framework's own included.

Every problem document's `type` is a stable URI that clients can switch on: `/problems/<name>`,
one per row of `PROBLEM_TYPES`, each served as a short page that says what it means and what to
do (resources/problems.py). Domain errors (dao/errors.py) carry no HTTP status: `DOMAIN_ERRORS`
maps each to its problem type, once; other errors (Falcon's own, the middleware's) get the type
of their status from `STATUS_TYPES` unless they name one. docs/errors.md lists them all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import falcon
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from dao.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TooManyAttempts,
    ValidationFailed,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEMS_PREFIX = "/problems"
ROOT_LINK = {"rel": "root", "href": "/", "method": "GET", "title": "API root"}
DB_RETRY_AFTER = "5"
DEFAULT_DETAILS = {
    404: "There is no resource at this path; start from / and follow links.",
    405: "This method is not allowed on this resource; the Allow header lists those that are.",
    415: "Send JSON (application/json; PATCH also takes merge-patch+json or json-patch+json).",
}


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One kind of problem: its `type` URI's name, its status, title and what it means."""

    name: str
    status: int
    title: str
    description: str
    #: Who sends it besides the app: "proxy" for the statuses only nginx produces.
    source: str = "api"

    @property
    def uri(self) -> str:
        """Return the `type` member: a path-absolute URI, served by `GET /problems/<name>`."""
        return f"{PROBLEMS_PREFIX}/{self.name}"


MALFORMED_REQUEST = ProblemType(
    "malformed-request",
    400,
    "Malformed Request",
    "The request could not be read: the body is not JSON (or is empty, too deep, or holds "
    "NaN or lone surrogates), a header or query parameter is malformed, or the request line "
    "is broken. Fix the request; sending it again unchanged fails the same way.",
)
VALIDATION_FAILED = ProblemType(
    "validation-failed",
    400,
    "Validation Failed",
    "The body does not match its JSON Schema (linked from the endpoint's entry in "
    "/v2/<collection>/links and in the OpenAPI document). `errors` lists every failing "
    "field as {path, message}, with `path` a JSON pointer into the body.",
)
INVALID_INPUT = ProblemType(
    "invalid-input",
    400,
    "Invalid Input",
    "The request is well-formed but breaks a rule of the domain (a bad parameter, a date "
    "range the wrong way round, a patch operation that cannot apply, a wrong code). `detail` "
    "says which; `errors`, when present, points at the fields.",
)
UNAUTHORIZED = ProblemType(
    "unauthorized",
    401,
    "Unauthorized",
    "No access token where one is needed, or a bad, expired or revoked one. The "
    "WWW-Authenticate header carries the RFC 6750 error code; get a token from "
    "POST /v2/auth/token (or refresh it) and send it as 'Authorization: Bearer <token>'.",
)
FORBIDDEN = ProblemType(
    "forbidden",
    403,
    "Forbidden",
    "The caller is known but may not do this: not the owner, not an admin of the group, "
    "or the endpoint is disabled. A link that the API shows you never leads here.",
)
NOT_FOUND = ProblemType(
    "not-found",
    404,
    "Not Found",
    "There is no resource at this path, or it was deleted. Start from / and follow links.",
)
METHOD_NOT_ALLOWED = ProblemType(
    "method-not-allowed",
    405,
    "Method Not Allowed",
    "The resource exists but does not take this method; the Allow header lists those it does.",
)
CONFLICT = ProblemType(
    "conflict",
    409,
    "Conflict",
    "The change collides with existing data (a duplicate username, e-mail or membership) "
    "or with a concurrent change of the same row. Read the resource again and decide.",
)
GONE = ProblemType(
    "gone",
    410,
    "Gone",
    "The resource existed but has expired for good (an old code or confirmation); ask for a "
    "new one.",
)
STALE_PRECONDITION = ProblemType(
    "stale-precondition",
    412,
    "Precondition Failed",
    "If-Match names a version that is no longer current: someone changed the resource since "
    "you read it. GET it again (for its new ETag), reapply your change and send it again.",
)
PAYLOAD_TOO_LARGE = ProblemType(
    "payload-too-large",
    413,
    "Content Too Large",
    "The body is larger than the server accepts (1 MiB); send less.",
)
URI_TOO_LONG = ProblemType(
    "uri-too-long",
    414,
    "URI Too Long",
    "The request target is too long for the proxy; shorten the path or query.",
    source="proxy",
)
UNSUPPORTED_MEDIA_TYPE = ProblemType(
    "unsupported-media-type",
    415,
    "Unsupported Media Type",
    "The body's Content-Type is not accepted here: send application/json (PATCH also takes "
    "application/merge-patch+json and application/json-patch+json).",
)
IDEMPOTENCY_KEY_REUSED = ProblemType(
    "idempotency-key-reused",
    422,
    "Idempotency Key Reused",
    "This Idempotency-Key was already used by the caller for a different request (another "
    "method, path or body). Use a new key for a new request.",
)
PRECONDITION_REQUIRED = ProblemType(
    "precondition-required",
    428,
    "Precondition Required",
    "This server requires If-Match on changes: GET the resource, then send its ETag in "
    "If-Match with the change.",
)
TOO_MANY_REQUESTS = ProblemType(
    "too-many-requests",
    429,
    "Too Many Requests",
    "Too many attempts for this account or address (or from this address, at the proxy). "
    "Wait for the number of seconds in Retry-After.",
)
HEADERS_TOO_LARGE = ProblemType(
    "request-header-fields-too-large",
    431,
    "Request Header Fields Too Large",
    "A request header is too large for the proxy; send smaller headers.",
    source="proxy",
)
INTERNAL_ERROR = ProblemType(
    "internal-error",
    500,
    "Internal Server Error",
    "An unexpected error: nothing about it is shown, but it is logged with the request_id of "
    "the body (and the X-Request-ID header); quote it when you report it.",
)
BAD_GATEWAY = ProblemType(
    "bad-gateway",
    502,
    "Bad Gateway",
    "The proxy found no API instance that could answer; try again shortly.",
    source="proxy",
)
SERVICE_UNAVAILABLE = ProblemType(
    "service-unavailable",
    503,
    "Service Unavailable",
    "The database (or the mail server a request needs) is unavailable; nothing changed. Try "
    "again after the number of seconds in Retry-After.",
)
GATEWAY_TIMEOUT = ProblemType(
    "gateway-timeout",
    504,
    "Gateway Timeout",
    "The API did not answer the proxy in time; try again shortly. A write may have happened: "
    "read before you repeat it, or send it with an Idempotency-Key.",
    source="proxy",
)

#: Every problem type, in status order: the `type` URIs clients can switch on.
PROBLEM_TYPES: tuple[ProblemType, ...] = (
    MALFORMED_REQUEST,
    VALIDATION_FAILED,
    INVALID_INPUT,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    CONFLICT,
    GONE,
    STALE_PRECONDITION,
    PAYLOAD_TOO_LARGE,
    URI_TOO_LONG,
    UNSUPPORTED_MEDIA_TYPE,
    IDEMPOTENCY_KEY_REUSED,
    PRECONDITION_REQUIRED,
    TOO_MANY_REQUESTS,
    HEADERS_TOO_LARGE,
    INTERNAL_ERROR,
    BAD_GATEWAY,
    SERVICE_UNAVAILABLE,
    GATEWAY_TIMEOUT,
)
PROBLEMS_BY_NAME = {problem_type.name: problem_type for problem_type in PROBLEM_TYPES}

#: The one mapping of domain errors to HTTP: the most specific class in an error's MRO wins.
DOMAIN_ERRORS: dict[type[DomainError], ProblemType] = {
    DomainError: INVALID_INPUT,
    InvalidInput: INVALID_INPUT,
    ValidationFailed: VALIDATION_FAILED,
    NotFound: NOT_FOUND,
    Forbidden: FORBIDDEN,
    Conflict: CONFLICT,
    Gone: GONE,
    PreconditionFailed: STALE_PRECONDITION,
    PreconditionRequired: PRECONDITION_REQUIRED,
    TooManyAttempts: TOO_MANY_REQUESTS,
}

#: The type of an HTTP error that names none (Falcon's own errors, the middleware's).
STATUS_TYPES: dict[int, ProblemType] = {
    400: MALFORMED_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    410: GONE,
    412: STALE_PRECONDITION,
    413: PAYLOAD_TOO_LARGE,
    414: URI_TOO_LONG,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: IDEMPOTENCY_KEY_REUSED,
    428: PRECONDITION_REQUIRED,
    429: TOO_MANY_REQUESTS,
    431: HEADERS_TOO_LARGE,
    500: INTERNAL_ERROR,
    502: BAD_GATEWAY,
    503: SERVICE_UNAVAILABLE,
    504: GATEWAY_TIMEOUT,
}


def domain_problem_type(error: type[DomainError]) -> ProblemType:
    """Return the problem type of a domain error class (its nearest mapped ancestor's)."""
    for cls in error.__mro__:
        if cls in DOMAIN_ERRORS:
            return DOMAIN_ERRORS[cls]
    raise TypeError(f"{error.__name__} is not a DomainError")


def status_problem_type(status: int) -> ProblemType | None:
    """Return the problem type for an error of `status` that names none, if there is one."""
    return STATUS_TYPES.get(status)


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
        problem_type: ProblemType | None = None,
    ) -> None:
        super().__init__(status, title=title, description=detail, headers=headers)
        self.errors = errors
        self.links = links
        #: The problem's type; None means the type of its status (`STATUS_TYPES`).
        self.problem_type = problem_type


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
    problem_type = getattr(ex, "problem_type", None) or status_problem_type(status)
    if problem_type is not None:
        # RFC 9457: the title is the type's, the same for every occurrence of it.
        type_uri, title = problem_type.uri, problem_type.title
    else:  # a status no row describes (tests/api/test_problem_types.py keeps this unused)
        # Falcon titles its own errors with the status line ("404 Not Found"); RFC 9457 wants
        # the phrase, the same for every problem of that type.
        phrase = HTTPStatus(status).phrase
        title = ex.title if ex.title and not ex.title[:3].isdigit() else phrase
        type_uri = "about:blank"
    body: dict[str, Any] = {
        "type": type_uri,
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
    """Map a domain error to its problem type and HTTP status, once, for the whole app."""
    problem_type = domain_problem_type(type(ex))
    headers = None
    if isinstance(ex, TooManyAttempts):
        headers = {"Retry-After": str(ex.retry_after)}
    raise HTTPProblem(
        problem_type.status,
        detail=ex.detail,
        errors=ex.errors,
        headers=headers,
        links=ex.links,
        problem_type=problem_type,
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
