"""Domain errors: raised by DAOs and resources, mapped to HTTP once in api.errors.

They say what went wrong in the domain's terms and carry no HTTP status: the table
`api.errors.DOMAIN_ERRORS` gives each one its problem type (status, title, `type` URI).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class of errors that the API turns into a problem+json response."""

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


class ValidationFailed(InvalidInput):
    """Raise when a document does not match its JSON Schema; `errors` lists every failure."""


class NotFound(DomainError):
    """Raise when the resource named in the URL does not exist or is soft-deleted."""


class Forbidden(DomainError):
    """Raise when the caller is authenticated but may not do this."""


class Conflict(DomainError):
    """Raise when a write collides with existing data (duplicate username, e-mail, membership)."""


class Gone(DomainError):
    """Raise when the resource named in the URL existed but has expired for good."""


class PreconditionFailed(DomainError):
    """Raise when `If-Match` names a version that is no longer current."""


class PreconditionRequired(DomainError):
    """Raise when the configuration demands `If-Match` and the request has none."""


class TooManyAttempts(DomainError):
    """Raise when an account or address is throttled; `retry_after` is in seconds."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
