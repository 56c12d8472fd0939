"""A small club shared by the team, group, membership and code tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from models import Group, Team
from tests.factories import Factory


@dataclass
class Club:
    """Team `riverdale` with groups `varsity` and `alumni`, and callers in every role.

    * coach: accepted admin of the team and of varsity;
    * alice: accepted member of the team and of varsity;
    * carol: pending member of the team and of alumni;
    * bob: no membership at all; root: site admin.
    A second team `hilltop` has one group, `hill`, that nobody belongs to.
    """

    team: Team
    varsity: Group
    alumni: Group
    other_team: Team
    hill: Group
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> dict[str, str]:
        return self.headers[name]


@pytest.fixture
def club(
    make: Factory, runners: dict[str, dict[str, str]], login: Callable[..., dict[str, str]]
) -> Club:
    """Build the club; `club["coach"]` etc. are Authorization headers."""
    make.user("coach", first="Cora", last="Coach")
    make.user("carol", first="Carol", last="Cole")
    team = make.team("riverdale", title="Riverdale Running")
    varsity = make.group("varsity", team="riverdale", group_title="Varsity", week_start="sunday")
    alumni = make.group("alumni", team="riverdale", group_title="Alumni")
    other = make.team("hilltop", title="Hilltop Harriers")
    hill = make.group("hill", team="hilltop", group_title="Hill")
    make.team_member("riverdale", "coach", role="admin")
    make.group_member(varsity, "coach", role="admin")
    make.team_member("riverdale", "alice")
    make.group_member(varsity, "alice")
    make.team_member("riverdale", "carol", status="pending")
    make.group_member(alumni, "carol", status="pending")
    headers: dict[str, Any] = {**runners, "coach": login("coach"), "carol": login("carol")}
    return Club(team, varsity, alumni, other, hill, headers)


def actions(body: dict[str, Any]) -> set[tuple[str, str]]:
    """Return the (method, href) of the non-GET links of a body."""
    return {(link["method"], link["href"]) for link in body["links"] if link["method"] != "GET"}


def hrefs(body: dict[str, Any]) -> set[str]:
    """Return every href of a body's links."""
    return {link["href"] for link in body["links"]}
