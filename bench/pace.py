"""A fixed-rate (open-loop) HTTP load generator: the half-load runs of the benchmark.

Debian's wrk (4.1) has no fixed-rate mode (`-R` is wrk2's, which Debian does not package), and
wrk's `delay()` pacing is closed-loop: a connection waits for its answer before it pauses
and sends again, so a slow answer delays the requests behind it and the run never records
how long they would have waited (coordinated omission). Here request *i* is due at
`start + i / rate` whatever happened before, and its latency is counted from that due time
to the end of its answer: a request that had to wait for a free connection or for a worker
carries that wait in its latency, as a client's would. Only the generator's own lateness
(its event loop busy reading other answers) is left out of the latency and reported apart.

It speaks just enough HTTP/1.1 for the benchmark (keep-alive, Content-Length bodies, no
chunking), on at most `--connections` connections to 127.0.0.1, bounded by the run's
duration plus a grace period. It prints one JSON object:
requests, seconds, achieved req/s, p50/p90/p99/max in ms, errors, statuses, and how late the
generator itself sent (its own lag, to tell a slow generator from a slow server).

    python bench/pace.py --url http://127.0.0.1:8090/v2/links --rate 500 --duration 10
        [--connections 32] [--method GET] [--token T] [--body JSON] [--header 'Name: value']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import sys
import time
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = re.compile(r"^http://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?(/|$)")
GRACE_SECONDS = 10.0


def percentile(ordered: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank) of an ascending list."""
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> int:
        """Send one request, read its answer whole, return the status."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        """Close the socket; the next send opens a new one."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def paced(
    url: str,
    *,
    rate: float,
    duration: float,
    connections: int,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """Send `rate` requests per second for `duration` seconds; return the figures."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    payload = body.encode() if body else b""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if payload:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        free.put_nowait(Connection(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    lag: list[float] = []

    async def one(due: float) -> None:
        nonlocal errors
        connection = await free.get()
        try:
            status = await connection.send(request)
            latencies.append(time.perf_counter() - due)
            statuses[status] = statuses.get(status, 0) + 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            connection.close()
        finally:
            free.put_nowait(connection)

    total = max(1, int(rate * duration))
    start = time.perf_counter() + 0.05
    tasks = []
    for number in range(total):
        due = start + number / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        # Latency counts from when the generator sent it on its way (at `due`, or later when
        # the generator itself ran late: its own lag, reported apart, is not the server's).
        now = time.perf_counter()
        lag.append(max(0.0, now - due))
        tasks.append(asyncio.ensure_future(one(max(due, now))))
    _, pending = await asyncio.wait(tasks, timeout=GRACE_SECONDS) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    seconds = time.perf_counter() - start
    while not free.empty():
        free.get_nowait().close()
    ordered = sorted(latencies)
    ms = [value * 1000 for value in ordered]
    return {
        "requests": len(ordered),
        "seconds": seconds,
        "target_rps": rate,
        "rps": len(ordered) / seconds if seconds else 0.0,
        "connections": connections,
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1] if ms else float("nan"),
        "errors": errors + len(pending),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "send_lag_p99_ms": percentile(sorted(lag), 99) * 1000,
    }


def main() -> int:
    """Parse the command line, run once, print the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds (at most 120)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--token")
    parser.add_argument("--body")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args()
    if not LOOPBACK.match(args.url):
        raise SystemExit(f"refusing to load {args.url}: the benchmark targets 127.0.0.1 only")
    if not 0 < args.rate <= 20000 or not 0 < args.duration <= 120:
        raise SystemExit("--rate must be in (0, 20000] and --duration in (0, 120]")
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    result = asyncio.run(
        paced(
            args.url,
            rate=args.rate,
            duration=args.duration,
            connections=max(1, min(args.connections, 256)),
            method=args.method,
            headers=headers,
            body=args.body,
        )
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
