"""`python -m api seed`: fill the configured database with a generated team dataset."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import orjson

from api.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of `python -m api seed`."""
    parser.add_argument("--users", type=int, required=True, help="number of users")
    parser.add_argument("--logs", type=int, required=True, help="number of logs (over two years)")
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
    from api.db import make_engine, make_session_factory
    from api.security import PasswordHasher
    from dao.errors import DomainError
    from dao.seed import DEFAULT_PASSWORD, SeedDao, SeedPlan

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
