"""nginx in front of two uWSGI instances: routing, headers, limits and nginx's own errors."""

from __future__ import annotations

import gzip
import json
import socket
import time

import pytest

from api.middleware import BODY_REQUIRED
from tests.e2e.conftest import PROBLEM_JSON, Stack, assert_problem, unique_name

pytestmark = pytest.mark.e2e


def test_requests_reach_both_instances(healthy: Stack) -> None:
    seen = {healthy.get("/health").upstream for _ in range(20)}
    assert seen == healthy.upstreams


def test_request_id_follows_the_request_through_every_layer(healthy: Stack) -> None:
    request_id = unique_name("e2e-")
    reply = healthy.get("/no/such/resource", headers={"X-Request-ID": request_id})

    problem = assert_problem(reply, 404)  # the app's own 404, passed through untouched
    assert reply.header("X-Request-ID") == request_id
    assert problem["request_id"] == request_id
    # Exactly one X-Request-ID: nginx hides the app's copy and sends its own (the same id).
    assert len(reply.headers.get_all("X-Request-ID") or []) == 1
    # uWSGI's JSON request log line carries the same id.
    deadline = time.monotonic() + 5
    lines: list[dict[str, object]] = []
    while not lines and time.monotonic() < deadline:
        for log in healthy.state_dir.glob("api-*.log"):
            lines += [
                json.loads(line)
                for line in log.read_text(errors="replace").splitlines()
                if request_id in line and line.startswith("{")
            ]
        time.sleep(0.1)
    request_lines = [line for line in lines if line.get("logger") == "uwsgi.request"]
    assert request_lines, f"no uWSGI request log line with {request_id}"
    assert request_lines[0]["status"] == 404
    assert request_lines[0]["path"] == "/no/such/resource"


def test_an_unsafe_request_id_is_replaced(healthy: Stack) -> None:
    reply = healthy.get("/health", headers={"X-Request-ID": 'x"><script>'})
    request_id = reply.header("X-Request-ID") or ""
    assert reply.status == 200
    assert request_id and request_id.isalnum()


def test_security_headers_on_answers_and_errors(healthy: Stack) -> None:
    for reply in (healthy.get("/health"), healthy.get("/no/such/resource")):
        assert reply.header("X-Content-Type-Options") == "nosniff"
        assert reply.header("X-Frame-Options") == "DENY"
        assert reply.header("Referrer-Policy") == "no-referrer"
        assert "default-src 'none'" in (reply.header("Content-Security-Policy") or "")
        assert "frame-ancestors 'none'" in (reply.header("Content-Security-Policy") or "")
        assert reply.header("Server") == "nginx"  # no version


def test_the_docs_explorer_keeps_a_policy_that_lets_it_run(healthy: Stack) -> None:
    reply = healthy.get("/docs")
    assert reply.status == 200
    assert (reply.header("Content-Type") or "").startswith("text/html")
    policies = reply.headers.get_all("Content-Security-Policy") or []
    assert len(policies) == 1, policies
    assert "script-src 'self'" in policies[0]
    assert "connect-src 'self'" in policies[0]
    assert len(reply.headers.get_all("X-Content-Type-Options") or []) == 1


def test_json_is_compressed(healthy: Stack) -> None:
    reply = healthy.get("/v2/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert reply.status == 200
    assert reply.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in (reply.header("Vary") or "")
    assert json.loads(gzip.decompress(reply.body))["openapi"].startswith("3.1")


def test_a_two_mebibyte_body_gets_a_json_413(healthy: Stack) -> None:
    reply = healthy.request(
        "POST",
        "/v2/users/",
        body=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    problem = assert_problem(reply, 413)
    assert problem["instance"] == "/v2/users/"
    assert reply.upstream is None  # refused by nginx: no uWSGI worker saw a byte of it


def test_a_burst_on_the_token_endpoint_gets_json_429s(healthy: Stack) -> None:
    healthy.token()  # the session's token, before this test uses up the allowance
    replies = []
    for _ in range(30):  # bounded: burst allowance (10) + rate, well exceeded
        replies.append(
            healthy.request(
                "POST",
                "/v2/auth/token",
                {"username": unique_name("nobody"), "password": "wrong-password-123"},
            )
        )
    limited = [reply for reply in replies if reply.status == 429]
    assert limited, [reply.status for reply in replies]
    for reply in limited:
        assert_problem(reply, 429)
        assert int(reply.header("Retry-After") or "0") >= 1
    # At least one of them is nginx's own (the app never saw it).
    assert any(reply.upstream is None for reply in limited)
    assert all(reply.status in (401, 429) for reply in replies)


def test_discovery_documents_are_not_rate_limited(healthy: Stack) -> None:
    statuses = {healthy.get("/v2/auth/links").status for _ in range(25)}
    assert statuses == {200}


def test_a_too_long_uri_gets_json(healthy: Stack) -> None:
    reply = healthy.get("/v2/users/" + "a" * 20_000)
    assert_problem(reply, 414)


def test_a_long_header_line_reaches_the_app(healthy: Stack) -> None:
    # A long Bearer token or cookie: nginx accepts up to 16 KiB a line, and uWSGI must too.
    reply = healthy.get("/health", headers={"X-Padding": "c" * 15_000})
    assert reply.status == 200
    assert reply.upstream in healthy.upstreams


def test_too_large_headers_get_json(healthy: Stack) -> None:
    reply = healthy.get("/health", headers={"X-Padding": "b" * 20_000})
    assert_problem(reply, 431)


def test_a_malformed_request_gets_json(healthy: Stack) -> None:
    with socket.create_connection((healthy.host, healthy.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nBroken header line\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert f"Content-Type: {PROBLEM_JSON}".encode() in head
    document = json.loads(body)
    assert document["status"] == 400
    assert document["links"][0]["href"] == "/"


@pytest.mark.parametrize("content_type", [None, "text/plain"])
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/v2/users"), ("PUT", "/v2/users/a/change_password")]
)
def test_a_write_without_a_body_is_400_through_nginx_and_uwsgi(
    healthy: Stack, method: str, path: str, content_type: str | None
) -> None:
    # The same answer as `python -m api serve` gives (tests/api/test_cli.py), whatever the server.
    headers = {"Content-Type": content_type} if content_type else {}
    problem = assert_problem(healthy.request(method, path, headers=headers), 400)
    assert problem["detail"] == BODY_REQUIRED
