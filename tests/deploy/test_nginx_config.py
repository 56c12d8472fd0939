"""nginx's configuration: nginx accepts it, and it says what the deployment relies on."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from api.errors import STATUS_TYPES

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "nginx"
STACK_SH = ROOT / "scripts" / "stack.sh"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (scripts/stack.sh up installs it)"
)
PROBLEM_STATUSES = {400, 403, 404, 405, 413, 414, 429, 431, 500, 502, 503, 504}


def read(name: str) -> str:
    return (NGINX_DIR / name).read_text()


def without_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


@needs_nginx
def test_the_stack_variant_passes_nginx_t(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(STACK_SH), "check-config"],
        env={**os.environ, "STACK_DIR": str(tmp_path), "STACK_PORT": "18999"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rendered = (tmp_path / "nginx" / "nginx.conf").read_text()
    assert "listen 127.0.0.1:18999 default_server;" in rendered
    assert "server 127.0.0.1:19000 " in rendered and "server 127.0.0.1:19001 " in rendered
    assert "@" not in without_comments(rendered)


@needs_nginx
def test_the_docker_variant_passes_nginx_t(tmp_path: Path) -> None:
    # Its includes are relative to its own directory; `api` is resolved per request, not now.
    done = subprocess.run(
        [NGINX, "-t", "-q", "-p", f"{tmp_path}/", "-c", str(NGINX_DIR / "nginx.conf"),
         "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_stack_listens_on_loopback_only() -> None:
    listens = re.findall(r"^\s*listen\s+([^;]+);", read("stack.conf.template"), re.M)
    assert listens and all(value.startswith("127.0.0.1:") for value in listens)


def test_the_workers_share_which_instances_are_down() -> None:
    # Per-worker state let one worker refuse every instance after another saw them recover.
    block = re.search(r"upstream splits_api \{(.*?)\}", read("stack.conf.template"), re.S)
    assert block is not None
    assert re.search(r"^\s*zone splits_api \w+;", without_comments(block.group(1)), re.M)


def test_idempotent_requests_only_are_retried_on_another_instance() -> None:
    http = without_comments(read("splits-http.conf"))
    assert re.search(r"uwsgi_next_upstream\s+error timeout;", http)
    assert "non_idempotent" not in http


def test_body_limit_and_rate_limits() -> None:
    http = without_comments(read("splits-http.conf"))
    server = without_comments(read("splits-server.conf"))
    assert re.search(r"client_max_body_size\s+1m;", http)
    for conf in (read("nginx.conf"), read("stack.conf.template")):
        assert "limit_req_status 429;" in conf
        assert "zone=splits_auth" in conf and "zone=splits_password" in conf
    for location in (
        "location /v2/auth/ {",
        "location /v2/forgot_password/ {",
        "location ~ ^/v2/users/[^/]+/change_password/?$ {",
    ):
        block = server.split(location, 1)[1].split("}", 1)[0]
        assert "limit_req zone=" in block, location


def test_security_headers_and_request_id_on_every_answer() -> None:
    server = without_comments(read("splits-server.conf"))
    for header in (
        "X-Request-ID",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Content-Security-Policy",
        "Retry-After",
    ):
        assert re.search(rf"add_header {header} \S+ always;", server), header
    # add_header in a location would silently drop every server-level one there.
    locations = server.split("location", 1)[1]
    assert "add_header" not in locations
    uwsgi = without_comments(read("splits-uwsgi.conf"))
    assert "uwsgi_param HTTP_X_REQUEST_ID $splits_request_id;" in uwsgi


def test_every_nginx_error_is_a_problem_document() -> None:
    problems = without_comments(read("splits-problems.conf"))
    pages = dict(re.findall(r"error_page (\d+)(?: =\d+)? (/\S+);", problems))
    blocks = dict(
        re.findall(
            r"location = (/_splits/problem/\d+) \{\s*internal;\s*return \d+ '([^']*)';", problems
        )
    )
    assert {int(code) for code in pages} >= (PROBLEM_STATUSES - {431}) | {494}
    for code, target in pages.items():
        assert target in blocks, code
    statuses = set()
    for target, body in blocks.items():
        # nginx substitutes the two variables with JSON-safe strings (splits-http.conf).
        filled = body.replace("$splits_problem_instance", "/x")
        document = json.loads(filled.replace("$splits_request_id", "abc"))
        assert set(document) == {
            "type", "title", "status", "detail", "instance", "links", "request_id",
        }  # fmt: skip
        assert target.endswith(f"/{document['status']}")
        # The same problem type, `type` and title, as the app sends for that status.
        problem_type = STATUS_TYPES[document["status"]]
        assert (document["type"], document["title"]) == (problem_type.uri, problem_type.title)
        assert document["links"] == [
            {"rel": "root", "href": "/", "method": "GET", "title": "API root"}
        ]
        statuses.add(document["status"])
    assert statuses == PROBLEM_STATUSES
    http = read("splits-http.conf")
    assert "default_type application/problem+json;" in http
    assert "uwsgi_intercept_errors off;" in http  # the app's own problems pass untouched


def test_the_image_copies_every_snippet() -> None:
    copy = re.search(r"^COPY (.+) /etc/nginx/$", read("Dockerfile"), re.M)
    assert copy, "nginx/Dockerfile copies no configuration"
    copied = set(copy.group(1).split())
    configs = [name for name in os.listdir(NGINX_DIR) if name.endswith((".conf", ".template"))]
    included = set(re.findall(r"include (splits-[a-z]+\.conf);", "".join(map(read, configs))))
    assert included <= copied
    assert "nginx.conf" in copied


def test_metrics_are_served_to_loopback_and_the_internal_network_only() -> None:
    server = without_comments(read("splits-server.conf"))
    location = server[server.index("location = /metrics {") :]
    location = location[: location.index("\n}\n")]
    assert "if ($splits_metrics_allowed = 0)" in location and "return 403;" in location
    assert "include splits-uwsgi.conf;" in location
    for name in ("nginx.conf", "stack.conf.template"):
        config = without_comments(read(name))
        geo = config[config.index("geo $splits_metrics_allowed {") :]
        geo = geo[: geo.index("}")]
        assert "default 0;" in geo and "127.0.0.1/32 1;" in geo and "::1/128 1;" in geo, name
    assert "@METRICS_ALLOW@" in read("stack.conf.template")


@needs_nginx
def test_the_stack_renders_its_metrics_networks(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(STACK_SH), "check-config"],
        env={**os.environ, "STACK_DIR": str(tmp_path), "STACK_METRICS_ALLOW": "10.9.0.0/16"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "        10.9.0.0/16 1;" in (tmp_path / "nginx" / "nginx.conf").read_text()
