"""`python -m api seed`: fill the configured database with a generated team dataset.

`--demo` loads the small demo team of seeding/demo.py instead (what `make run` does on an empty
development database) and prints, once, where to go and the site admin's generated password.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import orjson

from api.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of `python -m api seed`."""
    parser.add_argument(
        "--demo",
        action="store_true",
        help="load the small demo team (a dozen runners, a season of logs) and a site admin "
        "whose generated password is printed once; never in production",
    )
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="with --demo: do nothing (quietly) unless the database is empty (no users, teams, "
        "groups or logs)",
    )
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:8000",
        help="with --demo: the server's base URL, to print where to go",
    )
    parser.add_argument("--users", type=int, help="number of users (required without --demo)")
    parser.add_argument("--logs", type=int, help="number of logs over two years (idem)")
    parser.add_argument("--teams", type=int, help="number of teams (default: users / 250)")
    parser.add_argument("--groups", type=int, help="number of groups (default: users / 50)")
    parser.add_argument("--comments", type=int, help="number of comments (default: logs / 4)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument(
        "--until",
        type=dt.date.fromisoformat,
        default=None,
        help="last day of the logs, YYYY-MM-DD (default: today)",
    )
    parser.add_argument("--password", help="every seeded user's password")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="do nothing when the database already holds a dataset at least this large",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def seed(args: argparse.Namespace, config: Config) -> int:
    """Seed the database named by DATABASE_URL; print the summary and the users' password."""
    if args.demo:
        return demo(args, config)
    if args.users is None or args.logs is None:
        print("error: seed needs --users and --logs (or --demo)", file=sys.stderr)
        return 2
    from api.db import make_engine, make_session_factory
    from api.security import PasswordHasher
    from dao.errors import DomainError
    from seeding.dataset import DEFAULT_PASSWORD, SeedDao, SeedPlan

    plan = SeedPlan.sized(
        users=args.users,
        logs=args.logs,
        teams=args.teams,
        groups=args.groups,
        comments=args.comments,
        seed=args.seed,
        until=args.until or dt.date.today(),
        password=args.password or DEFAULT_PASSWORD,
    )
    engine = make_engine(config.database_url, timeout=config.db_timeout)
    try:
        with make_session_factory(engine)() as session:
            seeder = SeedDao(session)
            summary = seeder.existing(plan) if args.reuse else None
            if summary is None:
                plan.check()
                # One bcrypt hash for every user, at the configured (production) cost.
                hashed = PasswordHasher(config.bcrypt_cost).hash(plan.password)
                summary = seeder.run(plan, hashed, None if args.quiet else sys.stderr)
                seeder.analyze()
            elif not args.quiet:
                print("the database already holds this dataset: nothing to do", file=sys.stderr)
    except DomainError as ex:
        print(f"error: {ex.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.json:
        print(orjson.dumps(summary.as_dict()).decode())
    else:
        counts = ", ".join(f"{count} {name}" for name, count in summary.counts.items())
        print(f"seeded in {summary.seconds:.1f}s: {counts}")
        print(
            f"benchmark user '{summary.bench_user}' in group {summary.bench_group_id} "
            f"({summary.bench_group_size} members); logs {summary.first_date}..{summary.last_date}"
        )
        print(f"password of every seeded user: {summary.password}")
    return 0


def demo(args: argparse.Namespace, config: Config) -> int:
    """Load the demo team into an empty database; print where to go and how to log in, once."""
    import secrets

    from api.db import make_engine, make_session_factory
    from api.security import PasswordHasher
    from dao.errors import DomainError
    from seeding.demo import DemoDao

    if config.is_production:
        print(
            "seed --demo: refused with SPLITS_ENV=production (the demo is for development)",
            file=sys.stderr,
        )
        return 0 if args.if_empty else 2
    engine = make_engine(config.database_url, timeout=config.db_timeout)
    try:
        with make_session_factory(engine)() as session:
            dao = DemoDao(session)
            if args.if_empty and not dao.is_empty():
                return 0
            password = secrets.token_urlsafe(12)
            hasher = PasswordHasher(config.bcrypt_cost)
            # The runners share one password nobody is told; the admin can see all of them.
            summary = dao.load(hasher.hash(password), hasher.hash(secrets.token_urlsafe(24)))
    except DomainError as ex:
        print(f"error: {ex.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    counts = summary.counts
    base = args.url.rstrip("/")
    print(
        f"Loaded the demo team '{summary.team}': {counts['users']} users, "
        f"{counts['groups']} groups, {counts['logs']} logs "
        f"({summary.first_date}..{summary.last_date}), {counts['comments']} comments.\n"
        f"Open {base}/docs and log in as '{summary.admin}' with the password: {password}\n"
        "(shown this once: note it now; `python -m api users create` makes more users)"
    )
    return 0
