"""`python -m api seed --demo` and what `make run` does with it: a first run with data to see.

The command runs as `make run` runs it, on a fresh SQLite file; the API then serves the data to
the admin whose password was printed, and the README's walk-through works against it unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import time
from pathlib import Path

import pytest
from falcon import testing
from sqlalchemy import create_engine, func, select

from api.app import create_app
from api.cli import main
from api.config import Config
from models import Comment, GroupMember, Log, User
from seeding.demo import ADMIN, GROUPS, RUNNERS, SEASON_DAYS, DemoDao
from tests.totals import recomputed, recomputed_days, stored, stored_days

ROOT = Path(__file__).resolve().parents[2]
PASSWORD_LINE = re.compile(r"log in as '(\w+)' with the password: (\S+)")


@pytest.fixture
def empty_database(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("SECRET_KEY", "demo-test-secret-key-0123456789abcdef")
    monkeypatch.setenv("BCRYPT_COST", "4")
    monkeypatch.delenv("SPLITS_ENV", raising=False)
    url = f"sqlite:///{tmp_path / 'splits.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    return url


def _client(url: str) -> testing.TestClient:
    config = Config(database_url=url, secret_key="x" * 40, environment="test", bcrypt_cost=4)
    return testing.TestClient(create_app(config))


def _first_run(capsys) -> tuple[str, str]:
    started = time.monotonic()
    assert main(["seed", "--demo", "--if-empty", "--url", "http://127.0.0.1:8000"]) == 0
    assert time.monotonic() - started < 5
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/docs" in out
    match = PASSWORD_LINE.search(out)
    assert match, out
    return match.group(1), match.group(2)


def test_the_first_run_loads_the_demo_and_prints_how_to_log_in(empty_database, capsys):
    username, password = _first_run(capsys)
    assert username == ADMIN and len(password) >= 12
    client = _client(empty_database)
    token = client.simulate_post(
        "/v2/auth/token", json={"username": username, "password": password}
    )
    assert token.status_code == 200, token.json
    assert token.json["user"]["username"] == ADMIN
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        users = connection.scalar(select(func.count()).select_from(User))
        logs = connection.execute(select(Log.date, Log.feel, Log.username)).all()
        comments = connection.scalar(select(func.count()).select_from(Comment))
        pending = connection.scalar(select(func.count()).where(GroupMember.status == "pending"))
    engine.dispose()
    assert users == len(RUNNERS) + 1
    assert {username for _, _, username in logs} == {runner[0] for runner in RUNNERS}
    assert 500 < len(logs) < 1500 and comments > 50 and pending == 1
    today = dt.date.today()
    assert max(day for day, _, _ in logs) <= today
    assert min(day for day, _, _ in logs) >= today - dt.timedelta(days=SEASON_DAYS - 1)
    assert all(1 <= feel <= 10 for _, feel, _ in logs)


def test_the_password_is_printed_once_and_a_used_database_is_never_touched(empty_database, capsys):
    _first_run(capsys)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        before = connection.execute(select(User.username, User.password)).all()
    assert main(["seed", "--demo", "--if-empty"]) == 0
    assert capsys.readouterr().out == ""  # nothing loaded, no password shown again
    assert main(["seed", "--demo"]) == 1  # asked for explicitly: refused, not merged
    assert "empty database" in capsys.readouterr().err
    with engine.connect() as connection:
        assert connection.execute(select(User.username, User.password)).all() == before
    engine.dispose()


def test_a_database_with_a_user_of_its_own_is_left_alone(empty_database, capsys):
    assert (
        main(["users", "create", "--username", "zed", "--email", "zed@example.com",
              "--password", "a long password", "--first", "Zed", "--last", "Z"]) == 0
    )  # fmt: skip
    capsys.readouterr()
    assert main(["seed", "--demo", "--if-empty"]) == 0
    assert capsys.readouterr().out == ""
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(User)) == 1
    engine.dispose()


def test_the_demo_never_loads_in_production(empty_database, monkeypatch, capsys):
    monkeypatch.setenv("SPLITS_ENV", "production")
    assert main(["seed", "--demo"]) == 2
    assert "production" in capsys.readouterr().err
    # `make run`'s form skips instead of failing, and loads nothing either.
    assert main(["seed", "--demo", "--if-empty"]) == 0
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(User)) == 0
    engine.dispose()


def test_the_demo_keeps_log_totals_and_a_leaderboard_worth_looking_at(db):
    summary = DemoDao(db).load("x", "y", today=dt.date(2026, 6, 30))
    assert stored(db) == recomputed(db)
    assert stored_days(db) == recomputed_days(db)
    assert set(summary.group_ids) == {name for name, _, _ in GROUPS}
    assert summary.first_date == dt.date(2026, 6, 30) - dt.timedelta(days=SEASON_DAYS - 1)
    # Deterministic: the same day gives the same season.
    assert summary.counts["logs"] == db.scalar(select(func.count()).select_from(Log))


def test_the_readme_walk_through_works_unchanged_against_the_demo(empty_database, capsys):
    _first_run(capsys)
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## A walk through with curl") :]
    section = section[: section.index("\n## ", 5)]
    create = re.search(r"\.venv/bin/python -m api (users create .*?)\n\n", section, re.S)
    assert create, "the walk-through creates a user"
    args = shlex.split(create.group(1).replace("\\\n", " "))
    assert main(args) == 0
    username = args[args.index("--username") + 1]
    password = args[args.index("--password") + 1]
    client = _client(empty_database)
    body = re.search(r"-d '(\{.*?\})'", section)
    assert body and username in body.group(1) and password in body.group(1)
    token = client.simulate_post("/v2/auth/token", body=body.group(1),
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    assert token.status_code == 200, token.json
    auth = {"Authorization": f"Bearer {token.json['access_token']}"}
    # Every GET of the walk-through (the token request is the POST above).
    paths = re.findall(r"curl -s localhost:8000(/[^\s']*)", section)
    paths = [path for path in paths if path != "/v2/auth/token"]
    assert "/v2/users/coach" in paths and len(paths) >= 5
    for path in paths:
        headers = auth if f"localhost:8000{path} -H" in section else {}
        answer = client.simulate_get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.json)
