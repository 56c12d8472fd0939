"""scripts/galera.sh and stack.sh --galera without running a cluster: syntax, usage, refusals."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GALERA_SH = ROOT / "scripts" / "galera.sh"
STACK_SH = ROOT / "scripts" / "stack.sh"


def run(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_script_parses_and_stops_processes_by_pid_only() -> None:
    assert subprocess.run(["bash", "-n", str(GALERA_SH)], check=False).returncode == 0
    text = GALERA_SH.read_text()
    assert "set -euo pipefail" in text
    assert "pkill" not in text and "killall" not in text


def test_usage_lists_the_commands() -> None:
    done = run(GALERA_SH, "no-such-command")
    assert done.returncode == 2
    for command in ("up", "down", "reset", "kill N", "start N", "writer", "status", "url"):
        assert f"scripts/galera.sh {command}" in done.stderr


def test_urls_go_through_haproxy_or_to_one_node() -> None:
    env = {"GALERA_PORT": "33700", "GALERA_DATABASE": "splits_x"}
    assert run(GALERA_SH, "url", **env).stdout.strip().endswith("@127.0.0.1:33700/splits_x")
    assert run(GALERA_SH, "url", "2", **env).stdout.strip().endswith("@127.0.0.1:33702/splits_x")


@pytest.mark.parametrize("args", [("kill", "4"), ("start", "0"), ("url", "x"), ("kill",)])
def test_bad_node_numbers_are_refused(args: tuple[str, ...]) -> None:
    done = run(GALERA_SH, *args)
    assert done.returncode == 1
    assert "node number expected" in done.stderr


def test_nodes_refuse_tables_without_primary_keys_and_unreplicated_engines() -> None:
    text = GALERA_SH.read_text()
    assert "WSREP_MODE=REQUIRED_PRIMARY_KEY,STRICT_REPLICATION" in text
    assert "--user=mysql" in text  # rsync SST fails when the server runs as root
    assert "--wsrep-recover" in text and "--wsrep-start-position" in text  # IST, not SST


def test_stack_takes_galera_as_a_flag_or_a_setting() -> None:
    assert run(STACK_SH, "url", "--galera", STACK_PORT="18499").stdout.strip() == (
        "http://127.0.0.1:18499"
    )
    done = run(STACK_SH, "status", STACK_GALERA="2")
    assert done.returncode == 1 and "STACK_GALERA must be 0 or 1" in done.stderr
