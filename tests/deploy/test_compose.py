"""docker-compose.yml is a valid deployment: services, health checks, start order, secrets.

No Docker engine runs here, so the file is checked the way `docker compose config` would read
it (YAML, merge keys resolved) plus the rules Splits' deployment depends on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read docker-compose.yml")

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("migrate", "api")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def test_the_four_services(services: dict[str, Any]) -> None:
    default = {name for name, service in services.items() if not service.get("profiles")}
    assert default == {"db", "migrate", "api", "nginx"}


def test_the_galera_profile_is_three_synced_checked_nodes_behind_haproxy(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    galera = {name for name, service in services.items() if "galera" in service.get("profiles", [])}
    assert galera == {"galera-1", "galera-2", "galera-3", "galera-check", "galera-proxy"}
    for n in (1, 2, 3):
        node = services[f"galera-{n}"]
        assert node["image"].startswith("mariadb:")
        assert ("--wsrep-new-cluster" in node["command"]) == (n == 1)
        assert "--wsrep-mode=REQUIRED_PRIMARY_KEY,STRICT_REPLICATION" in node["command"]
        assert "--galera_online" in node["healthcheck"]["test"]  # Synced, not merely running
        assert node["volumes"][0].split(":")[0] in compose["volumes"]
    proxy = (ROOT / "deploy" / "galera" / "haproxy.cfg").read_text()
    assert "option httpchk" in proxy and "mysql-check" not in proxy
    servers = [line.split() for line in proxy.splitlines() if line.strip().startswith("server ")]
    assert [server[-1] == "backup" for server in servers] == [False, True, True]
    assert "galera_check.py" in " ".join(services["galera-check"]["command"])
    environment = services["api"]["environment"]
    assert "${SPLITS_DB_HOST:-db}" in environment["DATABASE_URL"]


def test_the_database_is_mysql_8_on_a_volume_with_a_health_check(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    db = services["db"]
    assert db["image"].startswith("mysql:8")
    volume = db["volumes"][0].split(":")
    assert volume[1] == "/var/lib/mysql"
    assert volume[0] in compose["volumes"]  # a named volume, not a container's scratch space
    assert "SELECT 1" in " ".join(db["healthcheck"]["test"])


def test_migrate_is_a_one_shot_of_the_api_image_after_the_database(
    services: dict[str, Any],
) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "api", "db", "upgrade"]
    assert migrate["image"] == services["api"]["image"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_the_api_waits_for_migrations_and_is_health_checked(services: dict[str, Any]) -> None:
    api = services["api"]
    assert api["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert "/health" in " ".join(api["healthcheck"]["test"])
    assert "uwsgi" not in " ".join(api.get("command", []))  # the image's CMD: uwsgi.ini


def test_the_api_scales_no_fixed_name_no_host_port(services: dict[str, Any]) -> None:
    api = services["api"]
    assert "container_name" not in api  # --scale api=N needs N names
    assert "ports" not in api
    assert api["expose"] == ["3031"]


def test_only_nginx_publishes_a_port(services: dict[str, Any]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    assert services["nginx"]["depends_on"] == {"api": {"condition": "service_healthy"}}
    assert services["nginx"]["healthcheck"]["test"]


def test_nginx_reaches_every_replica_by_service_name() -> None:
    conf = (ROOT / "nginx" / "nginx.conf").read_text()
    assert "resolver 127.0.0.11" in conf  # Docker's DNS, re-asked while running
    assert re.search(r"set \$splits_upstream api:3031;", conf)
    assert "listen 8080" in conf


@pytest.mark.parametrize("name", ["SECRET_KEY", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"])
def test_secrets_come_from_the_environment_with_no_default(name: str) -> None:
    text = COMPOSE.read_text()
    uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
    assert uses, f"{name} is not taken from the environment"
    for modifier in uses:
        assert modifier.startswith(":?"), f"${{{name}{modifier}}} must fail when unset"


def test_the_app_runs_in_production_mode(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["SPLITS_ENV"] == "production"
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert environment["DATABASE_URL"].startswith("mysql+pymysql://")


def test_containers_run_without_privileges(services: dict[str, Any]) -> None:
    for name in ("migrate", "api", "nginx"):
        service = services[name]
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]


def test_builds_point_at_dockerfiles(services: dict[str, Any]) -> None:
    for name in ("migrate", "api", "nginx"):
        context = ROOT / services[name]["build"]
        assert (context / "Dockerfile").is_file()


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False
    ).returncode,
    reason="docker compose is not installed",
)
def test_docker_compose_accepts_the_file() -> None:
    secrets = {"SECRET_KEY": "x" * 48, "MYSQL_PASSWORD": "p", "MYSQL_ROOT_PASSWORD": "r"}
    done = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
        env={"PATH": os.environ["PATH"], **secrets},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
