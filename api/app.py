"""The application factory: config in, a fully wired `falcon.App` out."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import falcon
import falcon.inspect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api import migrations
from api.access import bind_target
from api.config import Config
from api.db import make_engine, make_session_factory
from api.errors import register_error_handlers
from api.links import Linker
from api.mail import Mailer
from api.media import install_media_handlers
from api.metrics import Metrics, instrument_statements, record_build_info
from api.middleware import (
    Authentication,
    Authorization,
    BodyLimit,
    Cors,
    DatabaseSession,
    Request,
    RequestId,
)
from api.registry import Registry, RegistryError, build_registry
from api.routes import RESOURCE_MODULES
from api.security import PasswordHasher, TokenService
from api.services import Services
from api.unit_of_work import RetryPolicy, UnitOfWork
from api.validation import Schemas
from dao.auth import AuthDao
from domain.clock import Clock, utcnow
from resources.discovery import LinksDocuments

EXPOSED_HEADERS = (
    "Link",
    "ETag",
    "Location",
    "X-Request-ID",
    "Retry-After",
    "Accept-Patch",
    "WWW-Authenticate",
    "Idempotent-Replayed",
)


def create_app(
    config: Config | None = None,
    *,
    engine: Engine | None = None,
    session_factory: Callable[[], Session] | None = None,
    clock: Clock = utcnow,
    modules: Iterable[ModuleType] = RESOURCE_MODULES,
    mailer: Mailer | None = None,
) -> falcon.App:
    """Build the WSGI app; refuse to boot when the registry and the routes disagree.

    Tests inject `session_factory` (sessions joined to an outer transaction), `clock` and `mailer`.
    """
    config = config or Config.from_env()
    if session_factory is None:
        engine = engine or make_engine(
            config.database_url,
            pool_size=config.db_pool_size,
            timeout=config.db_timeout,
            wsrep_sync_wait=config.db_wsrep_sync_wait,
        )
        session_factory = make_session_factory(engine)
    registry = build_registry(
        modules, links_resource=LinksDocuments, disabled_routes=config.disabled_routes
    )
    schemas = Schemas()
    missing = {endpoint.schema for endpoint in registry if endpoint.schema} - set(schemas.raw)
    if missing:
        raise RegistryError(f"endpoints name schemas that do not exist: {sorted(missing)}")
    tokens = TokenService(
        secret_key=config.secret_key,
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        ttl=config.access_token_ttl,
        clock=clock,
    )
    services = Services(
        config=config,
        registry=registry,
        linker=Linker(registry),
        schemas=schemas,
        passwords=PasswordHasher(config.bcrypt_cost),
        tokens=tokens,
        clock=clock,
        engine=engine,
        mailer=mailer or Mailer.from_url(config.smtp_url, config.mail_from),
    )
    instrument_statements()
    record_build_info(_version(), migrations.head_revision())
    # Metrics first: it sees every request whole, and routes a refused one to label it.
    metrics = Metrics(registry, router=None)
    middleware: list[Any] = [metrics, RequestId(), BodyLimit(config.max_body_bytes)]
    if config.cors_origins:
        middleware.append(
            Cors(
                allow_origins="*" if "*" in config.cors_origins else list(config.cors_origins),
                expose_headers=list(EXPOSED_HEADERS),
            )
        )
    middleware += [
        DatabaseSession(session_factory),
        Authentication(tokens, lambda db, claims: AuthDao(db, clock).principal(claims)),
        Authorization(registry, schemas),
    ]
    app = falcon.App(middleware=middleware, request_type=Request)
    metrics.router = app._router  # falcon has no public accessor for its router
    app.req_options.strip_url_path_trailing_slash = True
    install_media_handlers(app, config.max_body_bytes)
    register_error_handlers(app)
    unit_of_work = UnitOfWork(
        clock, RetryPolicy(attempts=config.db_attempts), key_ttl=config.idempotency_key_ttl
    )
    instances: dict[type, object] = {}
    for template, (cls, suffix) in registry.routes().items():
        resource = instances.get(cls)
        if resource is None:
            resource = instances[cls] = run_as_units_of_work(cls(services), unit_of_work, services)
        app.add_route(template, resource, suffix=suffix)
    check_routes(app, registry)
    return app


def _version() -> str:
    """Return the installed package's version ("unknown" when run from an uninstalled tree)."""
    try:
        return importlib.metadata.version("splits")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def run_as_units_of_work(resource: object, unit_of_work: UnitOfWork, services: Services) -> object:
    """Wrap every responder (`on_<method>[_suffix]`) of `resource` in the unit of work.

    Inside it, the endpoint's target is loaded and checked (`api.access.bind_target`), so a
    retried unit of work loads it again.
    """
    for name in dir(resource):
        if name.startswith("on_") and callable(responder := getattr(resource, name)):
            setattr(resource, name, unit_of_work.wrap(bind_target(responder, services)))
    return resource


def routed_endpoints(app: falcon.App) -> set[tuple[str, str]]:
    """Return every (template, method) that one of the app's own responders serves."""
    return {
        (route.path, method.method)
        for route in falcon.inspect.inspect_routes(app)
        for method in route.methods
        if not method.internal
    }


def check_routes(app: falcon.App, registry: Registry) -> None:
    """Refuse to boot unless every routed responder is registered and vice versa."""
    routed = routed_endpoints(app)
    declared = set(registry.by_route)
    if routed != declared:
        raise RegistryError(
            f"routes without a registry entry: {sorted(routed - declared)}; "
            f"registry entries without a responder: {sorted(declared - routed)}"
        )
