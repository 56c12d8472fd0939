"""Show what each benchmarked endpoint costs inside the app: SQL statements, plans, profile.

Runs the app in-process (falcon's test client) on DATABASE_URL, the seeded benchmark
database, so it needs no server:

    DATABASE_URL=... python bench/inspect_queries.py --summary seed.json [--explain]
        [--profile KEY] [--only feed,range_view] [--markdown out.md]

For each endpoint it prints the number of SQL statements one request runs (constant, or the
endpoint has an N+1), the time per request in-process, and with --explain the MariaDB
EXPLAIN of every SELECT, run with the request's own parameters.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from falcon import testing
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app
from api.config import Config
from api.db import make_engine
from bench.drive import endpoints


def main() -> int:
    """Parse the command line, then inspect each endpoint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", required=True)
    parser.add_argument("--only")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", help="cProfile this endpoint key")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--markdown", help="write the plans to this Markdown file")
    args = parser.parse_args()
    summary = json.loads(Path(args.summary).read_text())
    config = Config.from_env()
    engine = make_engine(config.database_url, pool_size=2, timeout=config.db_timeout)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    client = testing.TestClient(create_app(config, engine=engine))
    token = _token(client, summary["bench_user"], summary["password"])
    writer = _token(client, summary["writers"][0], summary["password"])
    chosen = endpoints(summary)
    if args.only:
        chosen = [e for e in chosen if e.key in set(args.only.split(","))]
    report = []
    for endpoint in chosen:
        bearer = {"bench": token, "writers": writer}.get(endpoint.token_for or "")
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if endpoint.body:
            headers["Content-Type"] = "application/json"

        def call(endpoint: Any = endpoint, headers: dict[str, str] = headers) -> Any:
            return client.simulate_request(
                endpoint.method, endpoint.path, headers=headers, body=endpoint.body
            )

        statements.clear()
        first = call()
        captured = list(statements)
        repeat = 3 if endpoint.key == "login" else args.repeat
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        per_request = (time.perf_counter() - started) / repeat * 1000
        print(
            f"{endpoint.key:<12} status {first.status_code}  {len(captured)} statements  "
            f"{per_request:.2f} ms/request in-process"
        )
        plans = []
        for statement, parameters in captured:
            if args.explain and statement.lstrip().upper().startswith("SELECT"):
                plans.append((statement, _explain(engine, statement, parameters)))
            else:
                plans.append((statement, None))
        report.append((endpoint, len(captured), per_request, plans))
        if args.profile == endpoint.key:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(repeat):
                call()
            profile.disable()
            pstats.Stats(profile).sort_stats(
                os.environ.get("BENCH_SORT", "cumulative")
            ).print_stats(40)
    if args.markdown:
        Path(args.markdown).write_text(_markdown(report))
    return 0


def _token(client: testing.TestClient, username: str, password: str) -> str:
    answer = client.simulate_post(
        "/v2/auth/token", json={"username": username, "password": password}
    )
    if answer.status_code != 200:
        raise SystemExit(f"login as {username}: {answer.status_code} {answer.text[:200]}")
    return str(answer.json["access_token"])


def _explain(engine: Any, statement: str, parameters: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        cursor.close()
        connection.execute(text("SELECT 1"))
    return rows


def _markdown(report: list[tuple[Any, int, float, list[tuple[str, Any]]]]) -> str:
    lines = []
    for endpoint, count, per_request, plans in report:
        lines += [
            f"### {endpoint.title}: `{endpoint.method} {endpoint.path}`",
            "",
            f"{count} SQL statements per request; {per_request:.2f} ms per request in-process"
            " (single-row primary-key lookups not shown).",
            "",
        ]
        for statement, plan in plans:
            if plan is None or all(row.get("type") == "const" for row in plan):
                continue  # not a SELECT, or primary-key lookups (the caller, the group)
            lines += ["```sql", " ".join(statement.split()), "```", ""]
            columns = ["table", "type", "key", "key_len", "rows", "Extra"]
            lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
            for row in plan:
                cells = [str(row.get(column, "") or "") for column in columns]
                lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
            lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
