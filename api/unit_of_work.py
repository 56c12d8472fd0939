"""One request, one unit of work: retried whole on transient database errors, replayed on repeats.

Every responder of the app runs through `UnitOfWork.wrap` (installed by `create_app`, so no
endpoint can forget it):

* **Retry.** On a Galera cluster (docs/operations.md) a transaction can fail for reasons that
  have nothing to do with the request: a certification conflict with a write certified first on
  another node, or a deadlock (MySQL error 1213), a lock wait timeout (1205), a node that is
  not ready (1047, it left the primary component or is still joining). The transaction was
  rolled back entirely, so running the whole responder again (reads included: they decided what
  to write) is safe. That happens here, a bounded number of times, with jittered exponential
  backoff, and only while nothing of the request was committed yet. A lost connection (2013,
  2006) is never retried: the commit may or may not have happened, and only the client, with
  an `Idempotency-Key`, can retry it safely. Exhausted or not retryable: the error goes to
  `api.errors.handle_database_unavailable`, a 503 with `Retry-After`.
* **Idempotency-Key** (draft-ietf-httpapi-idempotency-key-header). An authenticated POST that
  carries the header is done at most once per caller and key: its writes are committed together
  with a row that holds the answer (`models.IdempotencyKey`), in one transaction (`Dao.
  safe_commit` only flushes while `DEFER_COMMIT` is set; the commit happens here). A repeat with
  the same key, method, path and JSON body gets that answer again (status, Location, ETag, body,
  plus `Idempotent-Replayed: true`) without running the responder; the same key with another
  request is 422. Only 2xx answers that wrote something are stored: an error left nothing
  behind, so repeating the request simply tries again. Keys expire after
  `IDEMPOTENCY_KEY_TTL` seconds (24 h).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import falcon
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from api.errors import HTTPProblem
from dao.base import DEFER_COMMIT, DEFERRED_WRITES
from models import IdempotencyKey

log = logging.getLogger(__name__)
T = TypeVar("T")

#: MySQL/MariaDB errors after which the transaction was rolled back and may simply run again.
RETRYABLE_ERRORS = {
    1213: "deadlock or Galera certification conflict",
    1205: "lock wait timeout",
    1047: "node not ready (not in the primary component, or joining)",
}
#: Of those, the errors tied to the node behind the connection: retry on a new connection.
RECONNECT_ERRORS = frozenset({1047})

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
#: The answer's headers a replay repeats, besides Content-Type.
REPLAYED_HEADERS = ("Location", "Content-Location", "ETag", "Last-Modified", "Cache-Control")
MAX_KEY_LENGTH = 255
DEFAULT_KEY_TTL = 24 * 3600

#: Commits of a session so far (a session-wide counter kept by the listener below).
_COMMITS = "splits_commits"


@event.listens_for(Session, "after_commit")
def _count_commit(session: Session) -> None:
    session.info[_COMMITS] = session.info.get(_COMMITS, 0) + 1


def error_code(ex: BaseException) -> int | None:
    """Return the MySQL error number behind a SQLAlchemy error (None when there is none)."""
    args = getattr(getattr(ex, "orig", None), "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def is_retryable(ex: BaseException) -> bool:
    """Tell whether `ex` rolled its transaction back for a reason worth running it again."""
    return isinstance(ex, OperationalError) and error_code(ex) in RETRYABLE_ERRORS


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a unit of work is run again."""

    #: Runs in all, the first included.
    attempts: int = 4
    #: The backoff before run n+1 is drawn from [d/2, d] with d = min(cap, base * 2**n).
    base_delay: float = 0.025
    max_delay: float = 0.5

    def delay(self, attempt: int) -> float:
        """Return the pause after the `attempt`-th failed run (1-based), with jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        # Jitter spreads the retries of two transactions that just collided.
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (not cryptographic)


def run_with_retry(
    session_factory: Callable[[], Session],
    work: Callable[[Session], T],
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `work(session)` and commit, in a fresh session per run, retrying transient errors.

    For code outside a request (commands, tests): the same rules as for a request.
    """
    policy = policy or RetryPolicy()
    attempt = 1
    while True:
        session = session_factory()
        try:
            result = work(session)
            session.commit()
            return result
        except OperationalError as ex:
            if not is_retryable(ex) or attempt >= policy.attempts:
                raise
            log.warning("retrying a unit of work after error %s (run %d)", error_code(ex), attempt)
            if error_code(ex) in RECONNECT_ERRORS:
                session.invalidate()
        finally:
            session.close()
        sleep(policy.delay(attempt))
        attempt += 1


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A POST that carries an Idempotency-Key: whose key, and which request it was sent with."""

    digest: str
    scope: str
    fingerprint: str


class UnitOfWork:
    """Wrap responders so that each request is one retried, optionally idempotent, transaction."""

    def __init__(
        self,
        clock: Callable[[], dt.datetime],
        policy: RetryPolicy | None = None,
        key_ttl: int = DEFAULT_KEY_TTL,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.key_ttl = key_ttl
        self.sleep = sleep

    def wrap(self, responder: Callable[..., None]) -> Callable[..., None]:
        """Return `responder` run as a unit of work (same name and docstring)."""

        @functools.wraps(responder)
        def unit_of_work(req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
            self.run(responder, req, resp, params)

        return unit_of_work

    def run(
        self,
        responder: Callable[..., None],
        req: falcon.Request,
        resp: falcon.Response,
        params: dict[str, Any],
    ) -> None:
        """Run the responder, retrying it whole while that is safe; store or replay keyed POSTs."""
        keyed = self._keyed(req)
        headers = resp.headers
        attempt = 1
        while True:
            session: Session | None = req.context.opened_session()
            commits = session.info.get(_COMMITS, 0) if session is not None else 0
            try:
                if keyed is None:
                    responder(req, resp, **params)
                    return
                if self._replay(req, resp, keyed):
                    return
                req.context.db.info[DEFER_COMMIT] = True
                responder(req, resp, **params)
                if self._store(req, resp, keyed):
                    return
                # A concurrent request with the same key committed first: replay its answer.
                log.info("idempotency key taken concurrently; replaying")
            except OperationalError as ex:
                session = req.context.opened_session()
                committed = session is not None and session.info.get(_COMMITS, 0) != commits
                if not is_retryable(ex) or attempt >= self.policy.attempts or committed:
                    raise
                log.warning(
                    "retrying %s %s after database error %s: %s (run %d of %d)",
                    req.method,
                    req.path,
                    error_code(ex),
                    RETRYABLE_ERRORS[error_code(ex) or 0],
                    attempt,
                    self.policy.attempts,
                )
                req.context.discard_session(invalidate=error_code(ex) in RECONNECT_ERRORS)
                self.sleep(self.policy.delay(attempt))
            else:
                req.context.discard_session(invalidate=False)
            _reset(resp, headers)
            attempt += 1
            if attempt > self.policy.attempts + 1:  # only replays loop without an error
                raise RuntimeError("the idempotency key neither stored nor found")

    def _keyed(self, req: falcon.Request) -> KeyedRequest | None:
        """Read and check the request's Idempotency-Key; None when the request has none."""
        raw = req.get_header(IDEMPOTENCY_HEADER)
        if raw is None or req.method != "POST":
            return None
        key = raw.strip()
        if len(key) >= 2 and key[0] == key[-1] == '"':  # a structured-field string
            key = key[1:-1]
        if not key or len(key) > MAX_KEY_LENGTH or not all(" " < c < "\x7f" for c in key):
            raise HTTPProblem(
                400,
                title="Bad Request",
                detail=f"The {IDEMPOTENCY_HEADER} header must be 1-{MAX_KEY_LENGTH} visible "
                'ASCII characters (optionally in double quotes), e.g. a UUID: "4f1c...".',
            )
        user = getattr(req.context, "user", None)
        if user is None:
            raise HTTPProblem(
                400,
                title="Bad Request",
                detail=f"An {IDEMPOTENCY_HEADER} is accepted on authenticated requests only: "
                "keys are kept per caller.",
            )
        scope = user.username
        media = req.get_media(default_when_empty=None)
        request = json.dumps(
            [req.method, req.path, req.query_string, media],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return KeyedRequest(
            digest=_sha256(f"{scope}\n{key}"),
            scope=scope,
            fingerprint=_sha256(request),
        )

    def _replay(self, req: falcon.Request, resp: falcon.Response, keyed: KeyedRequest) -> bool:
        """Answer from a stored outcome of this key, if there is one; refuse another request."""
        session: Session = req.context.db
        now = self.clock()
        stored = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.key_digest == keyed.digest)
        )
        if stored is None:
            return False
        if stored.expires_at <= now:
            # Expired: the key is free again (the delete commits with this request's writes).
            session.delete(stored)
            session.flush()
            return False
        if stored.fingerprint != keyed.fingerprint:
            raise HTTPProblem(
                422,
                title="Unprocessable Content",
                detail=f"This {IDEMPOTENCY_HEADER} was already used for a different request "
                "(another method, path or body); use a new key for a new request.",
            )
        resp.status = stored.status
        for name, value in json.loads(stored.headers).items():
            resp.set_header(name, value)
        resp.data = stored.body
        resp.set_header(REPLAYED_HEADER, "true")
        return True

    def _store(self, req: falcon.Request, resp: falcon.Response, keyed: KeyedRequest) -> bool:
        """Commit the request's writes with its answer; False when the key was taken meanwhile."""
        session: Session = req.context.db
        if not session.info.pop(DEFERRED_WRITES, False) or not 200 <= resp.status_code < 300:
            # Nothing written (a read, or an answer without a commit): nothing to replay.
            session.info.pop(DEFER_COMMIT, None)
            return True
        body = resp.render_body() or b""
        headers = {"Content-Type": resp.content_type or falcon.MEDIA_JSON}
        headers.update(
            {name: value for name in REPLAYED_HEADERS if (value := resp.get_header(name))}
        )
        now = self.clock()
        session.add(
            IdempotencyKey(
                key_digest=keyed.digest,
                scope=keyed.scope,
                fingerprint=keyed.fingerprint,
                status=resp.status_code,
                headers=json.dumps(headers),
                body=body,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=self.key_ttl),
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
        session.info.pop(DEFER_COMMIT, None)
        return True


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _reset(resp: falcon.Response, headers: dict[str, str]) -> None:
    """Put the response back as it was before the responder ran."""
    for name in resp.headers:
        if name not in headers:
            resp.delete_header(name)
    for name, value in headers.items():
        resp.set_header(name, value)
    resp.status = falcon.HTTP_200
    resp.text = None
    resp.data = None
    resp.media = None
