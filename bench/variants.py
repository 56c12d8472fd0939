"""Compare uWSGI process/thread mixes (and pool sizes) under the benchmark's load, interleaved.

The tail study of docs/performance.md ("The tail"): for each round, for each variant, restart
the benchmark's API stack (scripts/stack.sh, the same state directory, ports and database as
`bench/run.sh`) with that variant's uwsgi.ini knobs, then run `wrk -t1 -c16` on each chosen
endpoint. Variants take turns within every round, so a slow minute on the shared machine hits
them all alike; the report gives the median over rounds of req/s, p50 and p99, and each round.

A variant is PROCESSESxTHREADS, optionally followed by `:KNOB=value,...` where a knob is any
environment variable of the stack (`DB_POOL_SIZE`, `SPLITS_LISTEN`, ...):

    BENCH_PORT=8090 bench/run.sh        # once, with BENCH_KEEP=1: seeds, leaves the stacks up
    python bench/variants.py --summary var/bench/8090/seed-100000.json --port 8090 \\
        --variant 2x4 --variant 4x2 --variant 2x8 --variant 4x1 --variant 8x1 \\
        [--only range_view,leaderboard_month,post_log] [--rounds 3] [--duration 5] \\
        [--out bench/results/tail]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.drive import Sample, endpoints, login, machine, wrk  # noqa: E402
from bench.pace import percentile  # noqa: E402

VARIANT = re.compile(r"^(\d{1,2})x(\d{1,2})(?::((?:[A-Z_]+=[\w./:-]+,?)+))?$")
KNOB = re.compile(r"^(DB_|SPLITS_|STACK_|PYTHON)[A-Z_]*$")


def parse_variant(text: str) -> dict[str, Any]:
    """Turn "4x2:DB_POOL_SIZE=2" into its name and the environment it sets."""
    match = VARIANT.match(text)
    if not match:
        raise SystemExit(f"a variant is PROCESSESxTHREADS[:KNOB=value,...]: {text!r}")
    env = {"SPLITS_PROCESSES": match[1], "SPLITS_THREADS": match[2]}
    for pair in filter(None, (match[3] or "").split(",")):
        name, value = pair.split("=", 1)
        if not KNOB.match(name):
            raise SystemExit(f"{name}: only DB_*, SPLITS_*, STACK_* and PYTHON* knobs")
        env[name] = value
    return {"name": text, "env": env}


def _logs(port: int) -> list[Path]:
    return sorted((ROOT / "var" / "bench" / str(port) / "api").glob("api-*.log"))


def inside_worker(port: int, offsets: dict[Path, int], path: str) -> list[float]:
    """Return the uWSGI request log's durations (ms) of `path` written after `offsets`.

    uWSGI's duration runs from the moment a worker thread took the request to its last byte:
    the time inside the worker, without the wait in the listen queue or in nginx.
    """
    durations = []
    for log in _logs(port):
        with log.open("rb") as handle:
            handle.seek(offsets.get(log, 0))
            for line in handle:
                if b'"uwsgi.request"' not in line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("path") == path:
                    durations.append(float(entry["duration_ms"]))
    return sorted(durations)


def restart(port: int, database: str, env: dict[str, str]) -> None:
    """Restart the benchmark's API stack with `env` (MariaDB keeps running)."""
    stack = {
        **os.environ,
        "STACK_DIR": str(ROOT / "var" / "bench" / str(port) / "api"),
        "STACK_PORT": str(port),
        "STACK_DATABASE": database,
        "STACK_AUTH_RATE": "100000r/s",
        **env,
    }
    for command in ("down", "up"):
        done = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
            [str(ROOT / "scripts" / "stack.sh"), command],
            cwd=ROOT,
            env=stack,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"stack.sh {command} failed: {done.stderr[-1500:]}")


def _median(values: Any) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def main() -> int:
    """Parse the command line, run the interleaved rounds, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", required=True, help="the seed summary of bench/run.sh")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8090")))
    parser.add_argument("--database", help="default: splits_bench_<seeded logs>")
    parser.add_argument("--variant", action="append", required=True)
    parser.add_argument("--only", default="range_view,leaderboard_month,post_log")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", default=str(HERE / "results" / "tail"))
    args = parser.parse_args()
    summary = json.loads(Path(args.summary).read_text())
    database = args.database or f"splits_bench_{Path(args.summary).stem.split('-')[-1]}"
    variants = [parse_variant(text) for text in args.variant]
    keys = args.only.split(",")
    chosen = [endpoint for endpoint in endpoints(summary) if endpoint.key in keys]
    api = f"http://127.0.0.1:{args.port}"
    password = summary["password"]
    samples: dict[str, dict[str, list[Sample]]] = {
        v["name"]: {e.key: [] for e in chosen} for v in variants
    }
    inside: dict[str, dict[str, list[tuple[float, float]]]] = {
        v["name"]: {e.key: [] for e in chosen} for v in variants
    }
    for number in range(1, args.rounds + 1):
        for variant in variants:
            restart(args.port, database, variant["env"])
            for endpoint in chosen:
                if endpoint.token_for == "writers":  # noqa: S105 (whose token, not a secret)
                    token = ",".join(login(api, user, password) for user in summary["writers"])
                elif endpoint.token_for:
                    token = login(api, summary["bench_user"], password)
                else:
                    token = None
                # Warm up first (lazy-apps: each worker imports the app, compiles its schemas
                # and opens its pool on its first requests), then measure.
                for seconds in (1.0, args.duration):
                    offsets = {log: log.stat().st_size for log in _logs(args.port)}
                    sample = wrk(
                        api + endpoint.path,
                        duration=seconds,
                        connections=args.connections,
                        method=endpoint.method,
                        token=token,
                        body=endpoint.body,
                    )
                samples[variant["name"]][endpoint.key].append(sample)
                durations = inside_worker(args.port, offsets, endpoint.path)
                if durations:
                    inside[variant["name"]][endpoint.key].append(
                        (percentile(durations, 50), percentile(durations, 99))
                    )
                print(
                    f"round {number} {variant['name']:<22} {endpoint.key:<18} "
                    f"{sample.rps:8.1f} req/s p50 {sample.p50_ms:7.2f} p99 {sample.p99_ms:7.2f} "
                    f"errors {sample.errors + sample.non_2xx}",
                    file=sys.stderr,
                    flush=True,
                )
    restart(args.port, database, {})  # leave the stack as uwsgi.ini has it
    result: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "settings": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "connections": args.connections,
            "instances": 2,
        },
        "variants": {
            name: {
                key: {
                    "rps": statistics.median(s.rps for s in runs),
                    "p50_ms": statistics.median(s.p50_ms for s in runs),
                    "p99_ms": statistics.median(s.p99_ms for s in runs),
                    "errors": sum(s.errors + s.non_2xx for s in runs),
                    "inside_p50_ms": _median(p50 for p50, _ in inside[name][key]),
                    "inside_p99_ms": _median(p99 for _, p99 in inside[name][key]),
                    "rounds": [s.__dict__ for s in runs],
                }
                for key, runs in by_key.items()
            }
            for name, by_key in samples.items()
        },
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"## uWSGI variants ({result['when']})",
        "",
        f"2 instances behind nginx; wrk -t1 -c{args.connections}, {args.duration:g} s per run, "
        f"median of {args.rounds} interleaved rounds (each round restarts the stack once per "
        "variant). Variant: processes x threads per instance[:other knobs].",
        "",
        "Each cell: req/s, p50 and p99 at the client (wrk), then [p50, p99 inside the worker]"
        " from uWSGI's request log (from a thread taking the request to its last byte: no"
        " listen-queue or nginx wait).",
        "",
        "| variant | " + " | ".join(f"{e.title}: req/s, p50, p99 ms" for e in chosen) + " |",
        "|---|" + "---:|" * len(chosen),
    ]
    for name, by_key in result["variants"].items():
        cells = [
            f"{by_key[e.key]['rps']:.0f}, {by_key[e.key]['p50_ms']:.1f}, "
            f"{by_key[e.key]['p99_ms']:.1f} [{by_key[e.key]['inside_p50_ms']:.0f}, "
            f"{by_key[e.key]['inside_p99_ms']:.0f}]"
            + (" (errors)" if by_key[e.key]["errors"] else "")
            for e in chosen
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    markdown = "\n".join(lines) + "\n"
    out.with_suffix(".md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
