"""Domain errors: raised by DAOs and resources, mapped to HTTP statuses once in api.errors."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class of errors that the API turns into a problem+json response."""

    status = 400
    title = "Bad Request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        links: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        #: Link objects to what the client should do instead (shown after the link to `/`).
        self.links = links


class InvalidInput(DomainError):
    """Raise when a request is well-formed JSON but breaks a business rule."""


class NotFound(DomainError):
    """Raise when the resource named in the URL does not exist or is soft-deleted."""

    status = 404
    title = "Not Found"


class Forbidden(DomainError):
    """Raise when the caller is authenticated but may not do this."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """Raise when a write collides with existing data (duplicate username, e-mail, membership)."""

    status = 409
    title = "Conflict"


class Gone(DomainError):
    """Raise when the resource named in the URL existed but has expired for good."""

    status = 410
    title = "Gone"


class PreconditionFailed(DomainError):
    """Raise when `If-Match` names a version that is no longer current."""

    status = 412
    title = "Precondition Failed"


class PreconditionRequired(DomainError):
    """Raise when the configuration demands `If-Match` and the request has none."""

    status = 428
    title = "Precondition Required"


class TooManyAttempts(DomainError):
    """Raise when an account or address is throttled; `retry_after` is in seconds."""

    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
