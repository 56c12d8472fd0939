"""uwsgi.ini, run for real on a throwaway WSGI app: knobs, JSON request log, graceful stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UWSGI = ROOT / ".venv" / "bin" / "uwsgi"
pytestmark = pytest.mark.skipif(not UWSGI.exists(), reason="uWSGI is not installed in .venv")

APP = """
import time

def application(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(1.5)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"path": "%s"}' % environ["PATH_INFO"].encode()]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> bytes:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return bytes(response.read())

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start(tmp_path: Path, module: str = "tinyapp:application", **env: str) -> Instance:
    (tmp_path / "tinyapp.py").write_text(APP)
    (tmp_path / "broken.py").write_text("raise RuntimeError('no app here')\n")
    port = free_port()
    log = tmp_path / "uwsgi.log"
    environment = {
        "PATH": os.environ["PATH"],
        "SPLITS_WSGI_MODULE": module,
        "SPLITS_CHDIR": str(tmp_path),
        "SPLITS_SOCKET": f"127.0.0.1:{free_port()}",
        "SPLITS_HTTP_SOCKET": f"127.0.0.1:{port}",
        "SPLITS_INSTANCE": "api-test",
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(UWSGI), "--ini", str(ROOT / "uwsgi.ini")],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Instance(process, port, log)


def wait_serving(instance: Instance, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert instance.process.poll() is None, instance.log_text()
        try:
            instance.get("/ping")
            return
        except OSError:
            assert time.monotonic() < deadline, instance.log_text()
            time.sleep(0.1)


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Instance]:
    running = start(tmp_path, SPLITS_PROCESSES="1", SPLITS_THREADS="2")
    try:
        wait_serving(running)
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait(timeout=30)


def test_env_knobs_size_the_instance(instance: Instance) -> None:
    log = instance.log_text()
    assert "spawned uWSGI worker 1 (pid: " in log
    assert ", cores: 2)" in log
    assert "spawned uWSGI worker 2" not in log
    # Off: idle threaded workers sleeping in the thunder lock outlast a reload (uwsgi.ini).
    assert "thunder lock: disabled" in log


def test_the_default_shape_is_one_process_per_core_with_four_threads(tmp_path: Path) -> None:
    # The shape the tail study kept (docs/performance.md, "The tail"): threads carry the cheap
    # reads, the app's short GIL switch interval keeps their tail down.
    running = start(tmp_path)
    try:
        wait_serving(running)
        log = running.log_text()
    finally:
        running.process.kill()
        running.process.wait(timeout=30)
    cores = os.cpu_count() or 1
    # uWSGI counts a worker's threads as its "cores".
    assert f"spawned uWSGI worker {cores} (pid: " in log
    assert f"spawned uWSGI worker {cores + 1} " not in log
    assert log.count(", cores: 4)") == cores
    assert "*** Operational MODE: preforking+threaded ***" in log


def test_each_request_is_one_json_log_line_with_the_request_id(instance: Instance) -> None:
    instance.get("/ping?x=1", headers={"X-Request-ID": "abc-123"})
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in instance.log_text().splitlines() if '"abc-123"' in line]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    entry = json.loads(lines[0])
    assert entry["logger"] == "uwsgi.request"
    assert entry["request_id"] == "abc-123"
    assert entry["method"] == "GET"
    assert entry["status"] == 200
    assert entry["instance"] == "api-test"
    assert isinstance(entry["duration_ms"], int)


def test_sigterm_lets_the_request_in_flight_finish(instance: Instance) -> None:
    answers: list[bytes] = []
    slow = threading.Thread(target=lambda: answers.append(instance.get("/slow")))
    slow.start()
    time.sleep(0.5)  # the request is being served
    instance.process.send_signal(signal.SIGTERM)
    slow.join(timeout=15)
    assert answers == [b'{"path": "/slow"}']
    assert instance.process.wait(timeout=30) == 0
    assert "graceful shutdown" in instance.log_text()


def test_an_app_that_cannot_load_stops_the_instance(tmp_path: Path) -> None:
    broken = start(tmp_path, module="broken:application")
    try:
        assert broken.process.wait(timeout=60) != 0
    finally:
        if broken.process.poll() is None:
            broken.process.kill()
    assert "no app here" in broken.log_text()


ENV_APP = """
import os

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    listing = ",".join(sorted(os.listdir(directory))) if directory else ""
    return [f"{directory}|{listing}".encode()]
"""


def test_the_metrics_directory_is_set_and_emptied_when_the_instance_starts(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"stale figures of an earlier run")
    (tmp_path / "envapp.py").write_text(ENV_APP)
    running = start(
        tmp_path, "envapp:application", SPLITS_PROCESSES="1", SPLITS_METRICS_DIR=str(directory)
    )
    try:
        wait_serving(running)
        assert running.get("/").decode() == f"{directory}|"
    finally:
        running.process.kill()
        running.process.wait(timeout=30)
