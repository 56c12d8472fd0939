"""A realistic, deterministic team dataset for demos and benchmarks (`python -m api seed`).

Rows go in with SQLAlchemy Core `insert()` and executemany lists in chunks (PyMySQL turns each
chunk into multi-row INSERTs), one commit per chunk. Every random choice comes from one
`random.Random(seed)`, and logs are spread evenly and in order over two years ending on
`until`, so the same plan always produces the same rows (ids included, on an empty database).

Scale the dataset by users as well as logs: a realistic team grows by members, and the
benchmark needs the 50-member group to have the same activity whatever the table size.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import Table, func, insert, select, text

from dao.base import Dao
from dao.errors import Conflict, InvalidInput
from dao.training import miles_from, pace
from domain.roles import MemberRole, MembershipStatus, SiteRole
from models import (
    EXERCISE_TYPES,
    Comment,
    Group,
    GroupMember,
    Log,
    Team,
    TeamGroup,
    TeamMember,
    User,
)

SEED_APP = "splits-seed"
BENCH_USER = "bench"
BENCH_GROUP = "bench"
BENCH_GROUP_SIZE = 50
#: How many runners outside the benchmark group write the benchmark's logs: one per wrk
#: connection, as a club's writes come from many runners (one user's concurrent writes would
#: queue on that user's row of log_totals, which real traffic never does).
BENCH_WRITERS = 16
DEFAULT_PASSWORD = "splits-seed-password"  # noqa: S105 (printed: it is a demo dataset)
HISTORY_DAYS = 730
CHUNK = 5000
ACCEPTED = MembershipStatus.ACCEPTED

FIRST_NAMES = (
    "Ava", "Ben", "Cara", "Dan", "Eli", "Fay", "Gus", "Hana", "Ian", "Jo", "Kai", "Lena",
    "Max", "Nia", "Oto", "Pia", "Quin", "Rosa", "Sam", "Tess", "Uma", "Vic", "Wes", "Xena",
    "Yuri", "Zoe", "Abe", "Bea", "Cy", "Dee", "Ed", "Flo", "Gil", "Hal", "Ivy", "Jay",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hughes", "Ito", "Jones",
    "Khan", "Lopez", "Moore", "Nagy", "Olsen", "Patel", "Quinn", "Reyes", "Smith", "Tran",
    "Ueda", "Vega", "Walsh", "Xu", "Young", "Zhang", "Berg", "Cole", "Dunn", "Eng",
)  # fmt: skip
PLACES = (
    "Riverside trail", "Track", "Park loop", "Canal path", "Hill course", "Lakeshore",
    "Downtown", "Forest road", "Gym", "Pool", "Reservoir", "Beach", None, None,
)  # fmt: skip
DESCRIPTIONS = (
    "Felt strong the whole way.",
    "Legs heavy from yesterday's workout.",
    "Easy pace, good conversation with the group.",
    "Windy on the way out, fast on the way back.",
    "Hit every split in the workout.",
    "Skipped the last rep, calf was tight.",
    "Beautiful morning, cool and dry.",
    "Humid, slowed down in the second half.",
)
COMMENTS = (
    "Nice work!",
    "Great pace.",
    "Way to get it done.",
    "See you at practice tomorrow.",
    "How did the hills feel?",
    "Solid week so far.",
    "Rest up, big one on Saturday.",
)
GROUP_KINDS = ("mensxc", "womensxc", "track", "alumni", "masters", "juniors", "distance")

#: Type weights: mostly running, as on a running team, with every legacy type present.
_TYPE_WEIGHTS = {
    "run": 62.0,
    "bike": 8.0,
    "swim": 5.0,
    "core": 5.0,
    "strength": 3.0,
    "weights": 2.0,
    "yoga": 2.0,
    "walk": 3.0,
    "hike": 2.0,
    "other": 2.0,
}
#: Types logged as a time without a distance.
_TIME_ONLY = frozenset({"core", "strength", "weights", "yoga"})


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """What to seed: sizes, the random seed and the last day of the two years of logs."""

    users: int
    logs: int
    teams: int
    groups: int
    comments: int
    seed: int = 1
    until: dt.date = field(default_factory=lambda: dt.date.today())
    password: str = DEFAULT_PASSWORD

    @classmethod
    def sized(
        cls,
        *,
        users: int,
        logs: int,
        teams: int | None = None,
        groups: int | None = None,
        comments: int | None = None,
        **rest: Any,
    ) -> SeedPlan:
        """Return a plan whose unset sizes follow from the users and logs."""
        return cls(
            users=users,
            logs=logs,
            teams=teams if teams is not None else max(1, users // 250),
            groups=groups if groups is not None else max(1, math.ceil(users / BENCH_GROUP_SIZE)),
            comments=comments if comments is not None else logs // 4,
            **rest,
        )

    def check(self) -> None:
        """Raise InvalidInput unless the sizes make a dataset."""
        if self.users < 1 or self.teams < 1 or self.groups < 1:
            raise InvalidInput("A dataset needs at least one user, one team and one group.")
        if self.logs < 0 or self.comments < 0:
            raise InvalidInput("Log and comment counts cannot be negative.")
        if self.comments and not self.logs:
            raise InvalidInput("Comments need logs to comment on.")
        if len(self.password) < 8:
            raise InvalidInput("The password must be at least 8 characters long.")


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What was seeded, and what a client needs to use it (the benchmark reads this)."""

    counts: dict[str, int]
    password: str
    bench_user: str
    bench_group_id: int
    bench_group_size: int
    bench_log_id: int | None
    writers: tuple[str, ...]
    first_date: str
    last_date: str
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON-ready data."""
        return {
            "counts": self.counts,
            "password": self.password,
            "bench_user": self.bench_user,
            "bench_group_id": self.bench_group_id,
            "bench_group_size": self.bench_group_size,
            "bench_log_id": self.bench_log_id,
            "writers": list(self.writers),
            "first_date": self.first_date,
            "last_date": self.last_date,
            "seconds": round(self.seconds, 2),
        }


class Progress:
    """Write a one-line progress bar to a stream (stderr), redrawn at most five times a second.

    A terminal gets one line redrawn in place; a log file or a pipe gets a line per quarter.
    """

    def __init__(self, stream: TextIO | None, label: str, total: int) -> None:
        self.stream = stream
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.last_quarter = -1
        self.tty = bool(stream is not None and stream.isatty())

    def advance(self, count: int) -> None:
        """Count `count` more rows and redraw when due."""
        self.done += count
        if self.stream is None:
            return
        now = time.monotonic()
        if self.tty and now - self.last_draw >= 0.2:
            self.last_draw = now
            self.stream.write(f"\r{self._line(now)}")
            self.stream.flush()
        elif not self.tty and (quarter := 4 * self.done // self.total) > self.last_quarter:
            self.last_quarter = quarter
            self.stream.write(f"{self._line(now)}\n")

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.stream is None:
            return
        if self.tty:
            self.stream.write(f"\r{self._line(time.monotonic())}\n")
        elif self.last_quarter < 4:
            self.stream.write(f"{self._line(time.monotonic())}\n")
        self.stream.flush()

    def _line(self, now: float) -> str:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = self.done / max(now - self.started, 1e-6)
        return f"{self.label:>12} [{bar:<30}] {self.done}/{self.total} {rate:,.0f} rows/s"


@dataclass(slots=True)
class _Person:
    username: str
    first: str
    last: str


class SeedDao(Dao):
    """Fill the database with a seeded dataset in bulk; refuse to seed one twice."""

    def existing(self, plan: SeedPlan) -> SeedSummary | None:
        """Return the summary of a dataset seeded earlier with the same sizes, if there is one."""
        if self.session.get(User, BENCH_USER) is None:
            return None
        group_id = self.session.scalar(
            select(func.min(Group.id)).where(Group.group_name == BENCH_GROUP)
        )
        counts = self._counts()
        wanted = {"users": plan.users, "logs": plan.logs, "comments": plan.comments}
        if group_id is None or any(counts[name] < n for name, n in wanted.items()):
            return None
        return self._summary(plan, counts, group_id)

    def run(
        self, plan: SeedPlan, password_hash: str, progress: TextIO | None = sys.stderr
    ) -> SeedSummary:
        """Insert the plan's dataset, committing chunk by chunk; return what was seeded.

        Every user gets `password_hash` (of `plan.password`): one bcrypt hash computed once,
        since hashing at the production cost takes a quarter of a second per call.
        """
        plan.check()
        if self.session.get(User, BENCH_USER) is not None:
            raise Conflict(
                f"This database already holds a seeded dataset (user '{BENCH_USER}'); "
                "seed an empty database."
            )
        started = time.monotonic()
        rng = random.Random(plan.seed)  # noqa: S311 (reproducible data, not secrets)
        now = dt.datetime.combine(plan.until, dt.time(21, 0))
        group_base = (self.session.scalar(select(func.max(Group.id))) or 0) + 1
        log_base = (self.session.scalar(select(func.max(Log.log_id))) or 0) + 1

        people = [self._person(index, rng) for index in range(plan.users)]
        user_rows = [self._user_row(person, plan, rng, now) for person in people]
        for row in user_rows:
            row["password"] = password_hash
        team_names = [f"team{number + 1:03d}" for number in range(plan.teams)]
        group_rows, teamgroup_rows = self._groups(plan, team_names, group_base, rng, now)
        group_of = self._assign_groups(plan)
        group_member_rows, team_member_rows = self._memberships(
            plan, people, group_of, group_rows, team_names, rng, now
        )
        self._insert(User.__table__, user_rows, progress, "users")
        self._insert(Team.__table__, self._team_rows(team_names, rng, now), progress, "teams")
        self._insert(Group.__table__, group_rows, progress, "groups")
        self._insert(TeamGroup.__table__, teamgroup_rows, progress, "teamgroups")
        self._insert(TeamMember.__table__, team_member_rows, progress, "teammembers")
        self._insert(GroupMember.__table__, group_member_rows, progress, "groupmembers")
        deleted = bytearray(plan.logs)
        self._insert(
            Log.__table__,
            self._log_rows(plan, people, log_base, deleted, rng),
            progress,
            "logs",
            total=plan.logs,
        )
        self.safe_commit()
        self._insert(
            Comment.__table__,
            self._comment_rows(plan, people, log_base, deleted, rng),
            progress,
            "comments",
            total=plan.comments,
        )
        summary = self._summary(plan, self._counts(), group_base)
        return SeedSummary(**{**summary.as_dict(), "seconds": time.monotonic() - started})

    # -- generation ---------------------------------------------------------------------------

    @staticmethod
    def _person(index: int, rng: random.Random) -> _Person:
        username = BENCH_USER if index == 0 else f"runner{index:06d}"
        return _Person(username, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))

    @staticmethod
    def _user_row(
        person: _Person, plan: SeedPlan, rng: random.Random, now: dt.datetime
    ) -> dict[str, Any]:
        # Deleted accounts exist in real data; the benchmark user and its group stay active.
        deleted = rng.random() < 0.01 and person.username != BENCH_USER
        joined = plan.until - dt.timedelta(days=HISTORY_DAYS + rng.randrange(365))
        return {
            "username": person.username,
            "first": person.first,
            "last": person.last,
            "salt": None,
            "password": "",  # the one shared hash, set by run()
            "profilepic_name": None,
            "description": rng.choice(("Distance runner.", "Miler.", "Back from injury.", None)),
            "member_since": joined,
            "class_year": rng.randrange(2015, 2031),
            "location": rng.choice(PLACES),
            "favorite_event": rng.choice(("5K", "10K", "XC 8K", "Mile", "Marathon", None)),
            "activation_code": "",
            "email": f"{person.username}@example.com",
            "last_signin": now - dt.timedelta(hours=rng.randrange(24 * 60)),
            "week_start": rng.choice(("monday", "sunday")),
            "subscribed": rng.choice(("Y", "N", None)),
            "role": SiteRole.USER,
            "token_generation": 0,
            "version": 1,
            "deleted": deleted,
            "created_date": dt.datetime.combine(joined, dt.time(12, 0)),
            "created_user": None,
            "created_app": SEED_APP,
            "deleted_date": now if deleted else None,
            "deleted_app": SEED_APP if deleted else None,
        }

    @staticmethod
    def _team_rows(
        team_names: Sequence[str], rng: random.Random, now: dt.datetime
    ) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "title": f"{rng.choice(LAST_NAMES)} Harriers {number + 1}",
                "picture_name": None,
                "description": "A running club seeded for benchmarks.",
                "week_start": rng.choice(("monday", "sunday")),
                "deleted": False,
                "version": 1,
                "created_date": now,
                "created_app": SEED_APP,
            }
            for number, name in enumerate(team_names)
        ]

    @staticmethod
    def _groups(
        plan: SeedPlan,
        team_names: Sequence[str],
        group_base: int,
        rng: random.Random,
        now: dt.datetime,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        groups, teamgroups = [], []
        for number in range(plan.groups):
            name = BENCH_GROUP if number == 0 else f"{GROUP_KINDS[number % 7]}{number}"
            group_id = group_base + number
            team = team_names[number % plan.teams]
            groups.append(
                {
                    "id": group_id,
                    "group_name": name,
                    "group_title": "Benchmark squad" if number == 0 else f"Squad {number}",
                    "grouppic_name": None,
                    "description": f"Training group {number + 1} of {team}.",
                    "week_start": rng.choice(("monday", "sunday")),
                    "deleted": False,
                    "version": 1,
                    "created_date": now,
                    "created_app": SEED_APP,
                }
            )
            teamgroups.append(
                {
                    "team_name": team,
                    "group_id": group_id,
                    "group_name": name,
                    "deleted": False,
                    "created_date": now,
                    "created_app": SEED_APP,
                }
            )
        return groups, teamgroups

    @staticmethod
    def _assign_groups(plan: SeedPlan) -> list[int]:
        """Return each user's group number: the first 50 users are the benchmark group."""
        others = max(plan.groups - 1, 1)
        return [
            0 if index < BENCH_GROUP_SIZE or plan.groups == 1 else 1 + index % others
            for index in range(plan.users)
        ]

    @staticmethod
    def _memberships(
        plan: SeedPlan,
        people: Sequence[_Person],
        group_of: Sequence[int],
        group_rows: Sequence[dict[str, Any]],
        team_names: Sequence[str],
        rng: random.Random,
        now: dt.datetime,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        group_members: list[dict[str, Any]] = []
        team_members: dict[tuple[str, str], dict[str, Any]] = {}
        seen_in_group: dict[int, int] = {}

        def join(person: _Person, number: int, status: str) -> None:
            rank = seen_in_group.get(number, 0)
            seen_in_group[number] = rank + 1
            # The second member of each group administers it (the benchmark user does not).
            role = MemberRole.ADMIN if rank == 1 and status == ACCEPTED else MemberRole.USER
            group = group_rows[number]
            group_members.append(
                {
                    "group_id": group["id"],
                    "group_name": group["group_name"],
                    "username": person.username,
                    "status": status,
                    "user": role,
                    "deleted": False,
                    "version": 1,
                    "created_date": now,
                    "created_user": person.username,
                    "created_app": SEED_APP,
                }
            )
            team = team_names[number % plan.teams]
            key = (team, person.username)
            if key not in team_members or role == MemberRole.ADMIN:
                team_members[key] = {
                    "team_name": team,
                    "username": person.username,
                    "status": ACCEPTED if status == ACCEPTED or key in team_members else status,
                    "user": role,
                    "deleted": False,
                    "created_date": now,
                    "created_user": person.username,
                    "created_app": SEED_APP,
                }

        for person, number in zip(people, group_of, strict=True):
            join(person, number, ACCEPTED)
        # Some runners ask to join a second group (never the benchmark one, which stays at 50).
        if plan.groups > 2:
            for index, person in enumerate(people):
                if index >= BENCH_GROUP_SIZE and rng.random() < 0.05:
                    other = 1 + rng.randrange(plan.groups - 1)
                    if other != group_of[index]:
                        join(person, other, MembershipStatus.PENDING)
        return group_members, list(team_members.values())

    @staticmethod
    def _workout(kind: str, rng: random.Random) -> tuple[float | None, str | None, int]:
        """Return a plausible (distance, metric, seconds) for one exercise of `kind`."""
        if kind in _TIME_ONLY:
            return None, None, 60 * rng.randrange(15, 91)
        if kind == "run":
            miles = rng.uniform(3.0, 12.0)
            per_mile = rng.uniform(330.0, 600.0)
            metric = rng.choices(("miles", "kilometers", "meters"), (70, 25, 5))[0]
        elif kind == "bike" or kind == "virtual bike":
            miles, per_mile = rng.uniform(10.0, 50.0), rng.uniform(150.0, 300.0)
            metric = rng.choice(("miles", "kilometers"))
        elif kind == "swim":
            miles, per_mile = rng.uniform(0.3, 2.5), rng.uniform(1500.0, 2500.0)
            metric = "meters"
        else:
            miles, per_mile = rng.uniform(1.0, 10.0), rng.uniform(500.0, 1200.0)
            metric = rng.choice(("miles", "kilometers"))
        if metric == "kilometers":
            distance = round(miles * 1.609344, 2)
        elif metric == "meters":
            distance = float(round(miles * 1609.344 / 25) * 25)  # pool and track lengths
        else:
            distance = round(miles, 2)
        return distance, metric, int(miles * per_mile)

    def _log_rows(
        self,
        plan: SeedPlan,
        people: Sequence[_Person],
        log_base: int,
        deleted: bytearray,
        rng: random.Random,
    ) -> Iterator[dict[str, Any]]:
        start = plan.until - dt.timedelta(days=HISTORY_DAYS - 1)
        # Everyone logs about as often, within a factor of three.
        weights = [rng.uniform(0.5, 1.5) for _ in people]
        cumulative = [sum(weights[: index + 1]) for index in range(len(weights))]
        kinds = [*_TYPE_WEIGHTS, *(t for t in EXERCISE_TYPES if t not in _TYPE_WEIGHTS)]
        rest = [t for t in EXERCISE_TYPES if t not in _TYPE_WEIGHTS]
        kind_weights = [*_TYPE_WEIGHTS.values(), *([6.0 / len(rest)] * len(rest))]
        for index in range(plan.logs):
            person = rng.choices(people, cum_weights=cumulative)[0]
            kind = rng.choices(kinds, kind_weights)[0]
            day = start + dt.timedelta(days=index * HISTORY_DAYS // plan.logs)
            distance, metric, seconds = self._workout(kind, rng)
            duration = dt.timedelta(seconds=seconds)
            miles = miles_from(distance, metric) if distance and metric else None
            gone = rng.random() < 0.01
            deleted[index] = gone
            created = dt.datetime.combine(day, dt.time(rng.randrange(5, 22), rng.randrange(60)))
            yield {
                "log_id": log_base + index,
                "username": person.username,
                "first": person.first,
                "last": person.last,
                "name": f"{rng.choice(('Easy', 'Morning', 'Long', 'Tempo', 'Evening'))} {kind}",
                "location": rng.choice(PLACES),
                "date": day,
                "type": kind,
                "distance": distance,
                "metric": metric,
                "miles": miles,
                "time": duration,
                "pace": pace(duration, miles) if miles else None,
                "feel": round(rng.triangular(1, 10, 6)),
                "description": rng.choice(DESCRIPTIONS) if rng.random() < 0.6 else None,
                "time_created": created,
                "version": 1,
                "deleted": gone,
                "created_date": created,
                "created_user": person.username,
                "created_app": SEED_APP,
                "deleted_date": created if gone else None,
                "deleted_app": SEED_APP if gone else None,
            }

    @staticmethod
    def _comment_rows(
        plan: SeedPlan,
        people: Sequence[_Person],
        log_base: int,
        deleted: bytearray,
        rng: random.Random,
    ) -> Iterator[dict[str, Any]]:
        start = plan.until - dt.timedelta(days=HISTORY_DAYS - 1)
        targets = sorted(rng.randrange(plan.logs) for _ in range(plan.comments))
        for index in targets:
            author = rng.choice(people)
            day = start + dt.timedelta(days=index * HISTORY_DAYS // plan.logs)
            written = dt.datetime.combine(day, dt.time(22, 0)) + dt.timedelta(
                minutes=rng.randrange(3 * 24 * 60)
            )
            # A comment on a deleted log was deleted with it.
            gone = bool(deleted[index])
            yield {
                "username": author.username,
                "first": author.first,
                "last": author.last,
                "log_id": log_base + index,
                "time": written,
                "content": rng.choice(COMMENTS),
                "version": 1,
                "deleted": gone,
                "created_date": written,
                "created_user": author.username,
                "created_app": SEED_APP,
            }

    # -- storage ------------------------------------------------------------------------------

    def _insert(
        self,
        table: Table | Any,
        rows: Sequence[dict[str, Any]] | Iterator[dict[str, Any]],
        progress: TextIO | None,
        label: str,
        *,
        total: int | None = None,
    ) -> None:
        """Insert `rows` with one executemany per chunk, committing after each chunk."""
        if total is None:
            total = len(rows) if isinstance(rows, Sequence) else 0
        bar = Progress(progress, label, total)
        statement = insert(table)
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                self._flush(statement, chunk, bar)
                chunk = []
        if chunk:
            self._flush(statement, chunk, bar)
        bar.close()

    def _flush(self, statement: Any, chunk: list[dict[str, Any]], bar: Progress) -> None:
        self.session.execute(statement, chunk)
        self.safe_commit("The seeded rows collide with existing data; seed an empty database.")
        bar.advance(len(chunk))

    def analyze(self) -> None:
        """Refresh MySQL/MariaDB's index statistics, as an operator would after a bulk load.

        InnoDB samples them in the background only after 10% of a table changed; until then
        the optimizer plans queries on a million rows with the estimates of an empty table.
        ANALYZE TABLE commits implicitly, so call it after `run`, outside any transaction.
        """
        if self.session.get_bind().dialect.name not in ("mysql", "mariadb"):
            return
        tables = (User, Team, Group, TeamGroup, TeamMember, GroupMember, Log, Comment)
        names = ", ".join(f"`{model.__tablename__}`" for model in tables)
        self.session.execute(text(f"ANALYZE TABLE {names}")).all()
        self.session.commit()

    def _counts(self) -> dict[str, int]:
        tables = {
            "users": User,
            "teams": Team,
            "groups": Group,
            "groupmembers": GroupMember,
            "teammembers": TeamMember,
            "logs": Log,
            "comments": Comment,
        }
        return {
            name: self.session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in tables.items()
        }

    def _summary(self, plan: SeedPlan, counts: dict[str, int], group_id: int) -> SeedSummary:
        members = self.session.scalar(
            select(func.count())
            .select_from(GroupMember)
            .where(GroupMember.group_id == group_id, GroupMember.status == ACCEPTED)
        )
        log_id = self.session.scalar(
            select(func.max(Log.log_id)).where(Log.username == BENCH_USER, Log.deleted.is_(False))
        )
        # The benchmark writes as runners outside the benchmark group, whose reads it measures.
        outsiders = (
            select(User.username)
            .where(
                User.deleted.is_(False),
                User.username.not_in(
                    select(GroupMember.username).where(GroupMember.group_id == group_id)
                ),
            )
            .order_by(User.username)
            .limit(BENCH_WRITERS)
        )
        # The dates come from the data, so a dataset reused on a later day is described right.
        first, last = self.session.execute(select(func.min(Log.date), func.max(Log.date))).one()
        start = plan.until - dt.timedelta(days=HISTORY_DAYS - 1)
        return SeedSummary(
            counts=counts,
            password=plan.password,
            bench_user=BENCH_USER,
            bench_group_id=group_id,
            bench_group_size=members or 0,
            bench_log_id=log_id,
            writers=tuple(self.session.scalars(outsiders)) or (BENCH_USER,),
            first_date=(first or start).isoformat(),
            last_date=(last or plan.until).isoformat(),
        )
