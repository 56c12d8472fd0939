"""Concurrent writes: a locked database waits for its lock; only a database that is gone is 503.

These tests use a real engine and pool (not the test transaction), as `python -m api serve` and
uWSGI do: on a SQLite file of their own (the embedded default) and on MariaDB.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter

import pytest
from falcon import testing
from sqlalchemy import delete
from sqlalchemy.orm import Session

from api import migrations
from api.app import create_app
from api.db import make_engine
from dao.throttles import account_key, identifier_key
from dao.users import UserDao
from models import Throttle
from tests.factories import PASSWORD, password_hash

PARALLEL = 12


def _spelling(name: str) -> str:
    return identifier_key("login", name)


def _account(name: str) -> str:
    return account_key("login", name)


def _users(engine, prefix: str) -> list[str]:
    names = [f"{prefix}{n}" for n in range(PARALLEL)]
    with Session(engine) as session:
        for name in names:
            UserDao(session).create(
                username=name,
                email=f"{name}@example.com",
                password_hash=password_hash(),
                first="Run",
                last="Ner",
            )
        session.commit()
    return names


@pytest.fixture(params=["sqlite-file", "database-url"])
def real_app(request, tmp_path, config, database_url):
    """An app with its own engine and pool (no test transaction), and 12 fresh users.

    On the embedded SQLite default (a file of its own), and on DATABASE_URL when that is
    MariaDB, where the users are removed again afterwards.
    """
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path / 'concurrency.db'}"
        migrations.upgrade(url)
    elif database_url.startswith("mysql"):
        request.getfixturevalue("engine")  # migrates DATABASE_URL to head once per run
        url = database_url
    else:
        pytest.skip("DATABASE_URL is not MariaDB")
    engine = make_engine(url)
    names = _users(engine, f"par{uuid.uuid4().hex[:8]}")
    try:
        yield testing.TestClient(create_app(config, engine=engine)), names
    finally:
        with Session(engine) as session:
            users = UserDao(session)
            for name in names:
                users.hard_delete(users.get_by_username(name))
            keys = [key(n) for n in names for key in (_spelling, _account)]
            session.execute(delete(Throttle).where(Throttle.key.in_(keys)))
            session.commit()
        engine.dispose()


def _in_parallel(calls):
    """Run the calls at once (released together by a barrier); return their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("same_account", [False, True], ids=["different", "same"])
def test_parallel_logins_wait_for_the_lock_instead_of_503(real_app, same_account):
    client, names = real_app

    def login(n: int):
        username = names[0] if same_account else names[n]
        password = PASSWORD if n % 2 == 0 else "wrong password"
        return lambda: client.simulate_post(
            "/v2/auth/token", json={"username": username, "password": password}
        )

    results = _in_parallel([login(n) for n in range(PARALLEL)])
    statuses = Counter(result.status_code for result in results)
    assert set(statuses) <= {200, 401, 429}, (
        statuses,
        [r.text for r in results if r.status_code >= 500],
    )


@pytest.mark.parametrize("broken", ["missing", "a-directory"])
def test_a_missing_or_unreadable_sqlite_database_is_still_503(tmp_path, config, broken):
    path = tmp_path / "gone" / "splits.db"
    engine = make_engine(f"sqlite:///{path}")
    if broken == "missing":
        os.rmdir(path.parent)  # make_engine created the folder; take it away again
    else:
        path.mkdir()  # something that cannot be opened as a database
    client = testing.TestClient(create_app(config, engine=engine))
    started = time.monotonic()
    for request_path in ("/v2/users/lookup/alice", "/health/ready"):
        result = client.simulate_get(request_path)
        assert result.status_code == 503, result.text
        assert result.headers["retry-after"].isdigit()
    result = client.simulate_post("/v2/auth/token", json={"username": "a", "password": "b" * 8})
    assert result.status_code == 503, result.text
    assert time.monotonic() - started < 3
    engine.dispose()
