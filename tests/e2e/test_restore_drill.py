"""The restore drill of docs/operations.md: dump, restore elsewhere, serve identical answers.

Dump the live stack's database with `mariadb-dump --single-transaction` (while it serves),
restore the dump into a second database on the same server, point a second copy of the app at
it (in process, through falcon.testing) and compare its answers with the live stack's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from falcon import testing

from api.app import create_app
from api.config import Config
from tests.e2e.conftest import SECRET_KEY, Stack

pytestmark = pytest.mark.e2e

RESTORED = "splits_e2e_restore"
#: The clause docs/operations.md's restore strips with sed.
DEFINER = re.compile(rb"/\*!50017 DEFINER=`[^`]*`@`[^`]*`\*/ ?")
VOLATILE = {"request_id"}


def _client_options(stack: Stack, directory: Path) -> list[str]:
    """Write the credentials to an option file (not the command line, where `ps` shows them)."""
    options = directory / "client.cnf"
    options.write_text(
        "[client]\nuser=splits\npassword=splits\nhost=127.0.0.1\n"
        f"port={stack.env['MARIADB_PORT']}\nprotocol=tcp\n"
    )
    options.chmod(0o600)
    return [f"--defaults-extra-file={options}"]


def _tool(*names: str) -> str:
    for name in names:
        path = shutil.which(name) or (
            f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None
        )
        if path:
            return path
    pytest.fail(f"none of {names} is installed (scripts/mariadb.sh up installs mariadb-client)")


def _comparable(document: Any) -> Any:
    if isinstance(document, dict):
        return {key: _comparable(value) for key, value in document.items() if key not in VOLATILE}
    if isinstance(document, list):
        return [_comparable(item) for item in document]
    return document


def test_a_restored_dump_serves_identical_answers(stack: Stack, tmp_path: Path) -> None:
    # A token of the live stack, taken before the dump: same key, users and sessions in the copy.
    auth = stack.auth()
    options = _client_options(stack, tmp_path)
    dump = tmp_path / "splits.sql"
    with dump.open("wb") as out:
        subprocess.run(
            [_tool("mariadb-dump", "mysqldump"), *options, "--single-transaction",
             "--triggers", "--hex-blob", "--default-character-set=utf8mb4", "--no-tablespaces",
             stack.env["STACK_DATABASE"]],
            stdout=out, check=True, timeout=300,
        )  # fmt: skip
    assert dump.stat().st_size > 10_000

    stack.mariadb("dropdb", RESTORED)
    stack.mariadb("createdb", RESTORED)
    # As docs/operations.md restores: without the triggers' DEFINER, which names the account
    # that ran the migrations (over the socket) and needs SUPER to restore as another one.
    script = DEFINER.sub(b"", dump.read_bytes())
    assert b"TRIGGER" in script and b"DEFINER" not in script
    subprocess.run(
        [_tool("mariadb", "mysql"), *options, RESTORED], input=script, check=True, timeout=300
    )

    restored = testing.TestClient(
        create_app(
            Config(
                database_url=stack.database_url(RESTORED),
                secret_key=SECRET_KEY,
                environment="production",
                bcrypt_cost=4,
            )
        )
    )
    users = stack.get("/v2/users?limit=5", headers=auth).json()
    usernames = [item["username"] for item in users["users"]][:3]
    paths = [
        "/health/ready",
        "/v2/types",
        "/v2/users?limit=20",
        f"/v2/users/{stack.admin}",
        *(f"/v2/users/{name}" for name in usernames),
        "/v2/groups",
        "/v2/teams",
    ]
    try:
        for path in paths:
            live = stack.get(path, headers=auth)
            copy = restored.simulate_get(path, headers=auth)
            assert live.status == 200, (path, live.body[:300])
            assert copy.status_code == 200, (path, copy.text[:300])
            assert _comparable(copy.json) == _comparable(json.loads(live.body)), path
            assert copy.headers.get("ETag") == live.header("ETag"), path
    finally:
        stack.mariadb("dropdb", RESTORED)
