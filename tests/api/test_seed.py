"""`python -m api seed`: sizes, domain rules, determinism, and an API that serves the data."""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from api.cli import main
from api.db import make_engine
from dao.errors import Conflict, InvalidInput
from dao.training import miles_from
from models import EXERCISE_TYPES, Comment, Group, GroupMember, Log, TeamGroup, TeamMember, User
from seeding.dataset import BENCH_GROUP_SIZE, BENCH_USER, BENCH_WRITERS, Progress, SeedDao, SeedPlan
from tests.factories import password_hash
from tests.totals import recomputed, recomputed_days, stored, stored_days

UNTIL = dt.date(2026, 3, 31)
PLAN = SeedPlan(users=70, logs=1400, teams=2, groups=3, comments=300, seed=7, until=UNTIL)


@pytest.fixture
def seeded(db):
    """Seed the small plan into the test's transaction; return the summary."""
    return SeedDao(db).run(PLAN, password_hash(PLAN.password), progress=None)


def test_seeds_the_requested_sizes(seeded, db):
    assert seeded.counts["users"] == 70
    assert seeded.counts["logs"] == 1400
    assert seeded.counts["comments"] == 300
    assert seeded.counts["teams"] == 2
    assert seeded.counts["groups"] == 3
    assert db.scalar(select(func.count()).select_from(TeamGroup)) == 3
    # Every user is an accepted member of a team and of at least one group.
    accepted = select(func.count(func.distinct(GroupMember.username))).where(
        GroupMember.status == "accepted"
    )
    assert db.scalar(accepted) == 70
    assert db.scalar(select(func.count(func.distinct(TeamMember.username)))) == 70
    admins = db.scalar(select(func.count()).where(GroupMember.user == "admin"))
    assert admins == 3  # one per group


def test_the_log_totals_add_up_the_seeded_logs(seeded, db):
    assert stored(db) == recomputed(db)
    assert stored_days(db) == recomputed_days(db)  # the triggers kept both during the bulk load
    assert sum(logs for logs, _, _ in stored(db).values()) == seeded.counts["logs"] - db.scalar(
        select(func.count()).select_from(Log).where(Log.deleted.is_(True))
    )


def test_the_benchmark_group_has_fifty_accepted_members(seeded, db):
    group = db.get(Group, seeded.bench_group_id)
    assert group is not None and group.group_name == "bench"
    members = db.scalars(
        select(GroupMember.status).where(GroupMember.group_id == seeded.bench_group_id)
    ).all()
    assert members == ["accepted"] * BENCH_GROUP_SIZE == ["accepted"] * seeded.bench_group_size
    bench = db.get(User, BENCH_USER)
    assert bench is not None and not bench.deleted
    assert (seeded.first_date, seeded.last_date) == ("2024-04-01", "2026-03-31")
    assert seeded.bench_log_id is not None
    assert db.get(Log, seeded.bench_log_id).username == BENCH_USER
    assert len(seeded.writers) == BENCH_WRITERS
    in_group = select(GroupMember.username).where(GroupMember.group_id == seeded.bench_group_id)
    for writer in seeded.writers:
        user = db.get(User, writer)
        assert user is not None and not user.deleted
        assert writer not in db.scalars(in_group).all()


def test_logs_follow_the_domain_rules(seeded, db):
    logs = db.scalars(select(Log)).all()
    types = {log.type for log in logs}
    assert types <= set(EXERCISE_TYPES) and {"run", "bike", "swim", "yoga"} <= types
    assert {log.metric for log in logs} == {"miles", "kilometers", "meters", None}
    start = UNTIL - dt.timedelta(days=729)
    assert min(log.date for log in logs) == start and max(log.date for log in logs) <= UNTIL
    for log in logs:
        assert 1 <= log.feel <= 10
        if log.distance is None:
            assert log.miles is None and log.pace is None and log.time is not None
            continue
        # MySQL FLOAT is single precision: compare to six significant digits, pace to a second.
        assert log.miles == pytest.approx(miles_from(log.distance, log.metric), rel=1e-5)
        expected = math.floor(log.time.total_seconds() / log.miles)
        assert abs(log.pace.total_seconds() - expected) <= 1
    names = {user.username: (user.first, user.last) for user in db.scalars(select(User))}
    assert all((log.first, log.last) == names[log.username] for log in logs)
    # Logs are chronological by id, as they would be if written day by day.
    by_id = sorted(logs, key=lambda log: log.log_id)
    assert [log.date for log in by_id] == sorted(log.date for log in logs)
    assert 0 < sum(bool(log.deleted) for log in logs) < 50


def test_comments_come_after_their_log_and_go_with_it(seeded, db):
    rows = db.execute(
        select(Comment.time, Comment.deleted, Log.date, Log.deleted).join(
            Log, Log.log_id == Comment.log_id
        )
    ).all()
    assert len(rows) == 300
    for written, comment_deleted, day, log_deleted in rows:
        assert written.date() >= day
        assert bool(comment_deleted) == bool(log_deleted)


def test_refuses_to_seed_twice_and_reuses_on_request(seeded, db):
    with pytest.raises(Conflict):
        SeedDao(db).run(PLAN, "x", progress=None)
    again = SeedDao(db).existing(PLAN)
    assert again is not None and again.bench_group_id == seeded.bench_group_id
    bigger = SeedPlan(**{**_plan_fields(PLAN), "logs": 5000})
    assert SeedDao(db).existing(bigger) is None


def test_refuses_impossible_plans(db):
    for plan in (
        SeedPlan(users=0, logs=1, teams=1, groups=1, comments=0),
        SeedPlan(users=1, logs=0, teams=1, groups=1, comments=5),
        SeedPlan(users=1, logs=1, teams=1, groups=1, comments=0, password="short"),
    ):
        with pytest.raises(InvalidInput):
            SeedDao(db).run(plan, "x", progress=None)


def test_default_sizes_follow_users_and_logs():
    plan = SeedPlan.sized(users=5000, logs=1_000_000)
    assert (plan.teams, plan.groups, plan.comments) == (20, 100, 250_000)
    assert SeedPlan.sized(users=10, logs=8, groups=4).groups == 4


def test_the_progress_line_reports_rows():
    stream = io.StringIO()
    bar = Progress(stream, "logs", 100)
    for _ in range(4):
        bar.advance(25)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[-1].strip().startswith("logs [####") and "100/100" in lines[-1]


def test_the_api_serves_the_seeded_data(seeded, client, db):
    token = client.simulate_post(
        "/v2/auth/token", json={"username": BENCH_USER, "password": PLAN.password}
    )
    assert token.status_code == 200, token.json
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    other = db.scalar(select(User.username).where(User.username != BENCH_USER).limit(1))
    answer = client.simulate_get(f"/v2/users/{other}", headers=headers)
    assert answer.status_code == 200 and "email" not in answer.json["user"]
    mine = client.simulate_get(f"/v2/users/{BENCH_USER}", headers=headers)
    assert mine.json["user"]["email"] == "bench@example.com"
    listing = client.simulate_get("/v2/users", params={"limit": 200}, headers=headers)
    active = db.scalar(select(func.count()).where(User.deleted.is_(False)))
    assert listing.json["total"] == active


def _plan_fields(plan: SeedPlan) -> dict:
    return {name: getattr(plan, name) for name in SeedPlan.__slots__}


# -- the command line -----------------------------------------------------------------------


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "seed-test-secret-key-0123456789abcdef")
    monkeypatch.setenv("BCRYPT_COST", "4")

    def database(name: str) -> str:
        url = f"sqlite:///{tmp_path / name}"
        monkeypatch.setenv("DATABASE_URL", url)
        assert main(["db", "upgrade"]) == 0
        return url

    return database


SMALL = ["--users", "55", "--logs", "300", "--comments", "40", "--until", "2026-01-15"]


def _dump(url: str) -> dict[str, list[tuple]]:
    """Return every seeded row but the password hashes, whose bcrypt salts differ per run."""
    tables = (User, Group, GroupMember, TeamMember, Log, Comment)
    engine = create_engine(url)
    with engine.connect() as connection:
        dump = {}
        for model in tables:
            table = model.__table__
            columns = [column for column in table.columns if column.name != "password"]
            query = select(*columns).order_by(*table.primary_key)
            dump[table.name] = [tuple(row) for row in connection.execute(query)]
    engine.dispose()
    return dump


def test_the_same_seed_gives_the_same_dataset(sqlite_env, capsys):
    dumps = []
    for name, seed in (("a.db", "3"), ("b.db", "3"), ("c.db", "4")):
        url = sqlite_env(name)
        assert main(["seed", *SMALL, "--seed", seed, "--quiet"]) == 0
        dumps.append(_dump(url))
    assert dumps[0] == dumps[1] and len(dumps[0]["logs"]) == 300
    assert dumps[0]["logs"] != dumps[2]["logs"]
    assert "password of every seeded user: splits-seed-password" in capsys.readouterr().out


def test_the_command_prints_json_and_reuses(sqlite_env, capsys):
    url = sqlite_env("seed.db")
    assert main(["seed", *SMALL, "--json", "--quiet", "--password", "pass-word-1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["logs"] == 300 and summary["bench_group_size"] == 50
    assert summary["password"] == "pass-word-1"
    assert main(["seed", *SMALL, "--json", "--reuse"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["bench_group_id"] == summary["bench_group_id"]
    assert "nothing to do" in captured.err
    assert main(["seed", *SMALL]) == 1
    assert "already holds a seeded dataset" in capsys.readouterr().err
    with create_engine(url).connect() as connection:
        hashed = connection.scalar(select(User.password).where(User.username == "bench"))
    assert hashed.startswith("$2b$04$")


def test_index_statistics_are_refreshed_after_a_bulk_load(database_url):
    # Its own engine: ANALYZE TABLE commits implicitly, so it must stay out of the test's
    # outer transaction. On SQLite it does nothing.
    engine = make_engine(database_url)
    with Session(engine) as session:
        SeedDao(session).analyze()
        assert session.scalar(select(func.count()).select_from(Group)) is not None
    engine.dispose()
