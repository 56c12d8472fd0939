"""Typed configuration, read once from environment variables (12-factor)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'splits.db'}"
DEFAULT_DISABLED_ROUTES = ("DELETE /v2/users/{username}",)
DEFAULT_MAIL_FROM = "Splits <no-reply@splits.invalid>"
#: Who may read GET /metrics when METRICS_ALLOW is unset: this host only.
DEFAULT_METRICS_ALLOW = ("127.0.0.1/32", "::1/128")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse addresses and CIDR networks (METRICS_ALLOW); raise ValueError on a bad one."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


class ConfigError(ValueError):
    """Raise when an environment variable holds a value the app cannot use."""


def _bool(value: str) -> bool:
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def _list(value: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(sep) if item.strip())


def _switch_interval(value: str) -> float:
    milliseconds = float(value)
    if not 0.05 <= milliseconds <= 100:
        raise ConfigError(f"GIL_SWITCH_INTERVAL_MS must be 0.05-100 ms, not {value}")
    return milliseconds


def _networks(value: str) -> tuple[str, ...]:
    networks = _list(value)
    try:
        parse_networks(networks)
    except ValueError as ex:
        raise ConfigError(f"METRICS_ALLOW: {ex}") from ex
    return networks


def _dev_secret_key() -> str:
    """Return a development secret generated once into ./var, so tokens survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        log.warning("SECRET_KEY is not set: generated a development key in %s", path)
    return path.read_text().strip()


@dataclass(frozen=True, slots=True)
class Config:
    """Hold every setting of the app; build it with `Config.from_env()` or directly in tests."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default="", repr=False)
    environment: str = "development"
    jwt_issuer: str = "splits"
    jwt_audience: str = "splits-api"
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    bcrypt_cost: int = 12
    login_max_failures: int = 5
    login_window: int = 15 * 60
    login_lockout: int = 15 * 60
    #: Failed logins per account, across every spelling of it, before a silent lock.
    login_account_max_failures: int = 10
    #: Notifications one user may send per window, then blocked for the lockout.
    notification_limit: int = 30
    notification_window: int = 10 * 60
    notification_lockout: int = 10 * 60
    #: Public `GET /v2/users/lookup/{u}` calls per client address per window.
    lookup_limit: int = 30
    lookup_window: int = 10 * 60
    lookup_lockout: int = 10 * 60
    disabled_routes: tuple[str, ...] = DEFAULT_DISABLED_ROUTES
    require_if_match: bool = False
    cors_origins: tuple[str, ...] = ()
    smtp_url: str = ""
    mail_from: str = DEFAULT_MAIL_FROM
    max_body_bytes: int = 1024 * 1024
    db_pool_size: int = 5
    db_timeout: int = 3
    #: Runs of a request's unit of work on a transient database error (1213, 1205, 1047).
    db_attempts: int = 4
    #: SET SESSION wsrep_sync_wait on every connection (Galera: reads wait for the node to
    #: catch up with the cluster; None leaves the server's setting).
    db_wsrep_sync_wait: int | None = None
    #: Seconds an Idempotency-Key and its stored answer are kept.
    idempotency_key_ttl: int = 24 * 3600
    #: How long a thread may hold the GIL while others wait for it, in ms (Python's default is
    #: 5). Set in each uWSGI worker (api/wsgi.py): a thread back from a MariaDB round trip waits
    #: up to this long behind a busy thread, on every round trip (docs/performance.md, "The tail").
    gil_switch_interval_ms: float = 0.5
    log_level: str = "INFO"
    log_format: str = "json"
    metrics_allow: tuple[str, ...] = DEFAULT_METRICS_ALLOW

    @property
    def metrics_networks(self) -> tuple[Network, ...]:
        """Return the networks that may read GET /metrics (METRICS_ALLOW, parsed)."""
        return parse_networks(self.metrics_allow)

    @property
    def is_production(self) -> bool:
        """Tell whether the app runs in production, where unsafe defaults are refused."""
        return self.environment == "production"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read the configuration from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        environment = env.get("SPLITS_ENV", "development")
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key:
            if environment == "production":
                raise ConfigError("SECRET_KEY must be set in production")
            secret_key = _dev_secret_key()
        if len(secret_key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters")
        try:
            return cls(
                database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
                secret_key=secret_key,
                environment=environment,
                jwt_issuer=env.get("JWT_ISSUER", "splits"),
                jwt_audience=env.get("JWT_AUDIENCE", "splits-api"),
                access_token_ttl=int(env.get("ACCESS_TOKEN_TTL", 15 * 60)),
                refresh_token_ttl=int(env.get("REFRESH_TOKEN_TTL", 30 * 24 * 3600)),
                bcrypt_cost=int(env.get("BCRYPT_COST", 12)),
                login_max_failures=int(env.get("LOGIN_MAX_FAILURES", 5)),
                login_window=int(env.get("LOGIN_WINDOW", 15 * 60)),
                login_lockout=int(env.get("LOGIN_LOCKOUT", 15 * 60)),
                login_account_max_failures=int(env.get("LOGIN_ACCOUNT_MAX_FAILURES", 10)),
                notification_limit=int(env.get("NOTIFICATION_LIMIT", 30)),
                notification_window=int(env.get("NOTIFICATION_WINDOW", 10 * 60)),
                notification_lockout=int(env.get("NOTIFICATION_LOCKOUT", 10 * 60)),
                lookup_limit=int(env.get("LOOKUP_LIMIT", 30)),
                lookup_window=int(env.get("LOOKUP_WINDOW", 10 * 60)),
                lookup_lockout=int(env.get("LOOKUP_LOCKOUT", 10 * 60)),
                disabled_routes=_list(
                    env.get("DISABLED_ROUTES", ",".join(DEFAULT_DISABLED_ROUTES))
                ),
                require_if_match=_bool(env.get("REQUIRE_IF_MATCH", "false")),
                cors_origins=_list(env.get("CORS_ORIGINS", "")),
                smtp_url=env.get("SMTP_URL", ""),
                mail_from=env.get("MAIL_FROM", DEFAULT_MAIL_FROM),
                max_body_bytes=int(env.get("MAX_BODY_BYTES", 1024 * 1024)),
                db_pool_size=int(env.get("DB_POOL_SIZE", 5)),
                db_timeout=int(env.get("DB_TIMEOUT", 3)),
                db_attempts=int(env.get("DB_ATTEMPTS", 4)),
                db_wsrep_sync_wait=(
                    int(env["DB_WSREP_SYNC_WAIT"]) if env.get("DB_WSREP_SYNC_WAIT") else None
                ),
                idempotency_key_ttl=int(env.get("IDEMPOTENCY_KEY_TTL", 24 * 3600)),
                gil_switch_interval_ms=_switch_interval(env.get("GIL_SWITCH_INTERVAL_MS", "0.5")),
                log_level=env.get("LOG_LEVEL", "INFO").upper(),
                log_format=env.get("LOG_FORMAT", "json"),
                metrics_allow=_networks(env.get("METRICS_ALLOW", ",".join(DEFAULT_METRICS_ALLOW))),
            )
        except ValueError as ex:
            raise ConfigError(str(ex)) from ex
