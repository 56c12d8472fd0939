"""The API image's Dockerfile: base, non-root, what it copies, what it runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_python_311_slim_for_build_and_runtime() -> None:
    bases = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert bases == ["python:3.11-slim", "python:3.11-slim"]


def test_the_project_is_installed_with_the_server_extra() -> None:
    assert 'pip install --no-deps -e ".[server]"' in DOCKERFILE
    assert '["optional-dependencies"]["server"]' in DOCKERFILE


def test_it_runs_uwsgi_as_an_unprivileged_user() -> None:
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert DOCKERFILE.rstrip().splitlines()[-1] == 'CMD ["uwsgi", "--ini", "/app/uwsgi.ini"]'
    assert "HEALTHCHECK" in DOCKERFILE and "/health" in DOCKERFILE


def test_everything_it_copies_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git"} <= ignored  # secrets, databases and GBs stay out
    for line in re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE, re.M):
        *sources, _ = line.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") not in ignored, source
