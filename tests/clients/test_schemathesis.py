"""Fuzz the API from its own OpenAPI document with schemathesis: every phase, bounded.

Schemathesis (v4: its CLI is a client the project did not write) reads /v2/openapi.json from a
live server, generates valid and invalid requests for every operation (examples, coverage,
fuzzing) and chains them (stateful, following the links it finds in bodies and Location headers).
It fails the test on any 5xx, any response that breaks its documented schema, status, media type
or headers, any invalid request that is accepted, and any operation that answers without the
token it declares. The run is bounded: a fixed number of examples per operation and a fixed seed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
#: Every check but positive_data_acceptance: a schema-valid body may still break a business rule
#: (an unknown team, an expired reset code), and then a 400 is the right answer.
CHECKS = ",".join(
    (
        "not_a_server_error",
        "response_schema_conformance",
        "negative_data_rejection",
        "ignored_auth",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ensure_resource_availability",
    )
)
PHASES = "examples,coverage,fuzzing,stateful"
MAX_EXAMPLES = int(os.environ.get("SPLITS_FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("SPLITS_FUZZ_SEED", "20261121")
FUZZ_USER = "fuzzer"


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("schemathesis is not installed: run scripts/bootstrap.sh (dev extra)")
    return found


def _seed(live: LiveServer) -> None:
    """Give the fuzzer a site admin to act as, other users, and data to find by following links."""
    make = live.make
    make.user(FUZZ_USER, role="admin")
    for name in ("alice", "bob"):
        make.user(name)
    for factory, args in (("log", ("alice",)), ("log", ("bob",)), ("notification", (FUZZ_USER,))):
        if hasattr(make, factory):
            getattr(make, factory)(*args)


def test_schemathesis_finds_nothing(live_server: LiveServer, tmp_path: Path) -> None:
    _seed(live_server)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "SCHEMATHESIS_HOOKS": "tests.clients.fuzz_hooks",
        "SPLITS_FUZZ_URL": live_server.url,
        "SPLITS_FUZZ_DATABASE_URL": live_server.database_url,
        "SPLITS_FUZZ_USER": FUZZ_USER,
        "NO_COLOR": "1",
    }
    command = [
        _schemathesis(),
        "run",
        f"{live_server.url}/v2/openapi.json",
        f"--checks={CHECKS}",
        f"--phases={PHASES}",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--workers=1",
        "--request-timeout=10",
        "--suppress-health-check=all",
        "--warnings=off",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, f"schemathesis found problems:\n{report}"
