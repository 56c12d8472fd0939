"""Row-level authorization declared once: the target an endpoint acts on, loaded and checked first.

An endpoint whose rule depends on the row it acts on (OWNER, GROUP_ADMIN) declares a `Target`:
how to load that row from the request (`load`), and whose it is (`scope`). `bind_target` wraps
every responder of the app (`create_app` does it, so none can forget): it loads the target once,
answers 404 when there is none, applies the endpoint's rule (403), checks `If-Match` for a write
(412/428) and hands the row to the responder as `target`, instead of the path fields. The
link builder (`api.links.Linker`) asks the same `Access.allows` with the same `scope`, so a
link is shown exactly when following it would be allowed.

The order of refusals (docs/architecture.md): 401 without a caller, 403 for a disabled route or
a rule the URL alone decides, 400 for a body that fails its schema (those three in the
middleware, `api.middleware.Authorization`), then 404 when the target does not exist (or, for a
target whose existence is itself a secret, such as an activation code, when the caller may not
see it), then 403 when the rule refuses the caller, then 412/428 for a stale or missing
`If-Match`, then the responder's own 400s and 409s.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import falcon

from api.conditional import check_if_match
from api.registry import Auth, Endpoint
from dao.base import Dao
from dao.errors import Forbidden
from dao.memberships import MembershipDao
from domain.identity import Principal

if TYPE_CHECKING:
    from api.services import Services

T = TypeVar("T")
D = TypeVar("D", bound=Dao)
WRITE_METHODS = frozenset({"PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose a target is: what the OWNER and GROUP_ADMIN rules are checked against.

    `owner` is the username an OWNER rule compares with the caller; `group_id` the group whose
    accepted admins a GROUP_ADMIN rule (and, for a target that also belongs to a group such as
    an activation code, the OWNER rule) admits; `team` the team whose accepted admins a
    GROUP_ADMIN rule admits.
    """

    owner: str | None = None
    group_id: int | None = None
    team: str | None = None


def _row_version(row: Any) -> int:
    return int(row.version)


@dataclass(frozen=True, kw_only=True, slots=True)
class Target(Generic[T]):
    """How an endpoint finds the row it acts on, and whose that row is.

    `kind` names the row for people and for the generated authorization tests; `load` returns
    the row or raises NotFound; `scope` says whose it is; `version` gives the row version that
    its ETag and `If-Match` use (None: the target has no representation of its own, so only
    `If-Match: *` matches it and If-Match is never required); `if_match_required` false makes
    If-Match optional even when the configuration requires it (a caller who cannot read the
    ETag, such as someone resetting a forgotten password). A target `within` another (a member
    within a group) is loaded after its parent has been loaded and the rule applied to it, so a
    caller the parent's rule refuses learns nothing about the child; `load` finds the parent in
    `Lookup.parent`.
    """

    kind: str
    load: Callable[[Lookup], T]
    scope: Callable[[T], Scope] = lambda _row: Scope()
    version: Callable[[T], int] | None = _row_version
    if_match_required: bool = True
    within: Target[Any] | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a target's loader may use: the request's DAOs, the caller, the path and the body."""

    req: falcon.Request
    services: Services
    params: Mapping[str, str] = field(default_factory=dict)
    #: The loaded row of the target's `within` target, if it has one.
    parent: Any = None

    def dao(self, cls: Callable[..., D]) -> D:
        """Return a DAO of type `cls` over the request's session and the app's clock."""
        return self.services.dao(cls, self.req)

    @property
    def caller(self) -> Principal | None:
        """Return the authenticated caller, or None when anonymous."""
        return getattr(self.req.context, "user", None)

    def body(self) -> dict[str, Any]:
        """Return the request body (already checked against the endpoint's schema)."""
        media: dict[str, Any] = self.req.get_media()
        return media


class Access:
    """One request's answers to "may the caller do this to that?", asked of the database once."""

    def __init__(self, req: falcon.Request) -> None:
        self.req = req
        self.caller: Principal | None = getattr(req.context, "user", None)
        self._groups: dict[int, bool] = {}
        self._teams: dict[str, bool] = {}

    @classmethod
    def of(cls, req: falcon.Request) -> Access:
        """Return the request's Access, made on first use."""
        access: Access | None = getattr(req.context, "access", None)
        if access is None or access.caller is not getattr(req.context, "user", None):
            access = req.context.access = cls(req)
        return access

    def _memberships(self) -> MembershipDao:
        return MembershipDao(self.req.context.db)

    def know_groups(self, group_ids: Iterable[int]) -> None:
        """Learn in one query which of `group_ids` the caller administers (for a page of them)."""
        unknown = [group_id for group_id in group_ids if group_id not in self._groups]
        if not unknown or self.caller is None or self.caller.is_admin:
            return
        administered = self._memberships().admin_group_ids(self.caller.username, unknown)
        self._groups.update((group_id, group_id in administered) for group_id in unknown)

    def know_teams(self, names: Iterable[str]) -> None:
        """Learn in one query which of the teams `names` the caller administers."""
        unknown = [name for name in names if name not in self._teams]
        if not unknown or self.caller is None or self.caller.is_admin:
            return
        administered = self._memberships().admin_team_names(self.caller.username, unknown)
        self._teams.update((name, name in administered) for name in unknown)

    def administers(self, scope: Scope) -> bool:
        """Tell whether the caller is a site admin or an admin of the scope's group or team."""
        if self.caller is None:
            return False
        if self.caller.is_admin:
            return True
        if scope.group_id is not None:
            self.know_groups([scope.group_id])
            if self._groups.get(scope.group_id):
                return True
        if scope.team is not None:
            self.know_teams([scope.team])
            if self._teams.get(scope.team):
                return True
        return False

    def allows(self, endpoint: Endpoint, scope: Scope | None = None) -> bool:
        """Tell whether the caller may call `endpoint` on a target of this scope."""
        scope = scope or Scope()
        group_admin = False
        if endpoint.auth is Auth.GROUP_ADMIN or (
            endpoint.auth is Auth.OWNER and scope.group_id is not None
        ):
            group_admin = self.administers(scope)
        return endpoint.permits(self.caller, owner=scope.owner, group_admin=group_admin)


def forbidden(endpoint: Endpoint) -> Forbidden:
    """Return the 403 of an endpoint whose rule refuses the caller."""
    return Forbidden(f"You may not {endpoint.title[:1].lower()}{endpoint.title[1:]}.")


def load_and_check(target: Target[T], endpoint: Endpoint, lookup: Lookup) -> T:
    """Load the target (its parent first, if any) and apply the endpoint's rule to each."""
    if target.within is not None:
        parent = load_and_check(target.within, endpoint, lookup)
        lookup = dataclasses.replace(lookup, parent=parent)
    row = target.load(lookup)
    if not Access.of(lookup.req).allows(endpoint, target.scope(row)):
        raise forbidden(endpoint)
    return row


def bind_target(responder: Callable[..., None], services: Services) -> Callable[..., None]:
    """Wrap `responder`: load its endpoint's target, apply the rule and If-Match, pass the row on.

    A responder of an endpoint without a target gets its path fields, as Falcon passes them.
    """

    @functools.wraps(responder)
    def with_target(req: falcon.Request, resp: falcon.Response, **params: str) -> None:
        endpoint: Endpoint | None = getattr(req.context, "endpoint", None)
        target: Target[Any] | None = endpoint.target if endpoint is not None else None
        if endpoint is None or target is None:
            responder(req, resp, **params)
            return
        row = load_and_check(target, endpoint, Lookup(req, services, params))
        if req.method in WRITE_METHODS:
            version = target.version(row) if target.version is not None else None
            required = services.config.require_if_match and target.if_match_required
            check_if_match(req, version, required=required)
        responder(req, resp, target=row)

    return with_target
