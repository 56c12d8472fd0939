"""A live server for clients the project did not write: a real HTTP port, a real database file.

The app runs under wsgiref in a background thread, on 127.0.0.1 and a free port, over a fresh
database migrated to head (SQLite, or MariaDB when DATABASE_URL names one). Nothing is rolled
back: each test module gets its own server and database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api import migrations
from api.app import create_app
from api.config import Config
from api.db import make_engine
from tests.conftest import TEST_SECRET
from tests.factories import Factory


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    """Serve each connection in its own thread, as a browser opens several at once."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """Keep the access log out of the test output."""

    def log_message(self, format: str, *args: object) -> None:
        return


@dataclass
class LiveServer:
    """A running app: its base URL, its database and a factory that writes to it."""

    url: str
    database_url: str
    engine: Engine
    make: Factory


def _fresh_database(directory: Path) -> tuple[str, Callable[[], None]]:
    """Return the URL of a new, empty database and a function that drops it.

    On MariaDB (DATABASE_URL=mysql...) it is `<test database>_live`, beside the test database,
    so the clients also run against the production backend; otherwise a SQLite file.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("mysql"):
        return f"sqlite:///{directory / 'splits.db'}", lambda: None
    parsed = make_url(url)
    name = f"{parsed.database}_live"
    admin = make_engine(url)

    def run(statement: str) -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(statement)

    run(f"DROP DATABASE IF EXISTS `{name}`")
    run(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")

    def drop() -> None:
        run(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def start_live_server(directory: Path, **settings: Any) -> tuple[LiveServer, Callable[[], None]]:
    """Start the app on a free port over a new database; return it and a function that stops it."""
    database_url, drop_database = _fresh_database(directory)
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    config = Config(
        database_url=database_url,
        secret_key=TEST_SECRET,
        environment="test",
        bcrypt_cost=4,
        **settings,
    )
    app = create_app(config, engine=engine)
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    session = Session(engine, expire_on_commit=False)
    live = LiveServer(
        url=f"http://127.0.0.1:{server.server_port}",
        database_url=database_url,
        engine=engine,
        make=Factory(session),
    )

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        session.close()
        engine.dispose()
        drop_database()

    return live, stop


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server for this module's tests."""
    live, stop = start_live_server(tmp_path_factory.mktemp("live"))
    try:
        yield live
    finally:
        stop()
