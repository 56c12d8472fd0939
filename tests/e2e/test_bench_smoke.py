"""The benchmark harness works: `bench/run.sh --smoke` measures every endpoint without error.

A few seconds of load on a tiny dataset, through the real stack (its own ports, state
directory and MariaDB server, so the other end-to-end tests' stack is untouched). The figures
are not checked against targets here: CI machines are busy; `make bench` is for that.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    "links",
    "user",
    "log",
    "feed",
    "range_view",
    "range_view_pair",
    "leaderboard",
    "leaderboard_week",
    "leaderboard_month",
    "leaderboard_year",
    "user_stats",
    "group_stats",
    "post_log",
    "login",
}
#: Conditional GETs: measured as 304s once the endpoint sends an ETag, else reported as such.
CONDITIONAL = {"feed_304", "leaderboard_304", "range_view_304"}

pytestmark = pytest.mark.e2e


def test_the_smoke_run_measures_every_endpoint(tmp_path):
    env = {
        **os.environ,
        "BENCH_PORT": os.environ.get("E2E_BENCH_PORT", "18290"),
        "MARIADB_DIR": str(ROOT / "var" / "mariadb-bench-smoke"),
        "MARIADB_PORT": os.environ.get("E2E_BENCH_MARIADB_PORT", "3338"),
        "BENCH_OUT": str(tmp_path / "smoke"),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [str(ROOT / "bench" / "run.sh"), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "smoke.json").read_text())
    skipped = result["skipped"]
    assert set(result["endpoints"]) | set(skipped) == ENDPOINTS | CONDITIONAL
    assert set(skipped) <= CONDITIONAL, skipped
    for key, why in skipped.items():
        assert why["reason"] == "no ETag", (key, why)
        assert (
            f"| {why['title']} | - | - | - | - | - | not measured: no ETag |"
            in (tmp_path / "smoke.md").read_text()
        )
    for key in CONDITIONAL & set(result["endpoints"]):
        row = result["endpoints"][key]
        assert row["status"] == 304 and row["bytes_per_request"] < 1000, (key, row)
    for key, row in result["endpoints"].items():
        assert row["errors"] == 0, (key, row)
        assert row["rps"] > 0 and row["baseline_rps"] > 0, (key, row)
        assert 0 < row["p50_ms"] <= row["p99_ms"], (key, row)
    assert result["dataset"]["logs"] >= 2000
    assert len(result["rss"]) >= 2 and all(r["rss_mib"] > 10 for r in result["rss"])
    assert {target["target"] for target in result["targets"]} >= {"links ≥ 0.5 x baseline"}
    assert "| GET /v2/links |" in (tmp_path / "smoke.md").read_text()
