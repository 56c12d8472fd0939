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
import math
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
LOOPBACK = re.compile(r"^http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(/|$)")

#: Issue 7's targets: an endpoint's requests/s as a share of the baseline's, side by side.
BASELINE_TARGETS = {
    "links": 0.5,
    "user": 0.2,
    "log": 0.2,
    "feed": 0.1,
    "range_view": 0.08,
    "leaderboard": 0.08,
}
POST_VS_GET_TARGET = 0.7
LOGIN_TARGET = 0.9
TAIL_TARGET = 4.0
SCALE_TARGET = 1.5


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
    return [
        Endpoint("links", "GET /v2/links", "GET", "/v2/links"),
        Endpoint("user", "GET /v2/users/{u}", "GET", f"/v2/users/{summary['bench_user']}", "bench"),
        Endpoint("log", "GET /v2/logs/{id}", "GET", f"/v2/logs/{summary['bench_log_id']}", "bench"),
        Endpoint(
            "feed",
            "log feed, group page of 10",
            "GET",
            f"/v2/log_feed/group/{group}/10/0",
            "bench",
        ),
        Endpoint(
            "range_view",
            "range view, group, 90 days",
            "GET",
            f"/v2/range_view/group/{group}/rbso/{start}/{end}",
            "bench",
        ),
        Endpoint(
            "leaderboard",
            "leaderboard, 50-member group",
            "GET",
            f"/v2/groups/leaderboard/{group}",
            "bench",
        ),
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
    method: str, url: str, body: str | None = None, token: str | None = None
) -> tuple[int, bytes]:
    """Send one request; return its status and body."""
    _check_loopback(url)
    headers = {"Content-Type": "application/json"} if body else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (checked: http to loopback only)
        url, data=body.encode() if body else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback only)
            return answer.status, answer.read()
    except urllib.error.HTTPError as ex:
        return ex.code, ex.read()


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
    delay_ms: int = 0,
) -> Sample:
    """Run wrk once (one thread, bounded in time) and return its figures."""
    _check_loopback(url)
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_TOKEN": token or "",  # comma-separated: taken in turns
        "BENCH_BODY": body or "",
        "BENCH_DELAY_MS": str(delay_ms),
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
    _preflight(api, args.baseline, chosen, tokens)
    series = {endpoint.key: Series() for endpoint in chosen}
    for number in range(1, args.rounds + 1):
        for endpoint in chosen:
            token = tokens[endpoint.token_for]() if endpoint.token_for else None
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
            )
            series[endpoint.key].baselines.append(base)
            series[endpoint.key].samples.append(sample)
            _say(
                f"round {number}/{args.rounds} {endpoint.key:<12} {sample.rps:9.1f} req/s "
                f"p50 {sample.p50_ms:7.2f} ms p99 {sample.p99_ms:7.2f} ms | baseline "
                f"{base.rps:9.1f} req/s  errors {sample.errors + sample.non_2xx}"
            )
    half = {} if args.no_half else _half_load(api, chosen, series, tokens, args)
    cost = int(os.environ.get("BCRYPT_COST", "12"))
    result = _result(args, summary, chosen, series, half, cost)
    _write(Path(args.out), result)
    return 1 if args.strict and not all(t["met"] for t in result["targets"]) else 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _preflight(api: str, baseline: str, chosen: list[Endpoint], tokens: dict[str, Any]) -> None:
    """Refuse to measure an endpoint that does not answer as it should (a fast 404 is no win)."""
    status, _ = http("GET", baseline)
    if status != 200:
        raise SystemExit(f"the baseline at {baseline} answered {status}")
    for endpoint in chosen:
        token = tokens[endpoint.token_for]() if endpoint.token_for else None
        first = token.split(",")[0] if token else None
        status, body = http(endpoint.method, api + endpoint.path, endpoint.body, first)
        if status != endpoint.status:
            raise SystemExit(
                f"{endpoint.method} {endpoint.path} answered {status}, not {endpoint.status}: "
                f"{body[:300]!r}"
            )


def _half_load(
    api: str,
    chosen: list[Endpoint],
    series: dict[str, Series],
    tokens: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, dict[str, float]]:
    """Run each read endpoint paced at half its measured maximum; compare p99 with p50.

    wrk is closed-loop, so the pace comes from a pause after each response (wrk's delay()):
    with c connections, a pause of c/rate minus the response time gives about `rate` req/s.
    """
    half: dict[str, dict[str, float]] = {}
    for endpoint in chosen:
        if not endpoint.read:
            continue
        target = series[endpoint.key].median("rps") / 2
        connections = max(2, math.ceil(target * 0.02))  # a pause of about 20 ms per connection
        cycle_ms = 1000 * connections / target  # each connection's time between two requests
        token = tokens[endpoint.token_for]() if endpoint.token_for else None

        def paced(
            pause: int,
            seconds: float,
            endpoint: Endpoint = endpoint,
            token: Any = token,
            connections: int = connections,
        ) -> Sample:
            return wrk(
                api + endpoint.path,
                duration=seconds,
                connections=connections,
                method=endpoint.method,
                token=token,
                body=endpoint.body,
                delay_ms=pause,
            )

        # The response time adds to each pause: measure it on one idle connection, subtract it.
        probe = paced(0, 2, connections=1)
        sample = paced(max(1, round(cycle_ms - probe.p50_ms)), args.duration * 2)
        half[endpoint.key] = {
            "target_rps": target,
            "rps": sample.rps,
            "connections": connections,
            "p50_ms": sample.p50_ms,
            "p99_ms": sample.p99_ms,
            "p99_over_p50": sample.p99_ms / sample.p50_ms if sample.p50_ms else float("nan"),
            "errors": sample.errors + sample.non_2xx,
        }
        _say(
            f"half load {endpoint.key:<12} {sample.rps:8.1f}/{target:8.1f} req/s "
            f"p50 {sample.p50_ms:6.2f} ms p99 {sample.p99_ms:6.2f} ms"
        )
    return half


def _result(
    args: argparse.Namespace,
    summary: dict[str, Any],
    chosen: list[Endpoint],
    series: dict[str, Series],
    half: dict[str, dict[str, float]],
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


def _targets(
    rows: dict[str, Any], half: dict[str, dict[str, float]], cores: int, check: float
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
        f"{result['loadavg_after'][0]:.2f} (other work on the machine skews the figures).",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | baseline req/s | ratio | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["endpoints"].values():
        lines.append(
            f"| {row['title']} | {row['rps']:.1f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
            f"{row['baseline_rps']:.1f} | {row['ratio']:.3f} | {row['errors']} |"
        )
    if result["half_load"]:
        lines += [
            "",
            "Half load (paced at half the maximum above):",
            "",
            "| endpoint | target req/s | achieved req/s | p50 ms | p99 ms | p99/p50 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, h in result["half_load"].items():
            lines.append(
                f"| {result['endpoints'][key]['title']} | {h['target_rps']:.1f} | "
                f"{h['rps']:.1f} | {h['p50_ms']:.2f} | {h['p99_ms']:.2f} | "
                f"{h['p99_over_p50']:.2f} |"
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
        lines.append(f"| {target['target']} | {target['value']:.3f} | {met} |")
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
        "them; the last column divides out the baseline to compare like with like.",
        "",
        "| endpoint | " + " | ".join(f"{r['dataset']['logs']:,} logs" for r in runs) + " | "
        f"p50 at largest / smallest | met (≤ {SCALE_TARGET}) | same, relative to the baseline |",
        "|---|" + "---:|" * len(runs) + "---:|---|---:|",
    ]
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
        combined["endpoints"][key] = {
            "p50_ms": [r["endpoints"].get(key, {}).get("p50_ms") for r in runs],
            "rps": [r["endpoints"].get(key, {}).get("rps") for r in runs],
            "growth": growth,
            "relative_growth": relative,
            "met": met,
        }
        lines.append(
            f"| {row['title']} | " + " | ".join(cells) + f" | {growth:.2f} | "
            f"{'yes' if met else '**no**'} | {relative:.2f} |"
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
