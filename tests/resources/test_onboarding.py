"""The whole onboarding over HTTP alone, following links from `/` on a fresh database.

A site admin made with the real CLI creates a team and two groups and invites a coach and a
runner by e-mail (a real SMTP server receives the codes); both register; the admin makes the
coach an admin of the second group; the runner asks to join it and the coach accepts; the runner
logs runs and shows up on that group's leaderboard. Only `/` and the e-mailed codes are known up
front: every other URL comes from a link (templated ones are expanded here).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import pytest
from falcon import testing

from api import cli
from api.app import create_app
from api.config import Config
from api.mail import Mailer
from tests.conftest import TEST_SECRET

ADMIN_PASSWORD = "admin password 1"
RUNNER_PASSWORD = "runner password 1"
COACH_PASSWORD = "coach password 1"


def find(
    links: list[dict[str, Any]],
    method: str = "GET",
    rel: str | None = None,
    href: str | None = None,
) -> dict[str, Any]:
    """Return the one link with this method (and rel, and href prefix); fail if absent."""
    found = [
        link
        for link in links
        if link["method"] == method
        and (rel is None or link["rel"] == rel)
        and (href is None or link["href"].startswith(href))
    ]
    seen = [(each["method"], each["rel"], each["href"]) for each in links]
    assert found, f"no {method} link rel={rel} href={href} in {seen}"
    return found[0]


def expand(link: dict[str, Any], **values: Any) -> str:
    """Expand an RFC 6570 level-1 template such as /v2/users/{username}."""
    return re.sub(
        r"{(\w+)}", lambda match: quote(str(values[match.group(1)]), safe="@"), link["href"]
    )


class Browser:
    """One client session: a token and the calls, each checked for its status."""

    def __init__(self, client: testing.TestClient) -> None:
        self.client = client
        self.headers: dict[str, str] = {}

    def call(self, link: dict[str, Any] | str, expect: int = 200, **kwargs: Any) -> Any:
        """Follow a link (or GET a path taken from a body) and check the status."""
        method = "GET" if isinstance(link, str) else link["method"]
        path = link if isinstance(link, str) else link["href"]
        assert "{" not in path, f"unexpanded template {path}"
        result = self.client.simulate_request(method, path, headers=self.headers, **kwargs)
        assert result.status_code == expect, (method, path, result.status_code, result.json)
        return result.json

    def log_in(self, username: str, password: str) -> dict[str, Any]:
        root = self.call("/")
        login = find(root["links"], "POST", rel="login")
        body = self.call(login, json={"username": username, "password": password})
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        return self.call("/")


@pytest.fixture
def fresh(tmp_path, monkeypatch, mailbox):
    """A migrated SQLite database of its own, a site admin made by the CLI, and an app over it."""
    url = f"sqlite:///{tmp_path / 'onboarding.db'}"
    for name, value in {"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET, "BCRYPT_COST": "4"}.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["db", "upgrade"]) == 0
    assert (
        cli.main(
            [
                "users",
                "create",
                "--username",
                "admin",
                "--email",
                "admin@example.com",
                "--password",
                ADMIN_PASSWORD,
                "--first",
                "Ada",
                "--last",
                "Admin",
                "--admin",
            ]
        )
        == 0
    )
    config = Config(database_url=url, secret_key=TEST_SECRET, environment="test", bcrypt_cost=4)
    app = create_app(config, mailer=Mailer.from_url(mailbox.url, config.mail_from))
    return testing.TestClient(app)


def test_onboarding_by_following_links(fresh, mailbox):
    admin, runner, coach = Browser(fresh), Browser(fresh), Browser(fresh)

    # The site admin creates a team from the teams list, then two groups from the team.
    root = admin.log_in("admin", ADMIN_PASSWORD)
    teams = admin.call(find(root["links"], rel="teams"))
    created = admin.call(
        find(teams["links"], "POST", rel="create"),
        expect=201,
        json={"name": "riverdale", "title": "Riverdale Running", "week_start": "monday"},
    )
    new_group = find(created["team"]["links"], "POST", href="/v2/groups")
    varsity = admin.call(
        new_group,
        expect=201,
        json={"team_name": "riverdale", "group_name": "varsity", "group_title": "Varsity"},
    )["group"]
    distance = admin.call(
        new_group,
        expect=201,
        json={"team_name": "riverdale", "group_name": "distance", "group_title": "Distance crew"},
    )["group"]

    # It invites the runner into varsity and the coach into distance; codes arrive by e-mail.
    invite = find(varsity["links"], "POST", href="/v2/activation_code")
    admin.call(invite, expect=201, json={"email": "runner@example.com", "group_id": varsity["id"]})
    invite = find(distance["links"], "POST", href="/v2/activation_code")
    admin.call(invite, expect=201, json={"email": "coach@example.com", "group_id": distance["id"]})
    runner_code = mailbox.code_for("runner@example.com", r"activation code: ([A-Z0-9]{8})")
    coach_code = mailbox.code_for("coach@example.com", r"activation code: ([A-Z0-9]{8})")

    # Both register from the root's registration link, as anonymous callers.
    register = find(runner.call("/")["links"], "POST", href="/v2/users")
    runner.call(
        register,
        expect=201,
        json={
            "username": "runner",
            "first": "Rita",
            "last": "Runner",
            "email": "runner@example.com",
            "password": RUNNER_PASSWORD,
            "activation_code": runner_code,
        },
    )
    coach.call(
        register,
        expect=201,
        json={
            "username": "coach",
            "first": "Cora",
            "last": "Coach",
            "email": "coach@example.com",
            "password": COACH_PASSWORD,
            "activation_code": coach_code,
        },
    )

    # The admin makes the coach an admin of distance, from the group's member list.
    distance = admin.call(distance["self"])["group"]
    members = admin.call(find(distance["links"], href="/v2/groups/members/"))
    coach_row = next(row for row in members["group_members"] if row["username"] == "coach")
    assert coach_row["status"] == "accepted"  # the code was made by a site admin
    admin.call(find(coach_row["links"], "PUT"), json={"status": "accepted", "user": "admin"})

    # The runner, already in varsity, asks to join distance from their own user item.
    root = runner.log_in("runner", RUNNER_PASSWORD)
    me = runner.call(find(root["links"], rel="me"))["user"]
    mine = runner.call(find(me["links"], rel="memberships"))
    assert [(t["team_name"], t["status"]) for t in mine["memberships"]] == [
        ("riverdale", "accepted")
    ]
    asked = runner.call(
        find(mine["links"], "PUT"),
        json={"groups_joined": [{"team_name": "riverdale", "group_name": "distance"}]},
    )
    groups = {g["group_name"]: g["status"] for g in asked["memberships"][0]["groups"]}
    assert groups == {"varsity": "accepted", "distance": "pending"}

    # The coach finds the request through the team's groups and accepts it.
    root = coach.log_in("coach", COACH_PASSWORD)
    team = coach.call(
        find(coach.call(find(root["links"], rel="teams"))["teams"][0]["links"], rel="self")
    )
    team_groups = coach.call(find(team["team"]["links"], href="/v2/teams/groups/"))
    group_link = next(g for g in team_groups["team_groups"] if g["group_name"] == "distance")
    members = coach.call(find(group_link["links"], href="/v2/groups/members/"))
    request = next(row for row in members["group_members"] if row["username"] == "runner")
    assert request["status"] == "pending"
    coach.call(find(request["links"], "PUT"), json={"status": "accepted", "user": "user"})

    # The runner logs two runs, finding the log endpoint through the links documents.
    index = runner.call(find(runner.call("/")["links"], rel="index"))
    logs_doc = runner.call(index["log"])
    create_log = next(
        e for e in logs_doc["endpoints"] if e["verb"] == "POST" and e["link"] == "/v2/logs"
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    for miles, time in ((5, "0:40:00"), (3.5, "0:28:00")):
        runner.call(
            {"method": "POST", "href": create_log["link"]},
            expect=201,
            json={
                "date": today,
                "type": "run",
                "distance": miles,
                "metric": "miles",
                "time": time,
                "feel": 7,
            },
        )

    # ... and appears on distance's leaderboard, reached from their memberships.
    mine = runner.call(find(me["links"], rel="memberships"))
    distance_entry = next(
        g for g in mine["memberships"][0]["groups"] if g["group_name"] == "distance"
    )
    assert distance_entry["status"] == "accepted"
    group = runner.call(distance_entry["self"])["group"]
    board = runner.call(
        find(group["links"], rel="leaderboard", href=f"/v2/groups/leaderboard/{group['id']}")
    )
    assert [(row["username"], row["miles"], row["miles_run"]) for row in board["leaderboard"]] == [
        ("runner", 8.5, 8.5)
    ]
    weekly = next(
        link for link in group["links"] if link.get("templated") and "{interval}" in link["href"]
    )
    board = runner.call(expand(weekly, group_id=group["id"], interval="week"))
    assert [row["username"] for row in board["leaderboard"]] == ["runner"]
