"""bench/pace.py: a fixed rate whatever the answers take, latency counted from the due time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.pace import paced, percentile


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    slow_every = 0  # every n-th request sleeps 50 ms (0: never)
    seen = 0

    def do_GET(self) -> None:
        type(self).seen += 1
        if self.slow_every and type(self).seen % self.slow_every == 0:
            time.sleep(0.05)
        status = 304 if self.headers.get("If-None-Match") == '"v1"' else 200
        body = b"" if status == 304 else b'{"ok":true}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen, _Handler.slow_every = 0, 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/x"
    httpd.shutdown()
    httpd.server_close()


def test_sends_at_the_rate_asked(server):
    result = asyncio.run(paced(server, rate=200, duration=1.0, connections=4))
    assert result["requests"] == 200 and result["errors"] == 0
    assert result["statuses"] == {"200": 200}
    assert 150 < result["rps"] <= 210
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_a_slow_answer_delays_the_requests_behind_it_in_their_latency(server):
    # One connection, one answer in 20 taking 50 ms: an open-loop run counts the wait of the
    # requests due meanwhile (a closed-loop one would just send fewer and report ~50 ms once).
    _Handler.slow_every = 20
    result = asyncio.run(paced(server, rate=200, duration=1.0, connections=1))
    assert result["requests"] == 200
    assert result["p99_ms"] >= 45
    assert result["p90_ms"] > 5  # requests queued behind the slow ones carry their wait


def test_sends_the_headers_given(server):
    result = asyncio.run(
        paced(server, rate=50, duration=0.5, connections=2, headers={"If-None-Match": '"v1"'})
    )
    assert result["statuses"] == {"304": 25}


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (
        50.0,
        99.0,
        100.0,
    )
