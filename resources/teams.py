"""Teams: list and search, one team, its members and groups; create teams, approve members."""

from __future__ import annotations

from typing import Any

import falcon

from api.access import Access, Lookup, Scope, Target
from api.conditional import send_digest_etag, send_etag
from api.links import Linker
from api.paging import (
    MAX_FILTER_LENGTH,
    PAGING_QUERY,
    TEXT_FILTER_QUERY,
    IntegerParameter,
    page_from,
    text_filter_from,
)
from api.registry import Auth, Collection, Endpoint
from dao.errors import InvalidInput
from dao.teams import TeamDao
from dao.versions import VersionDao
from domain.roles import MembershipStatus
from models import Group, Team, TeamMember, User
from resources.base import Resource

COLLECTION = Collection("teams", key="team", prefix="/v2/teams", title="teams")
MAX_SEARCH_LIMIT = 200
#: The `{limit}` of a team search: what the parser takes is what the OpenAPI document says.
SEARCH_LIMIT = IntegerParameter(1, MAX_SEARCH_LIMIT)

#: Links on a team, in the order shown; actions only for those who may use them.
TEAM_LINKS = ("teams.item", "teams.members", "teams.groups")


def team_view(req: falcon.Request, linker: Linker, team: Team) -> dict[str, Any]:
    """Represent a team (legacy Team fields), with a link to create a group for its admins."""
    return {
        "self": linker.href("teams.item", team_name=team.name),
        "name": team.name,
        "title": team.title,
        "picture_name": team.picture_name,
        "week_start": team.week_start,
        "description": team.description,
        "deleted": bool(team.deleted),
        "links": linker.links(req, *TEAM_LINKS, team_name=team.name)
        + linker.links(req, "groups.create", target=team),
    }


def team_member_view(
    req: falcon.Request, linker: Linker, member: TeamMember, user: User
) -> dict[str, Any]:
    """Represent one team membership (legacy MemberRow plus `deleted`)."""
    links = linker.links(req, "users.item", username=user.username)
    if member.status == MembershipStatus.PENDING:
        links += linker.links(
            req,
            "teams.approve_member",
            scope=Scope(team=member.team_name),
            team_name=member.team_name,
        )
    return {
        "self": linker.href("users.item", username=user.username),
        "username": user.username,
        "first": user.first,
        "last": user.last,
        "member_since": user.member_since,
        "user": member.user,
        "status": member.status,
        "deleted": bool(member.deleted),
        "links": links,
    }


def team_group_view(req: falcon.Request, linker: Linker, group: Group) -> dict[str, Any]:
    """Represent one group of a team (legacy TeamGroupRow; the picture itself never inline)."""
    return {
        "self": linker.href("groups.item", key=group.id),
        "id": group.id,
        "group_name": group.group_name,
        "group_title": group.group_title,
        "grouppic_name": group.grouppic_name,
        "description": group.description,
        "week_start": group.week_start,
        "deleted": bool(group.deleted),
        "links": linker.links(req, "groups.item", "groups.members", key=group.id),
    }


def load_team(lookup: Lookup) -> Team:
    """Load the team a URL names (404 when there is none, or it is deleted)."""
    return lookup.dao(TeamDao).get(lookup.params["team_name"])


#: A team is run by its accepted admins.
TEAM = Target(kind="team", load=load_team, scope=lambda row: Scope(team=row.name))


class Teams(Resource):
    """The teams collection, its items, members and groups."""

    def _views(self, req: falcon.Request, teams: list[Team]) -> list[dict[str, Any]]:
        Access.of(req).know_teams(team.name for team in teams)
        return [team_view(req, self.linker, team) for team in teams]

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List active teams, paged, optionally filtered by text on name or title."""
        page = page_from(req)
        text = text_filter_from(req)
        teams, total = self.services.dao(TeamDao, req).page(
            text, limit=page.limit, offset=page.offset
        )
        resp.media = page.envelope(
            resp,
            "teams",
            self._views(req, teams),
            total,
            path=self.href("teams.list"),
            query=text.as_query(),
            links=self.links(req, "teams.search", "teams.create", "api.root"),
        )

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Create a team (site admins)."""
        team = self.services.dao(TeamDao, req).create(req.get_media(), by=req.context.user.username)
        path = self.href("teams.item", team_name=team.name)
        self.created(
            resp,
            path,
            {
                "self": path,
                "added": True,
                "team": team_view(req, self.linker, team),
                "links": self.links(req, "teams.list", "api.root"),
            },
        )

    def on_get(self, req: falcon.Request, resp: falcon.Response, target: Team) -> None:
        """Read one team by name."""
        admin = Access.of(req).administers(Scope(team=target.name))
        send_etag(req, resp, target.version, "a" if admin else "")
        resp.media = {
            "self": self.href("teams.item", team_name=target.name),
            "team": team_view(req, self.linker, target),
            "links": self.links(req, "teams.list", "api.root"),
        }

    def on_get_members(self, req: falcon.Request, resp: falcon.Response, team_name: str) -> None:
        """List a team's members of any status, paged."""
        send_digest_etag(req, resp, self.services.dao(VersionDao, req).team(team_name))
        page = page_from(req)
        rows, total = self.services.dao(TeamDao, req).members(
            team_name, limit=page.limit, offset=page.offset
        )
        team = self.href("teams.item", team_name=team_name)
        resp.media = page.envelope(
            resp,
            "team_members",
            [team_member_view(req, self.linker, member, user) for member, user in rows],
            total,
            path=self.href("teams.members", team_name=team_name),
            group=team,  # legacy: this key holds the team's path
            team=team,
            links=self.links(req, "teams.item", team_name=team_name)
            + self.links(
                req, "teams.approve_member", scope=Scope(team=team_name), team_name=team_name
            ),
        )

    def on_post_members(self, req: falcon.Request, resp: falcon.Response, target: Team) -> None:
        """Accept a user's request to join the team, optionally making them a team admin."""
        body = req.get_media()
        member, user, updated = self.services.dao(TeamDao, req).approve(
            target, body["username"], body.get("user"), by=req.context.user.username
        )
        resp.media = {
            "self": self.href("teams.members", team_name=target.name),
            "updated": updated,
            "team_member": team_member_view(req, self.linker, member, user),
            "links": self.links(req, "teams.members", "teams.item", team_name=target.name),
        }

    def on_get_groups(self, req: falcon.Request, resp: falcon.Response, team_name: str) -> None:
        """List a team's groups, paged."""
        page = page_from(req)
        groups, total = self.services.dao(TeamDao, req).groups(
            team_name, limit=page.limit, offset=page.offset
        )
        team = self.href("teams.item", team_name=team_name)
        resp.media = page.envelope(
            resp,
            "team_groups",
            [team_group_view(req, self.linker, group) for group in groups],
            total,
            path=self.href("teams.groups", team_name=team_name),
            group=team,  # legacy: this key holds the team's path
            team=team,
            links=self.links(req, "teams.item", team_name=team_name)
            + self.links(req, "groups.create", scope=Scope(team=team_name)),
        )

    def on_get_search(
        self, req: falcon.Request, resp: falcon.Response, text: str, limit: str
    ) -> None:
        """Find up to `limit` (1-200) teams whose name or title contains the text."""
        count = SEARCH_LIMIT.parse(limit, "limit")
        if len(text) > MAX_FILTER_LENGTH:
            raise InvalidInput(
                f"The search text is limited to {MAX_FILTER_LENGTH} characters.",
                errors=[{"path": "text", "message": "too long"}],
            )
        teams = self.services.dao(TeamDao, req).search(text, count)
        body: dict[str, Any] = {
            "self": self.href("teams.search", text=text, limit=limit),
            "teams": self._views(req, teams),
            "links": self.links(req, "teams.list", "api.root"),
        }
        if not teams:
            body["message"] = "no teams were found with the provided text"
        resp.media = body


ENDPOINTS = (
    Endpoint(
        name="teams.list",
        method="GET",
        template="/v2/teams",
        resource=Teams,
        suffix="collection",
        auth=Auth.USER,
        rel="teams",
        title="List teams (limit, offset, contains, starts_with, ends_with)",
        query={
            **PAGING_QUERY,
            **TEXT_FILTER_QUERY,
        },
    ),
    Endpoint(
        name="teams.create",
        method="POST",
        template="/v2/teams",
        resource=Teams,
        suffix="collection",
        auth=Auth.ADMIN,
        rel="create",
        title="Create a team",
        schema="team-create",
    ),
    Endpoint(
        name="teams.item",
        method="GET",
        template="/v2/teams/{team_name}",
        resource=Teams,
        suffix=None,
        auth=Auth.USER,
        rel="self",
        title="Read a team",
        target=TEAM,
    ),
    Endpoint(
        name="teams.members",
        method="GET",
        template="/v2/teams/members/{team_name}",
        resource=Teams,
        suffix="members",
        auth=Auth.USER,
        rel="members",
        title="List a team's members",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="teams.approve_member",
        method="POST",
        template="/v2/teams/members/{team_name}",
        resource=Teams,
        suffix="members",
        auth=Auth.GROUP_ADMIN,
        rel="approve",
        title="Accept a pending team member (team admins)",
        schema="team-member-approval",
        target=TEAM,
    ),
    Endpoint(
        name="teams.groups",
        method="GET",
        template="/v2/teams/groups/{team_name}",
        resource=Teams,
        suffix="groups",
        auth=Auth.USER,
        rel="groups",
        title="List a team's groups",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="teams.search",
        method="GET",
        template="/v2/teams/search/{text}/{limit}",
        resource=Teams,
        suffix="search",
        auth=Auth.USER,
        rel="search",
        title="Find teams whose name or title contains a text",
        params={"limit": SEARCH_LIMIT.schema()},
    ),
)
