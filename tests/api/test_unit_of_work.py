"""A request is one unit of work: retried whole on 1213/1205/1047, replayed on a repeated key."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import falcon
import pymysql
import pytest
from falcon import testing
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.app import create_app
from api.config import Config
from api.db import make_engine, make_session_factory
from api.errors import register_error_handlers
from api.media import install_media_handlers
from api.middleware import DatabaseSession, Request
from api.unit_of_work import RetryPolicy, UnitOfWork, is_retryable, run_with_retry
from dao.base import Dao
from models import IdempotencyKey, Log
from tests.factories import PASSWORD, Factory

RUN = {
    "date": "2024-03-01",
    "type": "run",
    "feel": 7,
    "distance": 5,
    "metric": "miles",
    "time": "40:00",
}
PROBLEM_JSON = "application/problem+json"
BUMP = text("UPDATE uow_deadlock SET n = n + 1 WHERE id = :id")


def key() -> dict[str, str]:
    return {"Idempotency-Key": f'"{uuid.uuid4()}"'}


def mysql_error(code: int, message: str = "injected") -> OperationalError:
    """Return what SQLAlchemy raises for MySQL error `code` from PyMySQL."""
    return OperationalError("COMMIT", {}, pymysql.err.OperationalError(code, message))


def count_logs(db: Session, username: str) -> int:
    return db.scalar(select(func.count()).select_from(Log).where(Log.username == username)) or 0


@pytest.fixture
def fail_commits(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[int]]:
    """Make the next commits of any session raise the given MySQL errors, in order."""

    def arrange(*codes: int) -> list[int]:
        pending = list(codes)
        calls: list[int] = []
        real_commit = Session.commit

        def commit(self: Session) -> None:
            calls.append(pending[0] if pending else 0)
            if pending:
                # The server rolled the transaction back; the client sees the error at COMMIT.
                raise mysql_error(pending.pop(0))
            real_commit(self)

        monkeypatch.setattr(Session, "commit", commit)
        return calls

    return arrange


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff pauses instead of sleeping them."""
    pauses: list[float] = []
    monkeypatch.setattr(UnitOfWork, "__init__", _init_without_sleep(pauses))
    return pauses


def _init_without_sleep(pauses: list[float]) -> Callable[..., None]:
    real_init = UnitOfWork.__init__

    def init(self: UnitOfWork, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.sleep = pauses.append

    return init


# -- the policy ---------------------------------------------------------------------------------


def test_only_conflicts_lock_timeouts_and_unready_nodes_are_retryable():
    assert all(is_retryable(mysql_error(code)) for code in (1213, 1205, 1047))
    # 2013/2006: the connection died, the commit may have happened: never blindly again.
    assert not any(is_retryable(mysql_error(code)) for code in (2013, 2006, 1062, 1180, 1235))
    assert not is_retryable(ValueError("1213"))


def test_backoff_is_jittered_exponential_and_capped():
    policy = RetryPolicy(attempts=6, base_delay=0.1, max_delay=0.3)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.3), (5, 0.3)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1


# -- retry of a whole request -------------------------------------------------------------------


@pytest.mark.parametrize("code", [1213, 1205, 1047])
def test_a_transient_commit_failure_reruns_the_whole_request_once(
    client, runners, db, fail_commits, no_backoff, code
):
    calls = fail_commits(code)
    result = client.simulate_post("/v2/logs", json=RUN, headers=runners["alice"])
    assert result.status_code == 201, result.json
    assert calls == [code, 0]  # the failed run, then the whole request again
    assert len(no_backoff) == 1 and 0 < no_backoff[0] <= 0.5
    assert count_logs(db, "alice") == 1
    assert "Idempotent-Replayed" not in result.headers


def test_retries_are_bounded_then_503_with_retry_after(client, runners, db, fail_commits):
    calls = fail_commits(1213, 1213, 1213, 1213, 1213)
    result = client.simulate_post("/v2/logs", json=RUN, headers=runners["alice"])
    assert result.status_code == 503
    assert result.headers["content-type"] == PROBLEM_JSON
    assert result.headers["retry-after"].isdigit()
    assert len(calls) == 4  # RetryPolicy().attempts
    assert count_logs(db, "alice") == 0


@pytest.mark.parametrize("code", [2013, 2006])
def test_a_lost_connection_at_commit_is_never_retried(client, runners, db, fail_commits, code):
    calls = fail_commits(code)
    result = client.simulate_post("/v2/logs", json=RUN, headers=runners["alice"])
    assert result.status_code == 503 and result.headers["retry-after"].isdigit()
    assert result.headers["content-type"] == PROBLEM_JSON
    assert calls == [code]


def test_a_retried_request_answers_like_a_first_run(client, runners, fail_commits):
    fail_commits(1213)
    retried = client.simulate_post("/v2/logs", json=RUN, headers=runners["alice"])
    plain = client.simulate_post("/v2/logs", json=RUN, headers=runners["alice"])
    assert retried.status_code == plain.status_code == 201
    assert retried.headers.keys() == plain.headers.keys()
    assert retried.json.keys() == plain.json.keys()


@pytest.fixture
def tiny_app(session_factory) -> tuple[testing.TestClient, list[str]]:
    """An app with one responder that commits once, then fails with a retryable error."""
    events: list[str] = []

    class CommitThenFail:
        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            events.append("run")
            Dao(req.context.db).safe_commit()
            raise mysql_error(1213)

        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            events.append("get")
            req.context.db.execute(text("SELECT 1"))
            if len(events) == 1:
                raise mysql_error(1047)
            resp.media = {"ok": True}

    app = falcon.App(middleware=[DatabaseSession(session_factory)], request_type=Request)
    install_media_handlers(app, 1024)
    register_error_handlers(app)
    uow = UnitOfWork(lambda: dt.datetime(2026, 1, 1))
    uow.sleep = lambda _: None
    resource = CommitThenFail()
    resource.on_post = uow.wrap(resource.on_post)  # type: ignore[method-assign]
    resource.on_get = uow.wrap(resource.on_get)  # type: ignore[method-assign]
    app.add_route("/", resource)
    return testing.TestClient(app), events


def test_nothing_is_retried_once_part_of_the_request_committed(tiny_app):
    client, events = tiny_app
    result = client.simulate_post("/")
    assert result.status_code == 503
    assert events == ["run"]


def test_a_node_not_ready_is_retried_on_a_new_session(tiny_app):
    client, events = tiny_app
    result = client.simulate_get("/")
    assert result.status_code == 200 and result.json == {"ok": True}
    assert events == ["get", "get"]


# -- Idempotency-Key ----------------------------------------------------------------------------


def test_a_repeated_key_replays_the_answer_without_writing_again(client, runners, db):
    headers = {**runners["alice"], **key()}
    first = client.simulate_post("/v2/logs", json=RUN, headers=headers)
    assert first.status_code == 201, first.json
    assert "Idempotent-Replayed" not in first.headers
    again = client.simulate_post("/v2/logs", json=RUN, headers=headers)
    assert again.status_code == 201
    assert again.headers["location"] == first.headers["location"]
    assert again.headers.get("etag") == first.headers.get("etag")
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert count_logs(db, "alice") == 1
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_the_key_is_stored_with_the_write_in_one_transaction(client, runners, db, fail_commits):
    # The commit that would have stored both fails: neither the log nor the key is left, and
    # the retried run stores both once.
    fail_commits(1213)
    headers = {**runners["alice"], **key()}
    assert client.simulate_post("/v2/logs", json=RUN, headers=headers).status_code == 201
    assert count_logs(db, "alice") == 1
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_a_key_is_json_body_sensitive_not_whitespace_sensitive(client, runners, db):
    headers = {**runners["alice"], **key(), "Content-Type": "application/json"}
    first = client.simulate_post("/v2/logs", body=json.dumps(RUN, indent=2), headers=headers)
    again = client.simulate_post(
        "/v2/logs", body=json.dumps(dict(reversed(RUN.items()))), headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert count_logs(db, "alice") == 1


def test_the_same_key_with_another_body_is_422(client, runners, db):
    headers = {**runners["alice"], **key()}
    assert client.simulate_post("/v2/logs", json=RUN, headers=headers).status_code == 201
    other = client.simulate_post("/v2/logs", json={**RUN, "feel": 3}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM_JSON
    assert "Idempotency-Key" in other.json["detail"]
    assert count_logs(db, "alice") == 1


def test_the_same_key_on_another_path_is_422(client, runners, make):
    log = make.log("bob")
    headers = {**runners["alice"], **key()}
    assert client.simulate_post("/v2/logs", json=RUN, headers=headers).status_code == 201
    comment = {"log_id": log.log_id, "content": "Nice"}
    assert client.simulate_post("/v2/comments", json=comment, headers=headers).status_code == 422


def test_keys_are_scoped_by_caller(client, runners, db):
    shared = key()
    alices = client.simulate_post("/v2/logs", json=RUN, headers={**runners["alice"], **shared})
    bobs = client.simulate_post("/v2/logs", json=RUN, headers={**runners["bob"], **shared})
    assert alices.status_code == bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs.headers
    assert bobs.headers["location"] != alices.headers["location"]
    assert bobs.json["log"]["username"] == "bob"
    assert count_logs(db, "alice") == count_logs(db, "bob") == 1


def test_errors_are_not_stored_so_the_key_stays_usable(client, runners, db):
    headers = {**runners["alice"], **key()}
    missing = {"log_id": 999999, "content": "Nice"}
    assert client.simulate_post("/v2/comments", json=missing, headers=headers).status_code == 404
    assert client.simulate_post("/v2/comments", json=missing, headers=headers).status_code == 404
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


@pytest.mark.parametrize("value", ["", '""', "x" * 256, "caf\u00e9", "two words", '"unterminated'])
def test_a_malformed_key_is_400(client, runners, value):
    headers = {**runners["alice"], "Idempotency-Key": value}
    result = client.simulate_post("/v2/logs", json=RUN, headers=headers)
    if value == '"unterminated':  # a bare token with a quote is still visible ASCII: accepted
        assert result.status_code == 201
        return
    assert result.status_code == 400, result.json
    assert result.headers["content-type"] == PROBLEM_JSON


def test_an_anonymous_keyed_request_is_400(client, make):
    make.user("dora")
    body = {"username": "dora", "password": PASSWORD}
    result = client.simulate_post("/v2/auth/token", json=body, headers=key())
    assert result.status_code == 400
    assert "authenticated" in result.json["detail"]


def test_keys_on_other_methods_are_ignored(client, runners, make):
    log = make.log("alice")
    result = client.simulate_delete(f"/v2/logs/{log.log_id}", headers={**runners["alice"], **key()})
    assert result.status_code in (200, 204)


def test_keys_expire(config, session_factory, runners, db):
    now = [dt.datetime.now(dt.UTC).replace(tzinfo=None)]
    short = replace(config, idempotency_key_ttl=60)
    client = testing.TestClient(
        create_app(short, session_factory=session_factory, clock=lambda: now[0])
    )
    headers = {**runners["alice"], **key()}
    first = client.simulate_post("/v2/logs", json=RUN, headers=headers)
    now[0] += dt.timedelta(seconds=59)
    assert (
        client.simulate_post("/v2/logs", json=RUN, headers=headers).headers.get(
            "idempotent-replayed"
        )
        == "true"
    )
    now[0] += dt.timedelta(seconds=2)
    later = client.simulate_post("/v2/logs", json=RUN, headers=headers)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.headers["location"] != first.headers["location"]
    assert count_logs(db, "alice") == 2
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


# -- on a real server: concurrency and a forced deadlock ---------------------------------------


@pytest.fixture
def mysql_engine(database_url: str) -> Iterator[Engine]:
    if not database_url.startswith("mysql"):
        pytest.skip("needs MariaDB: SQLite has no row locks to deadlock on")
    engine = make_engine(database_url, pool_size=4)
    yield engine
    engine.dispose()


def test_a_real_deadlock_is_resolved_by_running_the_unit_again(mysql_engine: Engine):
    with mysql_engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS uow_deadlock"))
        connection.execute(
            text("CREATE TABLE uow_deadlock (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB")
        )
        connection.execute(text("INSERT INTO uow_deadlock VALUES (1, 0), (2, 0)"))
    try:
        factory = make_session_factory(mysql_engine)
        barrier = threading.Barrier(2)
        runs: list[str] = []
        errors: list[BaseException] = []

        def work(first: int, second: int) -> Callable[[Session], None]:
            def unit(session: Session) -> None:
                runs.append(f"{first}{second}")
                session.execute(BUMP, {"id": first})
                if len(runs) <= 2:  # only the first run of each meets the other in the middle
                    barrier.wait(timeout=10)
                session.execute(BUMP, {"id": second})

            return unit

        def run(first: int, second: int) -> None:
            try:
                run_with_retry(factory, work(first, second), sleep=lambda _: None)
            except BaseException as ex:  # noqa: BLE001 (reported below)
                errors.append(ex)

        threads = [threading.Thread(target=run, args=pair) for pair in ((1, 2), (2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        assert len(runs) == 3  # one of the two was chosen as the deadlock victim and ran again
        with mysql_engine.connect() as connection:
            assert connection.execute(
                text("SELECT n FROM uow_deadlock ORDER BY id")
            ).scalars().all() == [2, 2]
    finally:
        with mysql_engine.begin() as connection:
            connection.execute(text("DROP TABLE uow_deadlock"))


def test_concurrent_duplicates_do_the_work_once(mysql_engine: Engine, config: Config):
    username = f"uow{uuid.uuid4().hex[:12]}"
    factory = make_session_factory(mysql_engine)
    with factory() as session:
        Factory(session).user(username)
    try:
        client = testing.TestClient(create_app(config, engine=mysql_engine))
        token = client.simulate_post(
            "/v2/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert token.status_code == 200, token.json
        headers = {"Authorization": f"Bearer {token.json['access_token']}", **key()}
        barrier = threading.Barrier(4)
        answers: list[Any] = []

        def post() -> None:
            barrier.wait(timeout=10)
            answers.append(client.simulate_post("/v2/logs", json=RUN, headers=headers))

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [answer.status_code for answer in answers] == [201] * 4
        assert len({answer.headers["location"] for answer in answers}) == 1
        assert sum(answer.headers.get("idempotent-replayed") == "true" for answer in answers) == 3
        with factory() as session:
            assert count_logs(session, username) == 1
    finally:
        with mysql_engine.begin() as connection:
            for statement in (
                "DELETE FROM comments WHERE username = :u",
                "DELETE FROM log_totals WHERE username = :u",
                "DELETE FROM log_days WHERE username = :u",
                "DELETE FROM logs WHERE username = :u",
                "DELETE FROM idempotency_keys WHERE scope = :u",
                "DELETE FROM auth_sessions WHERE username = :u",
                "DELETE FROM users WHERE username = :u",
            ):
                connection.execute(text(statement), {"u": username})


def test_the_openapi_document_offers_the_key_on_authenticated_posts_only(client):
    document = client.simulate_get("/v2/openapi.json").json
    offered, anonymous = set(), set()
    for template, item in document["paths"].items():
        for method, operation in item.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            if "Idempotency-Key" in names:
                offered.add((method, template))
                assert method == "post" and operation["security"]
                assert "422" in operation["responses"]
            elif method == "post" and not operation["security"]:
                anonymous.add(template)
    assert ("post", "/v2/logs") in offered and ("post", "/v2/comments") in offered
    assert "/v2/auth/token" in anonymous
