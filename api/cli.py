"""The command line: `python -m api db|users|seed|serve ...`, for README, operators and tests."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from api import seeding
from api.config import Config, ConfigError
from domain.roles import SiteRole

log = logging.getLogger("api.cli")


def _db(args: argparse.Namespace, config: Config) -> int:
    from alembic.util import CommandError

    try:
        return _migrate(args, config)
    # MigrationError, a revision refusing data it cannot migrate, or an unknown revision.
    except (RuntimeError, CommandError) as ex:
        print(f"migration failed: {ex}", file=sys.stderr)
        return 1


def _migrate(args: argparse.Namespace, config: Config) -> int:
    from api import migrations

    if args.action == "upgrade":
        migrations.upgrade(config.database_url, args.revision or "head")
    elif args.action == "downgrade":
        if not args.revision:
            print("db downgrade needs a revision (for example: base)", file=sys.stderr)
            return 2
        migrations.downgrade(config.database_url, args.revision)
    elif args.action == "stamp-legacy":
        migrations.stamp_legacy(config.database_url)
    elif args.action == "refill-totals":
        from sqlalchemy import create_engine

        from models.logs import refill_log_totals
        from models.stamps import bump_every_user

        with create_engine(config.database_url).begin() as connection:
            refill_log_totals(connection)
            bump_every_user(connection)  # the feeds' totals may have changed: new ETags
    elif args.action == "purge-idempotency-keys":
        import datetime as dt

        from sqlalchemy import create_engine, delete

        from models import IdempotencyKey

        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with create_engine(config.database_url).begin() as connection:
            purged = connection.execute(
                delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now)
            ).rowcount
        print(f"purged {purged} expired idempotency keys")
    elif args.action == "current":
        from sqlalchemy import create_engine

        with create_engine(config.database_url).connect() as connection:
            print(migrations.current_revision(connection) or "(empty database)")
    return 0


def _users_create(args: argparse.Namespace, config: Config) -> int:
    from api.db import make_engine, make_session_factory
    from api.security import PasswordHasher, check_password_rules
    from dao.errors import DomainError
    from dao.users import UserDao

    try:
        check_password_rules(args.password)
        engine = make_engine(config.database_url)
        with make_session_factory(engine)() as session:
            UserDao(session).create(
                username=args.username,
                email=args.email,
                password_hash=PasswordHasher(config.bcrypt_cost).hash(args.password),
                first=args.first,
                last=args.last,
                role=SiteRole.ADMIN if args.admin else SiteRole.USER,
            )
    except DomainError as ex:
        print(f"error: {ex.detail}", file=sys.stderr)
        return 1
    print(f"created {'site admin' if args.admin else 'user'} {args.username}")
    return 0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)


def _serve(args: argparse.Namespace, config: Config) -> int:
    from api.app import create_app
    from api.logs import configure_logging

    configure_logging(config)
    app = create_app(config)
    with make_server(args.host, args.port, app, _ThreadingServer, _QuietHandler) as server:
        log.info(
            "Splits listening on http://%s:%d/ (%s)", args.host, args.port, config.database_url
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


def parser() -> argparse.ArgumentParser:
    """Build the argument parser of `python -m api`."""
    top = argparse.ArgumentParser(prog="python -m api", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="migrate the database (DATABASE_URL)")
    db.add_argument(
        "action",
        choices=[
            "upgrade",
            "downgrade",
            "stamp-legacy",
            "current",
            "refill-totals",
            "purge-idempotency-keys",
        ],
    )
    db.add_argument("revision", nargs="?", help="target revision (upgrade: head by default)")
    db.set_defaults(handler=_db)

    users = commands.add_parser("users", help="manage users")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    create = user_commands.add_parser("create", help="create a user (a site admin with --admin)")
    for name in ("username", "email", "password", "first", "last"):
        create.add_argument(f"--{name}", required=True)
    create.add_argument("--admin", action="store_true", help="make the user a site admin")
    create.set_defaults(handler=_users_create)

    seed = commands.add_parser("seed", help="fill the database with a generated dataset")
    seeding.add_arguments(seed)
    seed.set_defaults(handler=seeding.seed)

    serve = commands.add_parser("serve", help="run a development server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    args = parser().parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as ex:
        print(f"configuration error: {ex}", file=sys.stderr)
        return 2
    handler = args.handler
    return int(handler(args, config))
