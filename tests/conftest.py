"""Fixtures: config -> app -> client, over a migrated database (SQLite, or MariaDB).

Each test runs inside an outer transaction that is rolled back afterwards; the DAOs' commits
release savepoints inside it (`join_transaction_mode="create_savepoint"`), so they are real
commits to the code under test and leave nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from falcon import testing
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api import migrations
from api.app import create_app
from api.config import Config
from api.db import make_engine
from tests.factories import PASSWORD, Factory

TEST_SECRET = "splits-test-secret-key-0123456789abcdef"


def _is_mysql(url: str) -> bool:
    return url.startswith("mysql")


def pytest_configure(config: pytest.Config) -> None:
    """Give each pytest-xdist worker a MariaDB database of its own.

    The workers would otherwise migrate, and make their `_live` and scratch databases beside,
    one shared database at once. Everything that reads DATABASE_URL (fixtures, the migration
    tests, the live servers) then sees the worker's database, `<name>_<worker>`, made afresh.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("DATABASE_URL", "")
    if not worker or not _is_mysql(url):
        return
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            connection.exec_driver_sql(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
    finally:
        admin.dispose()
    os.environ["DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the test database: DATABASE_URL when it is MySQL/MariaDB, else a fresh SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if _is_mysql(url):
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'splits-test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Migrate the test database to head once per run and share one engine."""
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """Hold one connection in an outer transaction that the test never commits."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> Callable[[], Session]:
    """Make sessions joined to the test's outer transaction."""
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def db(session_factory: Callable[[], Session]) -> Iterator[Session]:
    """A session for arranging and inspecting data."""
    with session_factory() as session:
        yield session


@pytest.fixture
def config(database_url: str) -> Config:
    """A test configuration: cheap bcrypt, a small login throttle."""
    return Config(
        database_url=database_url,
        secret_key=TEST_SECRET,
        environment="test",
        bcrypt_cost=4,
        login_max_failures=3,
    )


@pytest.fixture
def app(config: Config, session_factory: Callable[[], Session]):
    """The app wired to the test transaction."""
    return create_app(config, session_factory=session_factory)


@pytest.fixture
def client(app) -> testing.TestClient:
    """A client that calls the app in-process through WSGI."""
    return testing.TestClient(app)


@pytest.fixture
def make(db: Session) -> Factory:
    """Factories for test data."""
    return Factory(db)


@pytest.fixture
def login(client: testing.TestClient) -> Callable[..., dict[str, str]]:
    """Log in through the API; return the Authorization header for the user."""

    def login(username: str, password: str = PASSWORD) -> dict[str, str]:
        result = client.simulate_post(
            "/v2/auth/token", json={"username": username, "password": password}
        )
        assert result.status_code == 200, result.json
        return {"Authorization": f"Bearer {result.json['access_token']}"}

    return login


@pytest.fixture
def runners(make: Factory, login: Callable[..., dict[str, str]]) -> dict[str, dict[str, str]]:
    """Three callers and their headers: `alice` and `bob` (runners) and `root` (site admin)."""
    make.user("alice", first="Alice", last="Ames")
    make.user("bob", first="Bob", last="Barnes")
    make.user("root", first="Site", last="Admin", role="admin")
    return {name: login(name) for name in ("alice", "bob", "root")}


@pytest.fixture
def count_queries(connection: Connection) -> Callable[[], AbstractContextManager[list[str]]]:
    """Count the SQL statements the code under test runs: `with count_queries() as statements:`."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(connection, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(connection, "before_cursor_execute", record)

    return counting


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), shared by the run."""
    from tests.smtp import SmtpServer

    with SmtpServer() as mailbox:
        yield mailbox


@pytest.fixture
def mailbox(smtp_server: Any) -> Any:
    """The SMTP server's mailbox, emptied for this test."""
    smtp_server.clear()
    return smtp_server


@pytest.fixture
def mail_client(
    config: Config, session_factory: Callable[[], Session], mailbox: Any
) -> testing.TestClient:
    """A client of an app that sends its mail to `mailbox` over SMTP."""
    from api.mail import Mailer

    mailer = Mailer.from_url(mailbox.url, config.mail_from)
    return testing.TestClient(create_app(config, session_factory=session_factory, mailer=mailer))
