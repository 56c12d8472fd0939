"""A client generated from /v2/openapi.json (by openapi-python-client) works against the server.

The README tells API users to generate their client this way, so the test does what they do:
fetch the document from a live server, generate a package with every operation, import it, and
log in, read and change a profile through it.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from api.config import DEFAULT_DISABLED_ROUTES
from api.registry import build_registry
from api.routes import RESOURCE_MODULES
from resources.discovery import LinksDocuments
from tests.clients.conftest import LiveServer
from tests.factories import PASSWORD

PACKAGE = "splits_client"


def _generate(live: LiveServer, directory: Path) -> Path:
    document = directory / "openapi.json"
    with urlopen(f"{live.url}/v2/openapi.json", timeout=10) as response:  # noqa: S310 (loopback)
        document.write_bytes(response.read())
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
        ],
        cwd=directory,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The generator skips what it cannot describe with a warning: every operation must make it.
    assert "WARNING" not in output and "Unable to" not in output, output
    return directory / PACKAGE


@pytest.fixture
def generated(live_server: LiveServer, tmp_path: Path):
    """The generated package, imported; removed from sys.modules afterwards."""
    package = _generate(live_server, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield package
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_every_operation_gets_a_function(generated: Path):
    registry = build_registry(
        RESOURCE_MODULES, links_resource=LinksDocuments, disabled_routes=DEFAULT_DISABLED_ROUTES
    )
    functions = {path.stem for path in (generated / "api").rglob("*.py")}
    missing = {endpoint.name.replace(".", "_") for endpoint in registry} - functions
    assert not missing


def test_a_generated_client_logs_in_reads_and_changes_a_profile(generated, live_server):
    live_server.make.user("gena", first="Gena", last="Rated")
    client_module = importlib.import_module(PACKAGE)
    auth_token = importlib.import_module(f"{PACKAGE}.api.auth.auth_token")
    users_item = importlib.import_module(f"{PACKAGE}.api.users.users_item")
    users_replace = importlib.import_module(f"{PACKAGE}.api.users.users_replace")
    models = importlib.import_module(f"{PACKAGE}.models")

    anonymous = client_module.Client(base_url=live_server.url)
    grant = auth_token.sync(
        client=anonymous, body=models.AuthToken(username="gena", password=PASSWORD)
    )
    assert isinstance(grant, models.Token), grant
    assert grant.user.username == "gena"
    client = client_module.AuthenticatedClient(base_url=live_server.url, token=grant.access_token)

    item = users_item.sync(username="gena", client=client)
    assert isinstance(item, models.UserItem) and item.user.first == "Gena"
    assert any(link.rel == "edit" for link in item.user.links)

    body = models.UserUpdate(first="Gen", last="Rated", email="gena@example.com")
    replaced = users_replace.sync(username="gena", client=client, body=body)
    assert isinstance(replaced, models.UserItem), replaced
    assert replaced.updated is True and replaced.user.first == "Gen"

    missing = users_item.sync_detailed(username="nobody", client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem) and missing.parsed.status == 404
