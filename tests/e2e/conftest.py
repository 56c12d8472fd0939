"""End-to-end fixtures: the real stack (nginx -> two uWSGI -> MariaDB) from scripts/stack.sh.

The stack of these tests is private: its own state directory, port and MariaDB server
(var/stack-e2e, 127.0.0.1:18180, var/mariadb-e2e on 3318), so stopping its database or killing
its instances never disturbs a developer's `scripts/stack.sh up` or another test run's MariaDB.
It is started once per session and stopped (`down --all`) at the end, pass or fail.

HTTP goes through the standard library only (http.client), one connection per request, and
every load loop in these tests is bounded in both requests and seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from api.errors import PROBLEMS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]
STACK_SH = ROOT / "scripts" / "stack.sh"
MARIADB_SH = ROOT / "scripts" / "mariadb.sh"
HOST = "127.0.0.1"
PORT = int(os.environ.get("E2E_STACK_PORT", "18180"))
SECRET_KEY = "splits-e2e-secret-key-0123456789abcdef-not-for-production"
PASSWORD = "e2e-password-1234"
ADMIN = "e2eadmin"
PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "links"}
ROOT_LINK = {"rel": "root", "href": "/", "method": "GET", "title": "API root"}

STACK_ENV = {
    "STACK_DIR": str(ROOT / "var" / "stack-e2e"),
    "STACK_PORT": str(PORT),
    "STACK_DATABASE": "splits_e2e",
    "MARIADB_DIR": str(ROOT / "var" / "mariadb-e2e"),
    "MARIADB_PORT": os.environ.get("E2E_MARIADB_PORT", "3318"),
    "SECRET_KEY": SECRET_KEY,
    # Cheap hashing: the tests log in often, and the cost is not what they test.
    "BCRYPT_COST": "4",
    # Short enough for the 504 test to wait for it, long enough for any real request here.
    "STACK_READ_TIMEOUT": "8s",
    "STACK_READY_TIMEOUT": "180",
}


@dataclass
class Reply:
    """One HTTP answer, read whole."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float

    def header(self, name: str) -> str | None:
        """Return the header's value (None when absent)."""
        return self.headers.get(name)

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)

    @property
    def upstream(self) -> str | None:
        """Return the uWSGI instance that answered (nginx's debug header, loopback only)."""
        return self.header("X-Splits-Upstream")


def assert_problem(reply: Reply, status: int) -> dict[str, Any]:
    """Check that `reply` is an RFC 9457 problem document of the app's shape; return it."""
    assert reply.status == status, reply.body[:500]
    assert (reply.header("Content-Type") or "").split(";")[0] == PROBLEM_JSON, reply.headers
    document = reply.json()
    assert document.keys() >= PROBLEM_KEYS, document
    assert document["status"] == status
    # A stable problem type of that status, the same from the app and from nginx.
    assert PROBLEMS_BY_NAME[document["type"].removeprefix("/problems/")].status == status
    assert ROOT_LINK in document["links"]
    assert document["title"] and document["detail"]
    assert document["instance"].startswith("/")
    return document


@dataclass
class Stack:
    """The running stack, and the scripts that drive it."""

    env: dict[str, str]
    host: str = HOST
    port: int = PORT
    admin: str = ADMIN
    password: str = PASSWORD
    _token: str | None = field(default=None, repr=False)

    @property
    def state_dir(self) -> Path:
        """Return the stack's state directory (pid files, logs)."""
        return Path(self.env["STACK_DIR"])

    @property
    def upstreams(self) -> set[str]:
        """Return the addresses of both uWSGI instances, as nginx reports them."""
        return {f"{self.host}:{self.port + n}" for n in (1, 2)}

    def run_script(self, script: Path, *args: str, timeout: float) -> str:
        """Run one of the project's scripts with the stack's settings; return its standard output.

        A failure is an AssertionError that shows everything the script printed.
        """
        done = subprocess.run(
            [str(script), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"{script.name} {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    def script(self, *args: str, timeout: float = 300) -> str:
        """Run scripts/stack.sh with the e2e settings; return its standard output."""
        return self.run_script(STACK_SH, *args, timeout=timeout)

    def mariadb(self, *args: str, timeout: float = 120) -> str:
        """Run scripts/mariadb.sh against the e2e server; return its standard output."""
        return self.run_script(MARIADB_SH, *args, timeout=timeout).strip()

    def database_url(self, database: str | None = None) -> str:
        """Return the SQLAlchemy URL of the stack's database (or of another on its server)."""
        env = dict(self.env, MARIADB_DATABASE=database or self.env["STACK_DATABASE"])
        return subprocess.run(
            [str(MARIADB_SH), "url"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 15,
    ) -> Reply:
        """Send one request through nginx on a fresh connection and read the whole answer."""
        sent_headers = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent_headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        return Reply(response.status, response.headers, data, time.monotonic() - started)

    def get(self, path: str, **kwargs: Any) -> Reply:
        """GET `path` through nginx."""
        return self.request("GET", path, **kwargs)

    def token(self) -> str:
        """Return an access token of the admin user (obtained once, waiting out a 429)."""
        if self._token is None:
            deadline = time.monotonic() + 60
            while True:
                reply = self.request(
                    "POST", "/v2/auth/token", {"username": self.admin, "password": self.password}
                )
                if reply.status == 200:
                    self._token = reply.json()["access_token"]
                    break
                assert reply.status == 429, reply.body[:500]
                assert time.monotonic() < deadline, "the token endpoint kept answering 429"
                time.sleep(float(reply.header("Retry-After") or 1))
        return self._token

    def auth(self) -> dict[str, str]:
        """Return the Authorization header of the admin user."""
        return {"Authorization": f"Bearer {self.token()}"}

    def master_pids(self) -> dict[int, int]:
        """Return the master pid of each uWSGI instance that has a pid file."""
        pids = {}
        for n in (1, 2):
            pidfile = self.state_dir / f"api-{n}.pid"
            if pidfile.exists():
                pids[n] = int(pidfile.read_text().strip())
        return pids

    def worker_pids(self, master: int) -> set[int]:
        """Return the worker pids of one uWSGI master."""
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
        ).stdout
        return {int(pid) for pid in out.split()}

    def wait_all_instances(self, path: str = "/health", timeout: float = 60) -> None:
        """Wait (bounded) until both instances answer 200 through nginx again.

        After a failure nginx leaves an instance out for fail_timeout (5 s), so this polls
        until each instance has been seen answering.
        """
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while seen != self.upstreams:
            assert time.monotonic() < deadline, f"only {seen} answered within {timeout}s"
            try:
                reply = self.get(path, timeout=10)
            except OSError:
                time.sleep(0.2)
                continue
            if reply.status == 200 and reply.upstream:
                seen.add(reply.upstream)
            else:
                time.sleep(0.2)


def _seed(stack: Stack) -> None:
    """Create the admin user and a small deterministic team dataset in the e2e database."""
    env = dict(stack.env, DATABASE_URL=stack.database_url())
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "-m", "api", "users", "create", "--username", ADMIN, "--email",
         "e2e-admin@example.com", "--password", PASSWORD, "--first", "End", "--last", "ToEnd",
         "--admin"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [python, "-m", "api", "seed", "--users", "12", "--logs", "150", "--seed", "7",
         "--until", "2026-06-30", "--password", PASSWORD, "--quiet"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """Start the e2e stack on a fresh database; stop all of it (MariaDB too) at the end."""
    env = {**os.environ, **STACK_ENV}
    env.pop("DATABASE_URL", None)
    stack = Stack(env=env)
    # A clean slate: no instance left from an interrupted run, a database with no history.
    stack.script("down", "--all")
    try:
        stack.mariadb("up")
        stack.mariadb("dropdb", env["STACK_DATABASE"])
        started = time.monotonic()
        stack.script("up", timeout=900)
        print(f"\nstack.sh up: {time.monotonic() - started:.1f}s")
        _seed(stack)
        stack.wait_all_instances("/health/ready")
        yield stack
    finally:
        stack.script("down", "--all")


@pytest.fixture
def healthy(stack: Stack) -> Stack:
    """Hand over the stack with both instances answering (an earlier test may have hurt one)."""
    stack.wait_all_instances()
    return stack


def unique_name(prefix: str) -> str:
    """Return a name no other test run uses."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"
