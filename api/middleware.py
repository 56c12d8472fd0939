"""The request's way through the app: request id, DB session, authentication, authorization."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import falcon
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.db import WRITE_INTENT
from api.errors import HTTPProblem, unauthorized
from api.registry import Auth, Registry
from api.security import InvalidToken, TokenService
from api.validation import Schemas
from domain.identity import Principal

log = logging.getLogger(__name__)
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
BODY_METHODS = frozenset({"POST", "PUT"})
#: Methods that do not change anything (RFC 9110 §9.2.1): their transactions begin as reads.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestId:
    """Give every request an id (the client's X-Request-ID when sane) for logs and answers."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Adopt or create the request id and echo it on the response."""
        given = req.get_header("X-Request-ID")
        request_id = given if given and _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        req.context.request_id = request_id
        request_id_var.set(request_id)
        resp.set_header("X-Request-ID", request_id)


class BodyLimit:
    """Refuse a declared body larger than the limit before reading a byte of it (413)."""

    def __init__(self, max_body_bytes: int) -> None:
        self.max_body_bytes = max_body_bytes

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Compare Content-Length with the limit; the media handler bounds chunked bodies."""
        if req.content_length is not None and req.content_length > self.max_body_bytes:
            raise falcon.HTTPContentTooLarge(
                title="Content Too Large",
                description=f"Request bodies are limited to {self.max_body_bytes} bytes.",
            )


class Cors(falcon.CORSMiddleware):
    """Falcon's CORS policy, plus `Vary: Origin` when the answer depends on the caller's origin.

    With a list of allowed origins, the Access-Control-Allow-Origin header echoes the request's
    Origin, so a shared cache must not serve one origin's answer to another.
    """

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        """Apply the CORS policy, then mark the answer as varying by Origin."""
        super().process_response(req, resp, resource, req_succeeded)
        if self.allow_origins != "*":
            resp.append_header("Vary", "Origin")


class RequestContext(falcon.Context):
    """Falcon's request context, whose `db` session is created only when first used.

    Discovery documents, schemas and health checks never touch the database; creating and
    closing a Session they would not use cost about a fifth of such a request (measured).
    """

    @property
    def db(self) -> Session:
        """Return this request's session, creating it on first use."""
        session: Session | None = self.__dict__.get("_db")
        if session is None:
            factory = self.__dict__.get("session_factory")
            if factory is None:
                raise AttributeError("db")
            session = self.__dict__["_db"] = factory()
        return session

    @db.setter
    def db(self, session: Session) -> None:
        self.__dict__["_db"] = session

    def opened_session(self) -> Session | None:
        """Return the session if one was created, without creating it."""
        return self.__dict__.get("_db")

    def discard_session(self, *, invalidate: bool) -> None:
        """Close the session (rolling back), if any; the next use of `db` opens a new one.

        `invalidate` also discards its connections instead of returning them to the pool (the
        node behind them is not fit to serve: api.unit_of_work).
        """
        session: Session | None = self.__dict__.pop("_db", None)
        if session is None:
            return
        if invalidate and isinstance(session.get_bind(), Engine):
            # Only connections the session took from the engine's pool; a session bound to a
            # caller's connection (tests) leaves that connection to its owner.
            session.invalidate()
        else:
            session.close()


_NO_DEFAULT: Any = object()
#: The detail of the 400 for a request that needs a body and has none.
BODY_REQUIRED = "This request needs a JSON body (Content-Type: application/json)."


class Request(falcon.Request):
    """The app's request type: its context opens the database session lazily."""

    context_type = RequestContext

    def get_media(self, default_when_empty: Any = _NO_DEFAULT) -> Any:
        """Return the parsed body; a request without one is a 400 whatever its Content-Type.

        Falcon picks the media handler by Content-Type before it looks at the body, so an empty
        request would answer 415 or 400 depending on the server: wsgiref (`python -m api serve`)
        supplies `text/plain` when the client sent no Content-Type, uWSGI and nginx send none.
        A Content-Type that describes no body is ignored, so every server answers alike.
        """
        if not has_body(self):
            if default_when_empty is not _NO_DEFAULT:
                return default_when_empty
            raise HTTPProblem(400, title="Bad Request", detail=BODY_REQUIRED)
        if default_when_empty is _NO_DEFAULT:
            return super().get_media()
        return super().get_media(default_when_empty)

    media = property(get_media)  # falcon binds `media` to its own get_media


class DatabaseSession:
    """Give every request a session (created on first use) and always close it.

    Closing rolls back anything left uncommitted and returns the connection to the pool.
    """

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Let the request open a session when it needs one; it connects only when used."""
        req.context.session_factory = self.session_factory
        WRITE_INTENT.set(req.method not in SAFE_METHODS)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        """Close the session if the request opened one, returning its connection to the pool."""
        context = req.context
        if isinstance(context, RequestContext):
            session = context.opened_session()
        else:
            session = getattr(context, "db", None)
        if session is not None:
            session.close()


class Authentication:
    """Turn a Bearer token into `req.context.user`; no header means anonymous.

    The user row is read on every authenticated request (one primary-key lookup) so that soft
    deletion, password changes and revoked sessions take effect immediately.
    """

    def __init__(self, tokens: TokenService, load_principal: Callable[..., Principal | None]):
        self.tokens = tokens
        self.load_principal = load_principal

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Verify the token, if any; a bad one is a 401 whatever the route."""
        req.context.user = None
        header = req.get_header("Authorization")
        if not header or req.method == "OPTIONS":
            return
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            # Basic credentials belong to the token endpoint alone, which reads them itself.
            if scheme.lower() == "basic" and req.path.rstrip("/") == "/v2/auth/token":
                return
            raise unauthorized("Use an 'Authorization: Bearer <token>' header.", "invalid_request")
        try:
            claims = self.tokens.verify(token.strip())
        except InvalidToken as ex:
            raise unauthorized(f"The access token is invalid: {ex}.", "invalid_token") from ex
        principal = self.load_principal(req.context.db, claims)
        if principal is None:
            raise unauthorized("The access token has been revoked.", "invalid_token")
        req.context.user = principal


class Authorization:
    """Find the registry entry of the route; refuse disabled routes and callers it denies.

    Deny by default: `create_app` refuses to boot when a routed responder has no registry entry,
    so a request without an entry here is Falcon's own OPTIONS or 405 responder.
    """

    def __init__(self, registry: Registry, schemas: Schemas) -> None:
        self.registry = registry
        self.schemas = schemas

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        """Run the endpoint's static checks, then validate a POST/PUT body against its schema."""
        endpoint = self.registry.find(req.uri_template, req.method)
        if endpoint is None:
            return
        req.context.endpoint = endpoint
        user: Principal | None = req.context.user
        if endpoint.auth is not Auth.NONE and user is None:
            raise unauthorized("This endpoint needs a Bearer access token.", "invalid_request")
        if endpoint.disabled:  # after authentication, as the legacy API did
            raise HTTPProblem(403, title="Forbidden", detail="This endpoint is disabled.")
        if endpoint.auth is Auth.ADMIN or endpoint.owner_param:
            owner = params.get(endpoint.owner_param) if endpoint.owner_param else None
            if owner is not None and user is not None and _is_email_of(owner, user):
                owner = user.username  # callers may name themselves by e-mail (legacy-v2 §1.5)
            if not endpoint.permits(user, owner=owner):
                raise HTTPProblem(
                    403, title="Forbidden", detail=f"You may not {_lower_first(endpoint.title)}."
                )
        if endpoint.schema and req.method in BODY_METHODS and has_body(req):
            # Without a body the responder's get_media() answers 400 (or, for the token
            # endpoint, reads HTTP Basic credentials instead).
            self.schemas.validate(endpoint.schema, req.get_media())


def has_body(req: falcon.Request) -> bool:
    """Tell whether the request carries a body (a non-zero length, or a chunked one)."""
    return bool(req.content_length) or req.get_header("Transfer-Encoding") is not None


def _is_email_of(identifier: str, user: Principal) -> bool:
    return bool(user.email) and identifier.lower() == (user.email or "").lower()


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
