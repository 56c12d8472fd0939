"""Drive the benchmark: interleave each endpoint with the baseline under wrk, take medians.

`bench/run.sh` brings the stack up and seeds it, then runs this with the seed summary. Every
load run is bounded (`wrk -d`, a subprocess timeout) and targets 127.0.0.1 only. wrk runs on
one thread (`-t1`): this machine has two cores and the load generator competes with nginx,
uWSGI and MariaDB for them, so it must take as little as it can.

    python bench/drive.py run --api http://127.0.0.1:8080 --baseline http://127.0.0.1:8080/bench
        --summary seed.json --out bench/results/latest [--rounds 3] [--duration 5] [--only a,b]
    python bench/drive.py scale --out bench/results/scale  bench/results/scale-*.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk.lua"
PACE_SCRIPT = HERE / "pace.py"
LOOPBACK = re.compile(r"^http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(/|$)")

#: An endpoint's requests/s as a share of the baseline's, side by side: issue 14's targets
#: where it sets one, issue 7's otherwise (links, feed, the all-time leaderboard).
BASELINE_TARGETS = {
    "links": 0.5,
    "user": 0.16,
    "log": 0.14,
    "feed": 0.1,
    "range_view": 0.10,
    "leaderboard": 0.08,
    "leaderboard_week": 0.10,
    "leaderboard_month": 0.10,
    "leaderboard_year": 0.10,
    "user_stats": 0.10,
    "group_stats": 0.10,
    "range_view_pair": 0.12,
    "feed_304": 0.5,
    "leaderboard_304": 0.5,
    "range_view_304": 0.5,
}
POST_VS_GET_TARGET = 0.7
LOGIN_TARGET = 0.9
#: Issue 14: every read at half load (a fixed rate, bench/pace.py), p99 ≤ 3 x p50.
TAIL_TARGET = 3.0
#: Issue 7: p50 at the largest size ≤ 1.5 x at the smallest; issue 14: ≤ 1.3 x at 100k logs.
SCALE_TARGET = 1.5
SCALE_VS_100K_TARGET = 1.3


@dataclass(frozen=True)
class Endpoint:
    """One measured request: how to build it from the seed summary, and what it must answer."""

    key: str
    title: str
    method: str
    path: str
    # Whose token the request carries: "bench", or "writers" (one token per benchmark writer,
    # which bench/wrk.lua takes in turns).
    token_for: str | None = None
    body: str | None = None
    status: int = 200
    read: bool = True
    duration_factor: float = 1.0
    # A conditional GET: sent with `If-None-Match: <the ETag a plain GET answered>`, it must
    # answer 304. Until the endpoint sends an ETag the run is skipped and says "no ETag".
    conditional: bool = False


@dataclass
class Sample:
    """One wrk run's figures."""

    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    non_2xx: int
    bytes_per_request: float = 0.0

    @classmethod
    def from_wrk(cls, result: dict[str, Any]) -> Sample:
        """Read the JSON line that bench/wrk.lua prints."""
        latency = result["latency_us"]
        errors = result["errors"]
        seconds = result["duration_us"] / 1e6
        return cls(
            rps=result["requests"] / seconds if seconds else 0.0,
            p50_ms=latency["50"] / 1000,
            p90_ms=latency["90"] / 1000,
            p99_ms=latency["99"] / 1000,
            requests=result["requests"],
            errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
            non_2xx=errors["status"],
            bytes_per_request=result["bytes"] / result["requests"] if result["requests"] else 0,
        )


@dataclass
class Series:
    """The samples of one endpoint over the rounds, each with the baseline run beside it."""

    samples: list[Sample] = field(default_factory=list)
    baselines: list[Sample] = field(default_factory=list)

    def median(self, name: str, baseline: bool = False) -> float:
        """Return the median of one figure over the rounds."""
        values = [getattr(s, name) for s in (self.baselines if baseline else self.samples)]
        return statistics.median(values) if values else float("nan")

    def ratio(self) -> float:
        """Return the median over rounds of (endpoint requests/s / adjacent baseline's)."""
        ratios = [s.rps / b.rps for s, b in zip(self.samples, self.baselines, strict=True) if b.rps]
        return statistics.median(ratios) if ratios else float("nan")


def endpoints(summary: dict[str, Any]) -> list[Endpoint]:
    """Return the measured endpoints, built for the seeded dataset."""
    group = summary["bench_group_id"]
    pair = summary.get("pair_group_id")
    end = dt.date.fromisoformat(summary["last_date"])
    start = end - dt.timedelta(days=89)  # 90 days, both ends included
    new_log = json.dumps(
        {
            "name": "Benchmark run",
            "location": "Track",
            "date": end.isoformat(),
            "type": "run",
            "distance": 5.0,
            "metric": "miles",
            "time": "35:10",
            "feel": 7,
            "description": "Written by the benchmark.",
        }
    )
    login = json.dumps({"username": summary["bench_user"], "password": summary["password"]})
    feed = f"/v2/log_feed/group/{group}/10/0"
    range_view = f"/v2/range_view/group/{group}/rbso/{start}/{end}"
    leaderboard = f"/v2/groups/leaderboard/{group}"
    extra = [
        *(
            Endpoint(
                f"leaderboard_{interval}",
                f"{interval} leaderboard, 50-member group",
                "GET",
                f"{leaderboard}/{interval}",
                "bench",
            )
            for interval in ("week", "month", "year")
        ),
        Endpoint(
            "user_stats",
            "user statistics",
            "GET",
            f"/v2/users/statistics/{summary['bench_user']}",
            "bench",
        ),
        Endpoint(
            "group_stats",
            "group statistics, 50 members",
            "GET",
            f"/v2/groups/statistics/{group}",
            "bench",
        ),
    ]
    if pair is not None:  # a dataset seeded before the seeder (seeding/dataset.py) made the pair group
        extra.append(
            Endpoint(
                "range_view_pair",
                "range view, 2-member group, 90 days",
                "GET",
                f"/v2/range_view/group/{pair}/rbso/{start}/{end}",
                "bench",
            )
        )
    extra += [
        Endpoint("feed_304", "304: feed page", "GET", feed, "bench", status=304, conditional=True),
        Endpoint(
            "leaderboard_304",
            "304: leaderboard",
            "GET",
            leaderboard,
            "bench",
            status=304,
            conditional=True,
        ),
        Endpoint(
            "range_view_304",
            "304: range view, 90 days",
            "GET",
            range_view,
            "bench",
            status=304,
            conditional=True,
        ),
    ]
    return [
        Endpoint("links", "GET /v2/links", "GET", "/v2/links"),
        Endpoint("user", "GET /v2/users/{u}", "GET", f"/v2/users/{summary['bench_user']}", "bench"),
        Endpoint("log", "GET /v2/logs/{id}", "GET", f"/v2/logs/{summary['bench_log_id']}", "bench"),
        Endpoint(
            "feed",
            "log feed, group page of 10",
            "GET",
            feed,
            "bench",
        ),
        Endpoint(
            "range_view",
            "range view, group, 90 days",
            "GET",
            range_view,
            "bench",
        ),
        Endpoint(
            "leaderboard",
            "leaderboard, 50-member group",
            "GET",
            leaderboard,
            "bench",
        ),
        *extra,
        Endpoint(
            "post_log", "POST /v2/logs/", "POST", "/v2/logs/", "writers", new_log, 201, read=False
        ),
        Endpoint(
            "login",
            "POST /v2/auth/token (bcrypt)",
            "POST",
            "/v2/auth/token",
            None,
            login,
            200,
            read=False,
            duration_factor=2.0,
        ),
    ]


# -- HTTP and wrk ---------------------------------------------------------------------------


def _check_loopback(url: str) -> None:
    if not LOOPBACK.match(url):
        raise SystemExit(f"refusing to load {url}: the benchmark targets 127.0.0.1 only")


def http(
    method: str,
    url: str,
    body: str | None = None,
    token: str | None = None,
    if_none_match: str | None = None,
) -> tuple[int, bytes]:
    """Send one request; return its status and body."""
    status, answer, _ = http_full(method, url, body, token, if_none_match)
    return status, answer


def http_full(
    method: str,
    url: str,
    body: str | None = None,
    token: str | None = None,
    if_none_match: str | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    """Send one request; return its status, body and headers (names in lower case)."""
    _check_loopback(url)
    headers = {"Content-Type": "application/json"} if body else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if if_none_match:
        headers["If-None-Match"] = if_none_match
    request = urllib.request.Request(  # noqa: S310 (checked: http to loopback only)
        url, data=body.encode() if body else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback only)
            return answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as ex:
        return ex.code, ex.read(), {k.lower(): v for k, v in ex.headers.items()}


def etag_for(api: str, endpoint: Endpoint, token: str | None) -> tuple[str | None, str]:
    """Read the ETag a plain GET of `endpoint` answers, and check that it gives a 304.

    Return (the ETag, "") when `If-None-Match` with it answers 304, else (None, why not):
    "no ETag" while the endpoint sends none, so the run says so instead of measuring 200s.
    """
    status, _, headers = http_full("GET", api + endpoint.path, token=token)
    if status != 200:
        return None, f"the plain GET answered {status}"
    etag = headers.get("etag")
    if not etag:
        return None, "no ETag"
    status, _, _ = http_full("GET", api + endpoint.path, token=token, if_none_match=etag)
    if status != 304:
        return None, f"If-None-Match with its ETag answered {status}, not 304"
    return etag, ""


def login(api: str, username: str, password: str) -> str:
    """Log in and return a fresh access token (they live 15 minutes: one per run)."""
    body = json.dumps({"username": username, "password": password})
    status, answer = http("POST", f"{api}/v2/auth/token", body)
    if status != 200:
        raise SystemExit(f"login as {username} failed: {status} {answer[:300]!r}")
    return str(json.loads(answer)["access_token"])


def wrk(
    url: str,
    *,
    duration: float,
    connections: int,
    method: str = "GET",
    token: str | None = None,
    body: str | None = None,
    if_none_match: str | None = None,
) -> Sample:
    """Run wrk once (one thread, bounded in time) and return its figures."""
    _check_loopback(url)
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_TOKEN": token or "",  # comma-separated: taken in turns
        "BENCH_BODY": body or "",
        "BENCH_IF_NONE_MATCH": if_none_match or "",
    }
    seconds = max(1, round(duration))
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    done = subprocess.run(  # noqa: S603 (our own fixed command line)
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return Sample.from_wrk(json.loads(line.removeprefix("BENCH_RESULT ")))
    raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}")


def pace(
    url: str,
    *,
    rate: float,
    duration: float,
    method: str = "GET",
    token: str | None = None,
    body: str | None = None,
    if_none_match: str | None = None,
) -> dict[str, Any]:
    """Run bench/pace.py once (a fixed rate, bounded in time) and return its figures."""
    _check_loopback(url)
    command = [
        sys.executable,
        str(PACE_SCRIPT),
        "--url",
        url,
        "--rate",
        f"{rate:.1f}",
        "--duration",
        f"{duration:.1f}",
        "--method",
        method,
    ]
    if token:
        command += ["--token", token.split(",")[0]]
    if body:
        command += ["--body", body]
    if if_none_match:
        command += ["--header", f"If-None-Match: {if_none_match}"]
    done = subprocess.run(  # noqa: S603 (our own fixed command line)
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/pace.py failed ({done.returncode}): {done.stderr[-500:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


# -- the machine ----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """Describe the machine the run happened on."""
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def bcrypt_check_seconds(cost: int) -> float:
    """Time one bcrypt check at `cost` in this process (median of five)."""
    import bcrypt

    hashed = bcrypt.hashpw(b"benchmark-password", bcrypt.gensalt(cost))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        bcrypt.checkpw(b"benchmark-password", hashed)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def worker_rss(pid_files: list[str]) -> list[dict[str, Any]]:
    """Return the resident memory of every worker of the uWSGI masters named by `pid_files`."""
    rows = []
    for pid_file in pid_files:
        try:
            master = int(Path(pid_file).read_text().strip())
        except (OSError, ValueError):
            continue
        for child in _children(master):
            rss = _rss_kib(child)
            if rss is not None:
                rows.append({"instance": Path(pid_file).stem, "pid": child, "rss_mib": rss / 1024})
    return rows


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children += [int(value) for value in task.read_text().split()]
    return sorted(children)


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# -- the run --------------------------------------------------------------------------------


def _loadavg() -> list[float]:
    return [float(value) for value in Path("/proc/loadavg").read_text().split()[:3]]


def run(args: argparse.Namespace) -> int:
    """Measure every endpoint against the baseline; write <out>.json and <out>.md."""
    args.loadavg_before = _loadavg()
    summary = json.loads(Path(args.summary).read_text())
    chosen = endpoints(summary)
    if args.only:
        keys = set(args.only.split(","))
        chosen = [endpoint for endpoint in chosen if endpoint.key in keys]
    api = args.api.rstrip("/")
    password = summary["password"]
    tokens = {
        "bench": lambda: login(api, summary["bench_user"], password),
        "writers": lambda: ",".join(login(api, user, password) for user in summary["writers"]),
    }
    skipped = _preflight(api, args.baseline, chosen, tokens)
    chosen = [endpoint for endpoint in chosen if endpoint.key not in skipped]
    series = {endpoint.key: Series() for endpoint in chosen}
    for number in range(1, args.rounds + 1):
        for endpoint in chosen:
            if endpoint.key in skipped:
                continue
            token = tokens[endpoint.token_for]() if endpoint.token_for else None
            etag = None
            if endpoint.conditional:
                etag, why = etag_for(api, endpoint, token)
                if etag is None:
                    skipped[endpoint.key] = {"title": endpoint.title, "reason": why}
                    _say(f"round {number}/{args.rounds} {endpoint.key:<17} skipped: {why}")
                    continue
            duration = args.duration * endpoint.duration_factor
            connections = args.connections
            if endpoint.key == "login":
                # A bcrypt check takes a few hundred ms: give the run time to finish some.
                duration = max(duration, 6.0)
                connections = args.login_connections
            base = wrk(args.baseline, duration=args.duration, connections=args.connections)
            sample = wrk(
                api + endpoint.path,
                duration=duration,
                connections=connections,
                method=endpoint.method,
                token=token,
                body=endpoint.body,
                if_none_match=etag,
            )
            if etag is not None and etag_for(api, endpoint, token)[0] != etag:
                # The ETag changed during the run: some answers were 200s, not 304s.
                _say(f"round {number}/{args.rounds} {endpoint.key:<17} dropped: ETag changed")
                continue
            series[endpoint.key].baselines.append(base)
            series[endpoint.key].samples.append(sample)
            _say(
                f"round {number}/{args.rounds} {endpoint.key:<17} {sample.rps:9.1f} req/s "
                f"p50 {sample.p50_ms:7.2f} ms p99 {sample.p99_ms:7.2f} ms | baseline "
                f"{base.rps:9.1f} req/s  errors {sample.errors + sample.non_2xx}"
            )
    for key in skipped:
        series.pop(key, None)
    for key in [key for key, s in series.items() if not s.samples]:
        skipped[key] = {"title": key, "reason": "the ETag changed during every run"}
        series.pop(key)
    chosen = [endpoint for endpoint in chosen if endpoint.key in series]
    half = {} if args.no_half else _half_load(api, chosen, series, tokens, args)
    cost = int(os.environ.get("BCRYPT_COST", "12"))
    result = _result(args, summary, chosen, series, half, cost)
    result["skipped"] = skipped
    for key, figures in skipped.items():
        if key in BASELINE_TARGETS:
            result["targets"].append(
                {
                    "target": f"{key} ≥ {BASELINE_TARGETS[key]} x baseline",
                    "value": None,
                    "met": False,
                    "note": f"not measured: {figures['reason']}",
                }
            )
    _write(Path(args.out), result)
    return 1 if args.strict and not all(t["met"] for t in result["targets"]) else 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _preflight(
    api: str, baseline: str, chosen: list[Endpoint], tokens: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """Refuse to measure an endpoint that does not answer as it should (a fast 404 is no win).

    Return the conditional endpoints that cannot be measured yet (no ETag), with the reason.
    """
    status, _ = http("GET", baseline)
    if status != 200:
        raise SystemExit(f"the baseline at {baseline} answered {status}")
    skipped = {}
    for endpoint in chosen:
        token = tokens[endpoint.token_for]() if endpoint.token_for else None
        first = token.split(",")[0] if token else None
        if endpoint.conditional:
            etag, why = etag_for(api, endpoint, first)
            if etag is None:
                _say(f"{endpoint.key}: not measured: {why}")
                skipped[endpoint.key] = {"title": endpoint.title, "reason": why}
            continue
        status, body = http(endpoint.method, api + endpoint.path, endpoint.body, first)
        if status != endpoint.status:
            raise SystemExit(
                f"{endpoint.method} {endpoint.path} answered {status}, not {endpoint.status}: "
                f"{body[:300]!r}"
            )
    return skipped


def _half_load(
    api: str,
    chosen: list[Endpoint],
    series: dict[str, Series],
    tokens: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, dict[str, Any]]:
    """Run each read endpoint at a fixed rate, half its measured maximum; compare p99 with p50.

    bench/pace.py sends request i at start + i / rate whatever the answers before it took
    (open loop), so queueing shows in the tail; Debian's wrk has no fixed-rate mode.
    """
    half: dict[str, dict[str, Any]] = {}
    for endpoint in chosen:
        if not endpoint.read:
            continue
        target = series[endpoint.key].median("rps") / 2
        token = tokens[endpoint.token_for]() if endpoint.token_for else None
        etag = None
        if endpoint.conditional:
            etag = etag_for(api, endpoint, token)[0]
            if etag is None:
                continue
        figures = pace(
            api + endpoint.path,
            rate=target,
            duration=args.duration * 2,
            method=endpoint.method,
            token=token,
            body=endpoint.body,
            if_none_match=etag,
        )
        wrong = sum(n for code, n in figures["statuses"].items() if int(code) != endpoint.status)
        half[endpoint.key] = {
            "target_rps": target,
            "rps": figures["rps"],
            "connections": figures["connections"],
            "p50_ms": figures["p50_ms"],
            "p99_ms": figures["p99_ms"],
            "p99_over_p50": figures["p99_ms"] / figures["p50_ms"]
            if figures["p50_ms"]
            else float("nan"),
            "send_lag_p99_ms": figures["send_lag_p99_ms"],
            "errors": figures["errors"] + wrong,
        }
        _say(
            f"half load {endpoint.key:<17} {figures['rps']:8.1f}/{target:8.1f} req/s "
            f"p50 {figures['p50_ms']:6.2f} ms p99 {figures['p99_ms']:6.2f} ms "
            f"(generator lag p99 {figures['send_lag_p99_ms']:.2f} ms)"
        )
    return half


def _result(
    args: argparse.Namespace,
    summary: dict[str, Any],
    chosen: list[Endpoint],
    series: dict[str, Series],
    half: dict[str, dict[str, Any]],
    cost: int,
) -> dict[str, Any]:
    rows = {}
    for endpoint in chosen:
        s = series[endpoint.key]
        rows[endpoint.key] = {
            "title": endpoint.title,
            "method": endpoint.method,
            "path": endpoint.path,
            "rps": s.median("rps"),
            "p50_ms": s.median("p50_ms"),
            "p99_ms": s.median("p99_ms"),
            "baseline_rps": s.median("rps", baseline=True),
            "ratio": s.ratio(),
            "status": endpoint.status,
            "bytes_per_request": s.median("bytes_per_request"),
            "errors": sum(x.errors + x.non_2xx for x in s.samples),
            "rounds": [x.__dict__ for x in s.samples],
        }
    cores = os.cpu_count() or 1
    check = bcrypt_check_seconds(cost) if "login" in rows else float("nan")
    targets = _targets(rows, half, cores, check)
    return {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "label": args.label,
        "machine": machine(),
        "settings": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "connections": args.connections,
            "login_connections": args.login_connections,
            "wrk_threads": 1,
            "bcrypt_cost": cost,
            "uwsgi": os.environ.get("BENCH_UWSGI_SETTINGS", ""),
            "half_load": "bench/pace.py, a fixed rate (open loop) at half the maximum",
            # What a re-run needs: the commit and every knob that reached the stacks.
            "git": _git_commit(),
            "environment": {
                name: value
                for name, value in sorted(os.environ.items())
                if name.startswith(("BENCH_", "SPLITS_", "STACK_", "DB_", "MARIADB_"))
                and "PASSWORD" not in name
                and "SECRET" not in name
            },
        },
        "dataset": summary["counts"],
        "endpoints": rows,
        "half_load": half,
        "login": {"bcrypt_check_ms": check * 1000, "cores": cores, "ceiling_rps": cores / check},
        "rss": worker_rss(args.pid_file or []),
        "loadavg_before": args.loadavg_before,
        "loadavg_after": _loadavg(),
        "targets": targets,
    }


def _git_commit() -> str:
    """Return the commit the run measured, with "+dirty" when the tree had changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (a fixed command)
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def _targets(
    rows: dict[str, Any], half: dict[str, dict[str, Any]], cores: int, check: float
) -> list[dict[str, Any]]:
    targets = []
    for key, minimum in BASELINE_TARGETS.items():
        if key in rows:
            value = rows[key]["ratio"]
            targets.append(
                {"target": f"{key} ≥ {minimum} x baseline", "value": value, "met": value >= minimum}
            )
    if "post_log" in rows and "log" in rows:
        value = rows["post_log"]["rps"] / rows["log"]["rps"]
        targets.append(
            {
                "target": f"POST /v2/logs ≥ {POST_VS_GET_TARGET} x GET /v2/logs/{{id}}",
                "value": value,
                "met": value >= POST_VS_GET_TARGET,
            }
        )
    if "login" in rows:
        value = rows["login"]["rps"] / (cores / check)
        targets.append(
            {
                "target": f"login ≥ {LOGIN_TARGET} x ({cores} cores / one bcrypt check)",
                "value": value,
                "met": value >= LOGIN_TARGET,
            }
        )
    for key, figures in half.items():
        value = figures["p99_over_p50"]
        targets.append(
            {
                "target": f"{key}: p99 ≤ {TAIL_TARGET} x p50 at half load",
                "value": value,
                "met": value <= TAIL_TARGET,
            }
        )
    return targets


# -- output ---------------------------------------------------------------------------------


def _write(out: Path, result: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = markdown_report(result)
    out.with_suffix(".md").write_text(markdown)
    print(markdown)


def markdown_report(result: dict[str, Any]) -> str:
    """Return the Markdown tables of one run."""
    m = result["machine"]
    s = result["settings"]
    d = result["dataset"]
    lines = [
        f"## Benchmark {result['label']} ({result['when']})",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu_model']}, {m['memory_gib']} GiB, Linux "
        f"{m['kernel']}, Python {m['python']}. Load: wrk -t1 -c{s['connections']} "
        f"(login -c{s['login_connections']}), {s['duration_s']} s per run, median of "
        f"{s['rounds']} interleaved rounds. bcrypt cost {s['bcrypt_cost']}. "
        f"Dataset: {d.get('logs', 0):,} logs, {d.get('users', 0):,} users, "
        f"{d.get('comments', 0):,} comments. uWSGI: {s['uwsgi'] or 'see uwsgi.ini'}. "
        f"Load average before/after: {result['loadavg_before'][0]:.2f}/"
        f"{result['loadavg_after'][0]:.2f} (other work on the machine skews the figures). "
        f"Commit {s.get('git', 'unknown')}. Database: "
        f"{s.get('environment', {}).get('BENCH_DATABASE', 'see bench/run.sh')}.",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | baseline req/s | ratio | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["endpoints"].values():
        lines.append(
            f"| {row['title']} | {row['rps']:.1f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
            f"{row['baseline_rps']:.1f} | {row['ratio']:.3f} | {row['errors']} |"
        )
    for figures in result.get("skipped", {}).values():
        lines.append(
            f"| {figures['title']} | - | - | - | - | - | not measured: {figures['reason']} |"
        )
    if result["half_load"]:
        lines += [
            "",
            f"Half load: a fixed rate at half the maximum above (bench/pace.py, open loop; "
            f"latency counts from each request's due time). Target: p99 ≤ {TAIL_TARGET} x p50.",
            "",
            "| endpoint | target req/s | achieved req/s | p50 ms | p99 ms | p99/p50 | "
            "generator lag p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for key, h in result["half_load"].items():
            lines.append(
                f"| {result['endpoints'][key]['title']} | {h['target_rps']:.1f} | "
                f"{h['rps']:.1f} | {h['p50_ms']:.2f} | {h['p99_ms']:.2f} | "
                f"{h['p99_over_p50']:.2f} | {h.get('send_lag_p99_ms', 0):.2f} | "
                f"{h.get('errors', 0)} |"
            )
    if result["endpoints"].get("login"):
        login_figures = result["login"]
        lines += [
            "",
            f"One bcrypt check at cost {s['bcrypt_cost']}: {login_figures['bcrypt_check_ms']:.1f} "
            f"ms, so {login_figures['cores']} cores allow {login_figures['ceiling_rps']:.1f} "
            "logins/s.",
        ]
    if result["rss"]:
        rss = ", ".join(f"{r['instance']}:{r['pid']} {r['rss_mib']:.1f}" for r in result["rss"])
        lines += ["", f"uWSGI worker RSS after the run (MiB): {rss}."]
    lines += ["", "| target | value | met |", "|---|---:|---|"]
    for target in result["targets"]:
        met = "yes" if target["met"] else "**no**"
        value = "-" if target["value"] is None else f"{target['value']:.3f}"
        if target.get("note"):
            met += f" ({target['note']})"
        lines.append(f"| {target['target']} | {value} | {met} |")
    return "\n".join(lines) + "\n"


def scale(args: argparse.Namespace) -> int:
    """Combine the scaling runs: latency at each size against the smallest."""
    runs = sorted(
        (json.loads(Path(path).read_text()) for path in args.results),
        key=lambda run: run["dataset"]["logs"],
    )
    if not runs:
        raise SystemExit("no scaling results to combine")
    smallest = runs[0]
    lines = [
        "## Scaling: the same requests at growing table sizes",
        "",
        "Each cell: requests/s, p50, and the ratio to the baseline run beside it. The runs at",
        "different sizes happen minutes apart, so the machine's other load differs between",
        "them; the third-last column divides out the baseline to compare like with like.",
        "",
        "Issue 14 compares the largest size with the 100k-log run (seeded with 100k; the",
        "benchmark's writes add to it): p50 at the largest ≤ "
        f"{SCALE_VS_100K_TARGET} x p50 at 100k.",
        "",
        "| endpoint | " + " | ".join(f"{r['dataset']['logs']:,} logs" for r in runs) + " | "
        f"p50 at largest / smallest | met (≤ {SCALE_TARGET}) | same, relative to the baseline | "
        f"p50 at largest / at 100k | met (≤ {SCALE_VS_100K_TARGET}) |",
        "|---|" + "---:|" * len(runs) + "---:|---|---:|---:|---|",
    ]
    hundred_k = next((r for r in runs if r.get("label", "").startswith("100000 ")), None)
    combined: dict[str, Any] = {"machine": smallest["machine"], "sizes": [], "endpoints": {}}
    combined["sizes"] = [r["dataset"]["logs"] for r in runs]
    for key, row in smallest["endpoints"].items():
        cells = []
        for r in runs:
            other = r["endpoints"].get(key)
            cells.append(
                f"{other['rps']:.0f} req/s, p50 {other['p50_ms']:.1f} ms, x{other['ratio']:.4f}"
                if other
                else "-"
            )
        largest = runs[-1]["endpoints"].get(key)
        growth = largest["p50_ms"] / row["p50_ms"] if largest and row["p50_ms"] else float("nan")
        # Throughput relative to the baseline, smallest over largest: a latency-like growth
        # factor with the machine's speed at the time of each run divided out.
        relative = row["ratio"] / largest["ratio"] if largest and largest["ratio"] else float("nan")
        met = growth <= SCALE_TARGET
        middle = None
        if hundred_k is not None and hundred_k is not runs[-1]:
            middle = hundred_k["endpoints"].get(key)
        vs_100k = (
            largest["p50_ms"] / middle["p50_ms"]
            if largest and middle and middle["p50_ms"]
            else float("nan")
        )
        met_100k = vs_100k <= SCALE_VS_100K_TARGET
        combined["endpoints"][key] = {
            "p50_ms": [r["endpoints"].get(key, {}).get("p50_ms") for r in runs],
            "rps": [r["endpoints"].get(key, {}).get("rps") for r in runs],
            "growth": growth,
            "relative_growth": relative,
            "met": met,
            "growth_vs_100k": vs_100k,
            "met_vs_100k": met_100k if middle else None,
        }
        lines.append(
            f"| {row['title']} | " + " | ".join(cells) + f" | {growth:.2f} | "
            f"{'yes' if met else '**no**'} | {relative:.2f} | {vs_100k:.2f} | "
            f"{'-' if not middle else 'yes' if met_100k else '**no**'} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(combined, indent=2) + "\n")
    markdown = "\n".join(lines) + "\n"
    out.with_suffix(".md").write_text(markdown)
    print(markdown)
    return 0


def main() -> int:
    """Parse the command line and run."""
    top = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    measure = commands.add_parser("run")
    measure.add_argument("--api", required=True, help="the API through nginx")
    measure.add_argument("--baseline", required=True, help="the baseline's URL through nginx")
    measure.add_argument("--summary", required=True, help="the JSON of `python -m api seed`")
    measure.add_argument("--out", required=True, help="results path without extension")
    measure.add_argument("--label", default="")
    measure.add_argument("--rounds", type=int, default=3)
    measure.add_argument("--duration", type=float, default=5.0)
    measure.add_argument("--connections", type=int, default=16)
    measure.add_argument("--login-connections", type=int, default=8)
    measure.add_argument("--only", help="comma-separated endpoint keys")
    measure.add_argument("--pid-file", action="append", help="a uWSGI master pid file")
    measure.add_argument("--no-half", action="store_true", help="skip the half-load runs")
    measure.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    measure.set_defaults(handler=run)
    combine = commands.add_parser("scale")
    combine.add_argument("--out", required=True)
    combine.add_argument("results", nargs="+")
    combine.set_defaults(handler=scale)
    args = top.parse_args()
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
