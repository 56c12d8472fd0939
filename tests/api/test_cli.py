"""The command line: migrate, create users, serve; all on the configured DATABASE_URL."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from api.cli import main
from api.middleware import BODY_REQUIRED
from models import User

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret-key-0123456789abcdef")
    monkeypatch.setenv("BCRYPT_COST", "4")
    return url


def test_upgrade_then_create_a_site_admin(sqlite_env, capsys):
    assert main(["db", "upgrade"]) == 0
    args = ["--email", "c@example.com", "--password", "long enough", "--first", "C", "--last", "D"]
    assert main(["users", "create", "--username", "coach", *args, "--admin"]) == 0
    assert "created site admin coach" in capsys.readouterr().out
    with create_engine(sqlite_env).connect() as connection:
        user = connection.execute(
            select(User.role, User.password).where(User.username == "coach")
        ).one()
    assert user.role == "admin" and user.password.startswith("$2b$04$")


def test_create_refuses_duplicates_and_weak_passwords(sqlite_env, capsys):
    main(["db", "upgrade"])
    base = ["users", "create", "--email", "c@example.com", "--first", "C", "--last", "D"]
    assert main([*base, "--username", "coach", "--password", "long enough"]) == 0
    assert main([*base, "--username", "coach", "--password", "long enough"]) == 1
    assert main([*base, "--username", "other", "--password", "short"]) == 1
    errors = capsys.readouterr().err
    assert "taken" in errors and "at least 8 characters" in errors


def test_current_and_downgrade(sqlite_env, capsys):
    main(["db", "upgrade"])
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() not in ("", "(empty database)")
    assert main(["db", "downgrade"]) == 2  # a revision is required
    assert main(["db", "downgrade", "base"]) == 0
    main(["db", "current"])
    assert capsys.readouterr().out.strip() == "(empty database)"


def test_refill_totals_recomputes_them_from_the_logs(sqlite_env):
    main(["db", "upgrade"])
    engine = create_engine(sqlite_env)
    with engine.begin() as connection:  # stale aggregates, as after restoring one table
        connection.execute(
            text(
                "INSERT INTO users (username, first, last, password, member_since, activation_code,"
                " email, last_signin, week_start) VALUES ('ann', 'A', 'R', 'x', '2024-01-01',"
                " 'abc123', 'ann@example.com', '2024-01-01', 'monday')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO logs (username, first, last, date, type, miles, feel, time_created,"
                " deleted) VALUES ('ann', 'A', 'R', '2024-01-02', 'run', 4.5, 6, '2024-01-02', 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO log_totals (username, type, logs, miles, feel)"
                " VALUES ('ann', 'bike', 9, 99, 9)"
            )
        )
        connection.execute(text("DELETE FROM log_days"))
    assert main(["db", "refill-totals"]) == 0
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM log_totals")).all()
        days = connection.execute(text("SELECT * FROM log_days")).all()
        stamp = connection.execute(text("SELECT stamp FROM change_stamps WHERE name = 'ann'"))
        # the user's insert and log (triggers), then the refill: the feeds' ETags move
        assert stamp.scalar() == 3
    assert [tuple(row) for row in rows] == [("ann", "run", 1, 4.5, 6)]
    assert [tuple(row) for row in days] == [("ann", "2024-01-02", "run", 1, 4.5, 0, 6)]


def test_purge_idempotency_keys_deletes_the_expired_ones_only(sqlite_env, capsys):
    main(["db", "upgrade"])
    engine = create_engine(sqlite_env)
    with engine.begin() as connection:
        for digest, expires in (
            ("a" * 64, "2000-01-01 00:00:00"),
            ("b" * 64, "2999-01-01 00:00:00"),
        ):
            connection.execute(
                text(
                    "INSERT INTO idempotency_keys (key_digest, scope, fingerprint, status,"
                    " headers, body, created_at, expires_at) VALUES (:d, 'ann', 'f', 201, '{}',"
                    " x'', '2000-01-01 00:00:00', :e)"
                ),
                {"d": digest, "e": expires},
            )
    assert main(["db", "purge-idempotency-keys"]) == 0
    assert "purged 1 " in capsys.readouterr().out
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key_digest FROM idempotency_keys")).all()
    assert [row[0] for row in rows] == ["b" * 64]


def test_production_refuses_to_start_without_a_secret(monkeypatch, capsys):
    monkeypatch.setenv("SPLITS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["db", "current"]) == 2
    assert "SECRET_KEY" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dev_server(sqlite_env):
    """Run `python -m api serve` on a free loopback port; yield its port, stop it after."""
    main(["db", "upgrade"])
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_answers_on_loopback(dev_server):
    with urllib.request.urlopen(f"http://127.0.0.1:{dev_server}/", timeout=5) as response:
        body = json.load(response)
    assert body["self"] == "/" and body["api_name"] == "splits"


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/v2/auth/token"), ("PUT", "/v2/users/a/change_password")]
)
def test_serve_answers_a_write_without_a_body_with_400_not_415(dev_server, method, path):
    # wsgiref fills in `Content-Type: text/plain` when the client sent none.
    connection = http.client.HTTPConnection("127.0.0.1", dev_server, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 400, body
    assert response.getheader("Content-Type") == "application/problem+json"
    assert body["detail"] == BODY_REQUIRED


def test_a_failing_migration_prints_why_instead_of_a_traceback(sqlite_env, capsys):
    main(["db", "upgrade"])
    assert main(["db", "downgrade", "no-such-revision"]) == 1
    assert "migration failed" in capsys.readouterr().err
