"""The collaborators that resources receive through their constructor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import falcon
from sqlalchemy import Engine

from api.config import DEFAULT_MAIL_FROM, Config
from api.links import Linker
from api.mail import Mailer
from api.registry import Registry
from api.security import PasswordHasher, TokenService
from api.validation import Schemas
from dao.base import Dao
from domain.clock import Clock

D = TypeVar("D", bound=Dao)


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a resource needs besides the request: built once by `create_app`."""

    config: Config
    registry: Registry
    linker: Linker
    schemas: Schemas
    passwords: PasswordHasher
    tokens: TokenService
    clock: Clock
    engine: Engine | None = None
    #: Outgoing mail (reset codes, invitations, e-mail changes); without SMTP_URL it logs them.
    mailer: Mailer = field(default_factory=lambda: Mailer(None, DEFAULT_MAIL_FROM))

    def dao(self, cls: Callable[..., D], req: falcon.Request) -> D:
        """Return a DAO of type `cls` over this request's session and the app's clock."""
        return cls(req.context.db, self.clock)
