"""The authenticated caller of a request, as every layer sees it."""

from __future__ import annotations

from dataclasses import dataclass

from domain.roles import SiteRole


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of a request."""

    username: str
    email: str | None
    role: str
    session_id: str | None = None
    #: The caller's names as stored, which their new logs copy.
    first: str = ""
    last: str = ""

    @property
    def is_admin(self) -> bool:
        """Tell whether the caller is a site admin."""
        return self.role == SiteRole.ADMIN
