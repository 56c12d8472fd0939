"""The Galera stack: 3 nodes + HAProxy (scripts/galera.sh), two uWSGI and nginx (stack.sh).

Private to these tests: its own state (var/galera-test, var/stack-galera) and ports (nginx on
GALERA_STACK_PORT, 18480; HAProxy on GALERA_PORT, 4550, node N on 4550+N; group, IST, SST
and health-check ports from GALERA_BASE, 4510: all below the ephemeral port range). Started
once per session from an empty cluster, stopped (every process, by pid) at the end, pass or
fail.

These tests run only when selected with `-m galera` (scripts/test.sh galera): a plain
`pytest -m "not e2e"` must never start a cluster on a shared machine.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.e2e.conftest import ADMIN, PASSWORD, SECRET_KEY, Stack

ROOT = Path(__file__).resolve().parents[2]
GALERA_SH = ROOT / "scripts" / "galera.sh"
PORT = int(os.environ.get("GALERA_STACK_PORT", "18480"))
GALERA_PORT = int(os.environ.get("GALERA_PORT", "4550"))
DATABASE = "splits_galera_e2e"

ENV = {
    "STACK_DIR": str(ROOT / "var" / "stack-galera"),
    "STACK_PORT": str(PORT),
    "STACK_GALERA": "1",
    "STACK_DATABASE": DATABASE,
    "GALERA_DIR": str(ROOT / "var" / "galera-test"),
    "GALERA_PORT": str(GALERA_PORT),
    "GALERA_BASE": os.environ.get("GALERA_BASE", "4510"),
    "GALERA_EVS": "fast",
    "GALERA_DATABASE": DATABASE,
    "SECRET_KEY": SECRET_KEY,
    "BCRYPT_COST": "4",
    "STACK_READ_TIMEOUT": "20s",
    "STACK_READY_TIMEOUT": "180",
    # Connect fast to HAProxy, and give up on a dead node fast.
    "DB_TIMEOUT": "2",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the cluster tests unless the run selected them with -m galera."""
    expression = config.option.markexpr or ""
    if "galera" in expression and "not galera" not in expression:
        return
    skip = pytest.mark.skip(reason="the Galera tests run with -m galera (scripts/test.sh galera)")
    for item in items:
        if "galera" in item.keywords:
            item.add_marker(skip)


class Cluster(Stack):
    """The stack, plus the cluster's script and direct connections to each node."""

    def galera(self, *args: str, timeout: float = 300) -> str:
        """Run scripts/galera.sh with the stack's settings; return its standard output."""
        return self.run_script(GALERA_SH, *args, timeout=timeout).strip()

    def writer(self) -> int:
        """Return the node HAProxy sends connections to."""
        return int(self.galera("writer"))

    def node_url(self, node: int | None = None) -> str:
        """Return the SQLAlchemy URL of one node (or of HAProxy)."""
        return self.galera("url", *([str(node)] if node else []))

    def node_engine(self, node: int) -> Engine:
        """Return a small engine on one node, bypassing HAProxy."""
        return create_engine(self.node_url(node), pool_size=2, connect_args={"connect_timeout": 3})

    def wait_converged(self, timeout: float = 60) -> None:
        """Wait until every node is Synced and has applied the same last transaction."""
        self.galera("wait-synced", timeout=timeout + 30)
        deadline = time.monotonic() + timeout
        while True:
            seqnos = set()
            for node in (1, 2, 3):
                engine = self.node_engine(node)
                try:
                    with engine.connect() as connection:
                        row = connection.execute(
                            text("SHOW STATUS LIKE 'wsrep_last_committed'")
                        ).one()
                        seqnos.add(row[1])
                finally:
                    engine.dispose()
            if len(seqnos) == 1:
                return
            assert time.monotonic() < deadline, f"nodes did not converge: {seqnos}"
            time.sleep(0.3)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """Start an empty cluster and the stack on it; stop everything at the end."""
    env = {**os.environ, **ENV}
    env.pop("DATABASE_URL", None)
    cluster = Cluster(env=env, port=PORT)
    cluster.script("down", "--all")
    cluster.galera("reset")
    try:
        started = time.monotonic()
        cluster.script("up", timeout=900)
        print(f"\nstack.sh up --galera: {time.monotonic() - started:.1f}s")
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run(
            [python, "-m", "api", "users", "create", "--username", ADMIN, "--email",
             "galera-admin@example.com", "--password", PASSWORD, "--first", "Gal", "--last",
             "Era", "--admin"],
            env={**env, "DATABASE_URL": cluster.node_url()}, cwd=ROOT, check=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        cluster.wait_all_instances("/health/ready")
        yield cluster
    finally:
        cluster.script("down", "--all")
