"""A small, realistic demo team for a first run (`python -m api seed --demo`, `make run`).

One club, three training groups, a dozen runners with a season (sixteen weeks up to today) of
logs and comments, and a site admin who coaches the club. Everything but the dates and the
admin's password comes from one `random.Random(DEMO_SEED)`, so every first run looks alike.
Rows go in with the benchmark seeder's bulk inserts (seeding/dataset.py) in well under a second.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from dao.errors import Conflict
from dao.training import miles_from, pace
from domain.roles import MemberRole, MembershipStatus, SiteRole
from models import Comment, Group, Log, Team, TeamGroup, TeamMember, User
from models import GroupMember as GroupMemberRow
from seeding.dataset import COMMENTS, DESCRIPTIONS, SeedDao

DEMO_APP = "splits-demo"
DEMO_SEED = 2026
SEASON_DAYS = 16 * 7
ADMIN = "admin"  # the coach's username
ACCEPTED = MembershipStatus.ACCEPTED
TEAM = "riverside"
#: (group_name, title, description)
GROUPS = (
    ("distance", "Distance squad", "Milers to marathoners: long runs on Sunday, tempo Thursday."),
    ("sprints", "Sprints & hurdles", "Track work, short and fast; core and weights in between."),
    ("masters", "Masters", "Forty and over. Mostly runs, a lot of biking and swimming."),
)
#: (username, first, last, group, runs per week, easy pace in seconds per mile)
RUNNERS = (
    ("ava", "Ava", "Abbott", "distance", 6, 430),
    ("ben", "Ben", "Chen", "distance", 6, 410),
    ("cara", "Cara", "Diaz", "distance", 5, 455),
    ("dan", "Dan", "Evans", "distance", 5, 470),
    ("eli", "Eli", "Fox", "distance", 4, 500),
    ("fay", "Fay", "Garcia", "sprints", 4, 480),
    ("gus", "Gus", "Hughes", "sprints", 5, 460),
    ("hana", "Hana", "Ito", "sprints", 4, 490),
    ("ian", "Ian", "Jones", "masters", 4, 540),
    ("jo", "Jo", "Khan", "masters", 5, 520),
    ("kai", "Kai", "Lopez", "masters", 3, 560),
    ("lena", "Lena", "Moore", "masters", 4, 510),
)
#: What each group does besides easy runs: (type, weight) pairs.
MIX = {
    "distance": (("run", 10.0), ("core", 1.0), ("bike", 0.5)),
    "sprints": (("run", 6.0), ("core", 2.0), ("weights", 2.0), ("strength", 1.0)),
    "masters": (("run", 6.0), ("bike", 2.5), ("swim", 2.0), ("yoga", 1.0), ("walk", 0.5)),
}
WORKOUTS = ("Easy run", "Long run", "Tempo", "Intervals", "Recovery jog", "Hill repeats")
PLACES = ("Riverside trail", "Track", "Park loop", "Canal path", "Hill course", "Lakeshore")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo holds, and who may log in."""

    admin: str
    team: str
    group_ids: dict[str, int]
    counts: dict[str, int]
    first_date: dt.date
    last_date: dt.date


class DemoDao(SeedDao):
    """Load the demo team into an empty database."""

    def is_empty(self) -> bool:
        """Tell whether the database holds no user, team, group or log (a fresh database)."""
        return all(
            self.session.scalar(select(func.count()).select_from(model)) == 0
            for model in (User, Team, Group, Log)
        )

    def load(
        self, admin_hash: str, runner_hash: str, *, today: dt.date | None = None
    ) -> DemoSummary:
        """Insert the demo team, its season of logs and its comments; refuse a non-empty database.

        `admin_hash` is the bcrypt hash of the admin's password; `runner_hash` the one hash every
        runner shares (of a password nobody is told: log in as the admin, or reset one's own).
        """
        if not self.is_empty():
            raise Conflict("The demo loads into an empty database only; this one has data.")
        rng = random.Random(DEMO_SEED)  # noqa: S311 (demo data, not secrets)
        today = today or dt.date.today()
        now = dt.datetime.combine(today, dt.time(6, 0))
        first = today - dt.timedelta(days=SEASON_DAYS - 1)
        users = [self._demo_user(ADMIN, "Pat", "Coach", admin_hash, now, role=SiteRole.ADMIN)]
        users += [self._demo_user(u, f, la, runner_hash, now) for u, f, la, *_ in RUNNERS]
        self._insert(User.__table__, users, None, "users")
        self._insert(
            Team.__table__,
            [
                {
                    "name": TEAM,
                    "title": "Riverside Harriers",
                    "description": "A running club: cross country in the fall, track in spring.",
                    "week_start": "monday",
                    "deleted": False,
                    "version": 1,
                    "created_date": now,
                    "created_app": DEMO_APP,
                }
            ],
            None,
            "teams",
        )
        group_ids = self._demo_groups(now)
        self._demo_memberships(group_ids, now)
        logs = self._demo_logs(first, today, rng)
        self._insert(Log.__table__, logs, None, "logs")
        self.safe_commit()
        self._insert(Comment.__table__, self._demo_comments(logs, rng), None, "comments")
        counts = self._counts()
        return DemoSummary(ADMIN, TEAM, group_ids, counts, first, today)

    @staticmethod
    def _demo_user(
        username: str,
        first: str,
        last: str,
        password: str,
        now: dt.datetime,
        role: str = SiteRole.USER,
    ) -> dict[str, Any]:
        return {
            "username": username,
            "first": first,
            "last": last,
            "salt": None,
            "password": password,
            "profilepic_name": None,
            "description": "Coach and site admin." if role == SiteRole.ADMIN else "Runner.",
            "member_since": now.date() - dt.timedelta(days=400),
            "class_year": None,
            "location": "Riverside",
            "favorite_event": None if role == SiteRole.ADMIN else "5K",
            "activation_code": "",
            "email": f"{username}@example.com",
            "last_signin": now,
            "week_start": "monday",
            "subscribed": "N",
            "role": role,
            "token_generation": 0,
            "version": 1,
            "deleted": False,
            "created_date": now,
            "created_user": None,
            "created_app": DEMO_APP,
        }

    def _demo_groups(self, now: dt.datetime) -> dict[str, int]:
        base = (self.session.scalar(select(func.max(Group.id))) or 0) + 1
        ids = {name: base + number for number, (name, _, _) in enumerate(GROUPS)}
        rows = [
            {
                "id": ids[name],
                "group_name": name,
                "group_title": title,
                "grouppic_name": None,
                "description": description,
                "week_start": "monday",
                "deleted": False,
                "version": 1,
                "created_date": now,
                "created_app": DEMO_APP,
            }
            for name, title, description in GROUPS
        ]
        self._insert(Group.__table__, rows, None, "groups")
        links = [
            {
                "team_name": TEAM,
                "group_id": ids[name],
                "group_name": name,
                "deleted": False,
                "created_date": now,
                "created_app": DEMO_APP,
            }
            for name, _, _ in GROUPS
        ]
        self._insert(TeamGroup.__table__, links, None, "teamgroups")
        return ids

    def _demo_memberships(self, group_ids: dict[str, int], now: dt.datetime) -> None:
        common = {"deleted": False, "created_date": now, "created_app": DEMO_APP}
        team = [
            {"team_name": TEAM, "username": ADMIN, "status": ACCEPTED, "user": MemberRole.ADMIN}
        ]
        groups = [
            {"group_id": gid, "group_name": name, "username": ADMIN, "status": ACCEPTED,
             "user": MemberRole.ADMIN, "version": 1}
            for name, gid in group_ids.items()
        ]  # fmt: skip
        for username, _, _, group, _, _ in RUNNERS:
            team.append({"team_name": TEAM, "username": username, "status": ACCEPTED,
                         "user": MemberRole.USER})  # fmt: skip
            groups.append(
                {"group_id": group_ids[group], "group_name": group, "username": username,
                 "status": ACCEPTED, "user": MemberRole.USER, "version": 1}
            )  # fmt: skip
        # A newcomer asks to join the distance squad: something for the coach to approve.
        groups.append(
            {"group_id": group_ids["distance"], "group_name": "distance", "username": "jo",
             "status": MembershipStatus.PENDING, "user": MemberRole.USER, "version": 1}
        )  # fmt: skip
        self._insert(TeamMember.__table__, [{**row, **common} for row in team], None, "team")
        rows = [{**row, **common} for row in groups]
        self._insert(GroupMemberRow.__table__, rows, None, "groupmembers")

    @staticmethod
    def _demo_logs(first: dt.date, today: dt.date, rng: random.Random) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for username, first_name, last_name, group, per_week, easy in RUNNERS:
            kinds, weights = zip(*MIX[group], strict=True)
            form = rng.uniform(0.9, 1.1)
            for offset in range((today - first).days + 1):
                day = first + dt.timedelta(days=offset)
                if rng.random() > per_week / 7:
                    continue
                kind = rng.choices(kinds, weights)[0]
                # Fitter as the season goes on: easy pace drops by up to 4%.
                season = 1.0 - 0.04 * offset / SEASON_DAYS
                distance, metric, seconds = _workout(kind, day, easy * form * season, rng)
                duration = dt.timedelta(seconds=seconds)
                miles = miles_from(distance, metric) if distance and metric else None
                created = dt.datetime.combine(day, dt.time(rng.randrange(6, 20), rng.randrange(60)))
                rows.append(
                    {
                        "username": username,
                        "first": first_name,
                        "last": last_name,
                        "name": _title(kind, day, rng),
                        "location": rng.choice(PLACES) if kind == "run" else None,
                        "date": day,
                        "type": kind,
                        "distance": distance,
                        "metric": metric,
                        "miles": miles,
                        "time": duration,
                        "pace": pace(duration, miles) if miles else None,
                        "feel": max(1, min(10, round(rng.gauss(6.5, 1.6)))),
                        "description": rng.choice(DESCRIPTIONS) if rng.random() < 0.5 else None,
                        "time_created": created,
                        "version": 1,
                        "deleted": False,
                        "created_date": created,
                        "created_user": username,
                        "created_app": DEMO_APP,
                    }
                )
        rows.sort(key=lambda row: (row["date"], row["time_created"]))
        return rows

    def _demo_comments(self, logs: list[dict[str, Any]], rng: random.Random) -> list[dict]:
        ids = self.session.execute(
            select(Log.log_id, Log.username, Log.date).order_by(Log.log_id)
        ).all()
        names = {username: (first, last) for username, first, last, *_ in RUNNERS}
        names[ADMIN] = ("Pat", "Coach")
        rows = []
        for log_id, author_of_log, day in ids:
            if rng.random() > 0.15:
                continue
            author = rng.choice([name for name in names if name != author_of_log])
            written = dt.datetime.combine(day, dt.time(21, 0)) + dt.timedelta(
                minutes=rng.randrange(12 * 60)
            )
            rows.append(
                {
                    "username": author,
                    "first": names[author][0],
                    "last": names[author][1],
                    "log_id": log_id,
                    "time": written,
                    "content": rng.choice(COMMENTS),
                    "version": 1,
                    "deleted": False,
                    "created_date": written,
                    "created_user": author,
                    "created_app": DEMO_APP,
                }
            )
        return rows


def _workout(
    kind: str, day: dt.date, easy_pace: float, rng: random.Random
) -> tuple[float | None, str | None, int]:
    """Return (distance, metric, seconds): long on Sundays, shorter on Mondays."""
    if kind in ("core", "weights", "strength", "yoga"):
        return None, None, 60 * rng.randrange(20, 61, 5)
    if kind == "bike":
        miles = round(rng.uniform(12, 35), 1)
        return miles, "miles", int(miles * rng.uniform(180, 240))
    if kind == "swim":
        meters = float(rng.randrange(1000, 3001, 250))
        return meters, "meters", int(meters / 1609.344 * rng.uniform(1700, 2300))
    if kind == "walk":
        miles = round(rng.uniform(2, 5), 1)
        return miles, "miles", int(miles * rng.uniform(900, 1100))
    weekday = day.weekday()
    miles = rng.uniform(4, 8)
    if weekday == 6:
        miles = rng.uniform(10, 15)
    elif weekday == 0:
        miles = rng.uniform(3, 5)
    elif weekday == 3:
        easy_pace *= 0.88  # tempo Thursday
    return round(miles, 2), "miles", int(miles * easy_pace * rng.uniform(0.97, 1.03))


def _title(kind: str, day: dt.date, rng: random.Random) -> str:
    if kind != "run":
        return {"bike": "Ride", "swim": "Pool swim", "walk": "Walk"}.get(kind, kind.title())
    if day.weekday() == 6:
        return "Long run"
    if day.weekday() == 3:
        return "Tempo"
    return rng.choice(WORKOUTS)
