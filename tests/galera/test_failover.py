"""Fail over under load on a 3-node Galera cluster, and lose and duplicate nothing.

Eight client threads write logs and comments through nginx, each POST with its own
Idempotency-Key, and read them back; meanwhile a node is killed with SIGKILL and brought back
(by IST). Then every acknowledged write must be on all three nodes exactly once, the nodes must
hold the same rows (CHECKSUM TABLE), and the only errors allowed are 503 problem+json answers
with Retry-After inside one short failover window. Figures go to var/galera-test/report.json.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from falcon import testing
from sqlalchemy import text

from api.app import create_app
from api.config import Config
from api.db import make_engine
from tests.e2e.conftest import PROBLEM_JSON, Reply
from tests.galera.conftest import ROOT, Cluster

pytestmark = pytest.mark.galera

THREADS = 8
CLIENT_TIMEOUT = 20.0
MAX_WINDOW = 5.0
REPORT = ROOT / "var" / "galera-test" / "report.json"
TABLES = ("logs", "comments", "log_totals", "log_days", "idempotency_keys")


@dataclass
class Outcome:
    """What the clients saw."""

    prefix: str = "gal-"
    acked_logs: dict[str, int] = field(default_factory=dict)  # name -> log_id
    acked_comments: dict[str, int] = field(default_factory=dict)  # content -> comment_id
    #: (path, body, headers, answer) of acknowledged POSTs, to send again after the run.
    keyed: list[tuple[str, dict[str, Any], dict[str, str], Reply]] = field(default_factory=list)
    ack_times: list[float] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)
    errors: list[tuple[float, int, str, str | None, str]] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    retries: int = 0
    replays: int = 0
    requests: int = 0
    reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, started: float, reply: Reply | None, detail: str = "") -> None:
        """Record a failed answer; anything but a proper 503 is a bad one."""
        now = time.monotonic() - started
        with self.lock:
            if reply is None:
                self.bad.append(f"{now:.2f}s: no answer ({detail})")
                return
            content_type = (reply.header("Content-Type") or "").split(";")[0]
            retry_after = reply.header("Retry-After")
            self.errors.append((now, reply.status, content_type, retry_after, detail))
            if reply.status != 503 or content_type != PROBLEM_JSON or not retry_after:
                self.bad.append(f"{now:.2f}s: {reply.status} {content_type} {reply.body[:200]!r}")


def keyed_post(
    cluster: Cluster, outcome: Outcome, started: float, path: str, body: dict[str, Any],
    deadline: float,
) -> Reply | None:  # fmt: skip
    """POST with a fresh Idempotency-Key, retrying with the same key until it is acknowledged."""
    key = str(uuid.uuid4())
    headers = {**cluster.auth(), "Idempotency-Key": f'"{key}"'}
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        with outcome.lock:
            outcome.requests += 1
            if tries > 1:
                outcome.retries += 1
        try:
            reply = cluster.request("POST", path, body, headers=headers, timeout=CLIENT_TIMEOUT)
        except OSError as ex:  # a hang past the timeout, or a reset: never acceptable
            outcome.error(started, None, f"{path}: {ex!r}")
            time.sleep(0.2)
            continue
        if reply.status == 201:
            with outcome.lock:
                outcome.replays += reply.header("Idempotent-Replayed") == "true"
                outcome.keyed.append((path, body, headers, reply))
                outcome.ack_times.append(time.monotonic() - started)
            return reply
        outcome.error(started, reply, path)
        time.sleep(0.25)  # the client's own pace, below Retry-After: it wants the window's size
    return None


def read_back(cluster: Cluster, outcome: Outcome, started: float, path: str, deadline: float):
    """GET `path` until 200 (a 503 inside the window is retried); return the body."""
    while time.monotonic() < deadline:
        try:
            reply = cluster.get(path, headers=cluster.auth(), timeout=CLIENT_TIMEOUT)
        except OSError as ex:
            outcome.error(started, None, f"GET {path}: {ex!r}")
            continue
        with outcome.lock:
            outcome.reads += 1
        if reply.status == 200:
            return reply.json()
        outcome.error(started, reply, f"GET {path}")
        time.sleep(0.25)
    return None


def run_load(
    cluster: Cluster, prefix: str, seconds: float, events: list[tuple[float, Callable[[], None]]]
) -> tuple[Outcome, dict[str, float]]:
    """Run the writers for `seconds` while `events` happen at their times; return what happened."""
    outcome = Outcome(prefix=prefix)
    started = time.monotonic()
    stop = started + seconds
    deadline = stop + 40  # in-flight retries may finish after the load stops
    marks: dict[str, float] = {}

    def writer(number: int) -> None:
        while time.monotonic() < stop:
            name = f"{prefix}{number}-{uuid.uuid4().hex[:12]}"
            body = {"date": "2026-11-01", "type": "run", "feel": 6, "name": name,
                    "distance": 3, "metric": "miles", "time": "24:00"}  # fmt: skip
            with outcome.lock:
                outcome.sent.add(name)
            created = keyed_post(cluster, outcome, started, "/v2/logs", body, deadline)
            if created is None:
                continue
            log_id = created.json()["log"]["log_id"]
            with outcome.lock:
                outcome.acked_logs[name] = log_id
            content = f"c-{name}"
            comment = keyed_post(
                cluster, outcome, started, "/v2/comments",
                {"log_id": log_id, "content": content}, deadline,
            )  # fmt: skip
            if comment is not None:
                with outcome.lock:
                    outcome.acked_comments[content] = comment.json()["comment"]["comment_id"]
            got = read_back(cluster, outcome, started, f"/v2/logs/{log_id}", deadline)
            if got is None or got["log"]["name"] != name:
                with outcome.lock:
                    outcome.bad.append(f"read-your-writes failed for log {log_id}: {got}")

    def schedule() -> None:
        for at, action in events:
            time.sleep(max(0.0, started + at - time.monotonic()))
            action()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=schedule))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
        assert not thread.is_alive(), "a client thread hung"
    marks["elapsed"] = time.monotonic() - started
    return outcome, marks


def verify_everywhere(cluster: Cluster, outcome: Outcome) -> dict[str, Any]:
    """Check that every node holds each acknowledged write exactly once, and the same rows."""
    cluster.wait_converged()
    checksums: dict[int, dict[str, int]] = {}
    rows: dict[int, tuple[Any, ...]] = {}
    for node in (1, 2, 3):
        engine = cluster.node_engine(node)
        try:
            with engine.connect() as connection:
                logs = connection.execute(
                    text("SELECT name, log_id FROM logs WHERE name LIKE :p ORDER BY log_id"),
                    {"p": f"{outcome.prefix}%"},
                ).all()
                comments = connection.execute(
                    text(
                        "SELECT content, comment_id FROM comments WHERE content LIKE :p "
                        "ORDER BY comment_id"
                    ),
                    {"p": f"c-{outcome.prefix}%"},
                ).all()
                checksums[node] = {
                    row[0].split(".")[-1]: row[1]
                    for table in TABLES
                    for row in connection.execute(text(f"CHECKSUM TABLE {table}")).all()
                }
        finally:
            engine.dispose()
        rows[node] = (tuple(logs), tuple(comments))
        names = [name for name, _ in logs]
        contents = [content for content, _ in comments]
        by_name = dict(logs)
        for name, log_id in outcome.acked_logs.items():
            assert names.count(name) == 1, f"node {node}: log {name} x{names.count(name)}"
            assert by_name[name] == log_id
        for content in outcome.acked_comments:
            assert contents.count(content) == 1, f"node {node}: comment {content}"
        # Not acknowledged (the client gave up): at most once, never twice.
        assert len(names) == len(set(names)), f"node {node}: a log was written twice"
        assert len(contents) == len(set(contents)), f"node {node}: a comment was written twice"
        assert set(names) <= outcome.sent
    assert rows[1] == rows[2] == rows[3]
    assert checksums[1] == checksums[2] == checksums[3], checksums
    return {"checksums": checksums[1], "logs_on_each_node": len(rows[1][0])}


def check_replays(cluster: Cluster, outcome: Outcome, sample: int = 40) -> int:
    """Send acknowledged POSTs again with their keys: each must replay its first answer."""
    replayed = 0
    for path, body, headers, first in outcome.keyed[:: max(1, len(outcome.keyed) // sample)]:
        again = cluster.request("POST", path, body, headers=headers, timeout=CLIENT_TIMEOUT)
        assert again.status == first.status == 201
        assert again.header("Idempotent-Replayed") == "true"
        assert again.header("Location") == first.header("Location")
        assert again.body == first.body
        replayed += 1
    return replayed


def longest_gap(outcome: Outcome, after: float) -> float:
    """Return the longest time without an acknowledged write from `after` on."""
    times = sorted(at for at in outcome.ack_times if at >= after)
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def failover_window(outcome: Outcome) -> float:
    """Return the span between the first and the last error (0 without errors)."""
    if not outcome.errors:
        return 0.0
    times = [at for at, *_ in outcome.errors]
    return max(times) - min(times)


def report(name: str, figures: dict[str, Any]) -> None:
    """Add this scenario's figures to the report file (and print them)."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    document = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    document[name] = figures
    REPORT.write_text(json.dumps(document, indent=2, default=str))
    print(f"\n{name}: {json.dumps(figures, default=str)}")


def figures_of(outcome: Outcome, marks: dict[str, float], **extra: Any) -> dict[str, Any]:
    """Summarise a run."""
    return {
        "seconds": round(marks["elapsed"], 1),
        "requests": outcome.requests,
        "reads": outcome.reads,
        "acked_logs": len(outcome.acked_logs),
        "acked_comments": len(outcome.acked_comments),
        "client_retries": outcome.retries,
        "replayed_answers": outcome.replays,
        "errors": len(outcome.errors),
        "error_statuses": sorted({status for _, status, *_ in outcome.errors}),
        "failover_window_s": round(failover_window(outcome), 2),
        "first_error_s": round(min((at for at, *_ in outcome.errors), default=0.0), 2),
        **extra,
    }


def test_writer_killed_under_load_loses_and_duplicates_nothing(cluster: Cluster):
    REPORT.unlink(missing_ok=True)
    cluster.wait_all_instances("/health/ready")
    victim = cluster.writer()
    times: dict[str, float] = {}
    begun = time.monotonic()

    def kill() -> None:
        times["killed_at"] = time.monotonic() - begun
        cluster.galera("kill", str(victim))

    def restart() -> None:
        times["restart_at"] = time.monotonic() - begun
        cluster.galera("start", str(victim), timeout=120)
        times["rejoined_at"] = time.monotonic() - begun

    outcome, marks = run_load(cluster, "galw-", 20, [(5, kill), (12, restart)])
    assert not outcome.bad, outcome.bad[:10]
    assert len(outcome.acked_logs) > 50
    new_writer = cluster.writer()
    assert new_writer != victim  # no failback: the returned node stays a backup
    window = failover_window(outcome)
    assert window <= MAX_WINDOW, outcome.errors
    assert all(at >= times["killed_at"] - 0.5 for at, *_ in outcome.errors), outcome.errors
    verified = verify_everywhere(cluster, outcome)
    replayed = check_replays(cluster, outcome)
    verified = verify_everywhere(cluster, outcome)  # and the repeats wrote nothing
    ist = "IST received" in (
        Path(cluster.env["GALERA_DIR"]) / f"node{victim}" / "error.log"
    ).read_text(errors="replace")
    assert ist, "the node came back by a full copy (SST), not by IST"
    report(
        "writer_killed",
        figures_of(outcome, marks, killed_node=victim, new_writer=new_writer, joined_by_ist=ist,
                   longest_gap_without_ack_s=round(longest_gap(outcome, times["killed_at"]), 2),
                   repeats_replayed=replayed, **{k: round(v, 2) for k, v in times.items()},
                   **verified),
    )  # fmt: skip


def test_a_backup_node_killed_under_load_costs_no_error(cluster: Cluster):
    cluster.wait_all_instances("/health/ready")
    writer = cluster.writer()
    victim = next(node for node in (3, 2, 1) if node != writer)

    outcome, marks = run_load(
        cluster,
        "galb-",
        12,
        [
            (3, lambda: cluster.galera("kill", str(victim))),
            (7, lambda: cluster.galera("start", str(victim), timeout=120)),
        ],
    )
    assert outcome.errors == [] and outcome.bad == []
    assert cluster.writer() == writer
    verified = verify_everywhere(cluster, outcome)
    report(
        "backup_killed",
        figures_of(
            outcome, marks, killed_node=victim,
            longest_gap_without_ack_s=round(longest_gap(outcome, 3), 2), **verified,
        ),
    )  # fmt: skip


class Retries(logging.Handler):
    """Count the unit of work's retry warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.codes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("retrying"):
            self.codes.append(record.getMessage().split("database error ")[-1].split(":")[0])


def test_a_certification_conflict_is_resolved_by_the_retry(cluster: Cluster):
    """Write the same row through two nodes at once: the loser's retry makes both count."""
    cluster.wait_converged()
    config = Config(
        database_url=cluster.node_url(1),
        secret_key=cluster.env["SECRET_KEY"],
        environment="test",
        bcrypt_cost=4,
        db_attempts=8,
    )
    engines = [make_engine(cluster.node_url(node), pool_size=4) for node in (1, 2)]
    clients = [testing.TestClient(create_app(config, engine=engine)) for engine in engines]
    per_client = 25
    handler = Retries()
    logging.getLogger("api.unit_of_work").addHandler(handler)
    statuses: list[int] = []

    def post(client: testing.TestClient, count: int) -> None:
        headers = cluster.auth()
        for _ in range(count):
            body = {"date": "2026-11-02", "type": "bike", "feel": 5, "name": "conflict",
                    "distance": 10, "metric": "miles", "time": "30:00"}  # fmt: skip
            statuses.append(
                client.simulate_post("/v2/logs", json=body, headers=headers).status_code
            )

    try:
        with engines[0].connect() as connection:
            before = connection.execute(
                text("SELECT COALESCE(SUM(logs), 0) FROM log_totals WHERE type = 'bike'")
            ).scalar_one()
        threads = [
            threading.Thread(target=post, args=(client, per_client))
            for client in clients
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert statuses == [201] * (4 * per_client), statuses
        assert handler.codes, "no conflict happened: the test proved nothing"
        assert set(handler.codes) <= {"1213", "1205", "1047"}
        cluster.wait_converged()
        sums = set()
        for node in (1, 2, 3):
            engine = cluster.node_engine(node)
            try:
                with engine.connect() as connection:
                    sums.add(
                        connection.execute(
                            text("SELECT SUM(logs) FROM log_totals WHERE type = 'bike'")
                        ).scalar_one()
                    )
            finally:
                engine.dispose()
        assert sums == {before + 4 * per_client}
        report(
            "certification_conflict",
            {"writes": 4 * per_client, "retries": len(handler.codes),
             "codes": sorted(set(handler.codes)), "at": dt.datetime.now(dt.UTC).isoformat()},
        )  # fmt: skip
    finally:
        logging.getLogger("api.unit_of_work").removeHandler(handler)
        for engine in engines:
            engine.dispose()


def test_readiness_is_503_without_quorum_and_recovers(cluster: Cluster):
    """Two of three nodes gone: no Synced writer, so /health/ready and writes answer 503."""
    cluster.wait_converged()
    writer = cluster.writer()
    others = [node for node in (1, 2, 3) if node != writer]
    config = Config(
        database_url=cluster.node_url(writer),
        secret_key=cluster.env["SECRET_KEY"],
        environment="test",
        bcrypt_cost=4,
    )
    engine = make_engine(cluster.node_url(writer), pool_size=2, timeout=2)
    direct = testing.TestClient(create_app(config, engine=engine))
    try:
        for node in others:
            cluster.galera("kill", str(node))
        deadline = time.monotonic() + 30
        while True:  # the survivor notices it lost the majority after the evs timeouts
            ready = cluster.get("/health/ready", timeout=CLIENT_TIMEOUT)
            if ready.status == 503:
                break
            assert time.monotonic() < deadline, "still ready without quorum"
            time.sleep(0.5)
        assert (ready.header("Content-Type") or "").startswith(PROBLEM_JSON)
        assert ready.header("Retry-After")
        write = cluster.request(
            "POST", "/v2/logs", {"date": "2026-11-03", "type": "run", "feel": 5},
            headers=cluster.auth(), timeout=CLIENT_TIMEOUT,
        )  # fmt: skip
        assert write.status == 503 and write.header("Retry-After")
        # The node itself, reached directly, says why.
        answer = direct.simulate_get("/health/ready")
        assert answer.status_code == 503
        assert "not a synced cluster member" in answer.json["detail"] or (
            "unreachable" in answer.json["detail"]
        )
        # Make the survivor primary again (docs/operations.md, "Losing quorum"), then rejoin.
        cluster.galera(
            "sql", str(writer), "-e", "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"
        )
        for node in others:
            cluster.galera("start", str(node), timeout=120)
        cluster.wait_all_instances("/health/ready")
        cluster.wait_converged()
    finally:
        engine.dispose()
