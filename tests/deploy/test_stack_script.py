"""scripts/stack.sh without running the stack: syntax, lint, usage, refusal of bad settings."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STACK_SH = ROOT / "scripts" / "stack.sh"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(STACK_SH), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_script_parses_and_is_strict() -> None:
    assert subprocess.run(["bash", "-n", str(STACK_SH)], check=False).returncode == 0
    text = STACK_SH.read_text()
    assert "set -euo pipefail" in text
    assert "pkill" not in text and "killall" not in text  # processes are stopped by pid only


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck_is_clean() -> None:
    done = subprocess.run(
        ["shellcheck", str(STACK_SH)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


def test_usage_lists_the_commands() -> None:
    done = run("no-such-command")
    assert done.returncode == 2
    for command in ("up", "down", "status", "url", "reload", "kill-api", "start-api"):
        assert f"scripts/stack.sh {command}" in done.stderr


def test_url_follows_the_port() -> None:
    assert run("url", STACK_PORT="18123").stdout.strip() == "http://127.0.0.1:18123"


def test_the_app_reaches_its_own_mariadb_over_the_unix_socket(tmp_path: Path) -> None:
    env = {"MARIADB_DIR": str(tmp_path / "db"), "STACK_DATABASE": "splits_x"}
    socket = run("db-url", **env).stdout.strip()
    assert (
        socket == f"mysql+pymysql://splits:splits@/splits_x?unix_socket={tmp_path}/db/mariadb.sock"
    )
    tcp = run("db-url", STACK_DB_SOCKET="0", MARIADB_PORT="13999", **env).stdout.strip()
    assert tcp == "mysql+pymysql://splits:splits@127.0.0.1:13999/splits_x"
    # A database given by URL is used as given, socket or not.
    given = "mysql+pymysql://u:p@db.example:3306/splits"
    assert run("db-url", STACK_DATABASE_URL=given, **env).stdout.strip() == given


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STACK_PORT", "80; rm -rf /"),
        ("STACK_AUTH_RATE", "lots"),
        ("STACK_READ_TIMEOUT", "forever"),
        ("STACK_INSTANCES", "0"),
        ("STACK_METRICS_ALLOW", "10.0.0.0/8;allow all"),
        ("STACK_DB_SOCKET", "yes"),
    ],
)
def test_bad_settings_are_refused_before_anything_starts(name: str, value: str) -> None:
    done = run("status", **{name: value})
    assert done.returncode == 1
    assert name in done.stderr


def test_an_instance_number_is_required(tmp_path: Path) -> None:
    done = run("kill-api", "x", STACK_DIR=str(tmp_path))
    assert done.returncode == 1
    assert "instance number expected" in done.stderr
