"""Migrations run through HAProxy (the writer) and reach every node of the cluster."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import inspect, text

from api import migrations
from tests.galera.conftest import ROOT, Cluster

pytestmark = pytest.mark.galera


def node_schemas(cluster: Cluster) -> dict[int, tuple[str | None, frozenset[str]]]:
    """Return each node's revision and table names, read from the node directly."""
    schemas = {}
    for node in (1, 2, 3):
        engine = cluster.node_engine(node)
        try:
            with engine.connect() as connection:
                schemas[node] = (
                    migrations.current_revision(connection),
                    frozenset(inspect(connection).get_table_names()),
                )
        finally:
            engine.dispose()
    return schemas


def migrate(cluster: Cluster, *args: str) -> None:
    """Run `python -m api db ARGS` through HAProxy, as stack.sh does."""
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run(
        [str(ROOT / "scripts" / "galera.sh"), "migrate", python, "-m", "api", "db", *args],
        env={**cluster.env, "DATABASE_URL": cluster.node_url()},
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_migrations_through_the_writer_reach_every_node(cluster: Cluster):
    cluster.wait_converged()
    head = migrations.head_revision()
    at_head = node_schemas(cluster)
    assert {revision for revision, _ in at_head.values()} == {head}
    assert len({tables for _, tables in at_head.values()}) == 1
    assert "idempotency_keys" in at_head[1][1]

    migrate(cluster, "downgrade", "0009_log_totals")
    cluster.wait_converged()
    down = node_schemas(cluster)
    assert {revision for revision, _ in down.values()} == {"0009_log_totals"}
    assert all("idempotency_keys" not in tables for _, tables in down.values())

    migrate(cluster, "upgrade")
    cluster.wait_converged()
    assert node_schemas(cluster) == at_head
    # The requirement was lifted for the migrations only.
    engine = cluster.node_engine(cluster.writer())
    try:
        with engine.connect() as connection:
            mode = connection.execute(text("SELECT @@GLOBAL.wsrep_mode")).scalar_one()
    finally:
        engine.dispose()
    assert set(mode.split(",")) == {"REQUIRED_PRIMARY_KEY", "STRICT_REPLICATION"}
