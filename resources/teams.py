"""Teams: list and search, one team, its members and groups; create teams, approve members."""

from __future__ import annotations

from typing import Any

import falcon

from api.access import authorize
from api.conditional import send_digest_etag, send_etag
from api.links import Linker, caller, with_query
from api.paging import (
    MAX_FILTER_LENGTH,
    PAGING_QUERY,
    TEXT_FILTER_QUERY,
    IntegerParameter,
    page_from,
    set_link_header,
    text_filter_from,
)
from api.registry import Auth, Collection, Endpoint
from dao.errors import InvalidInput
from dao.memberships import PENDING, MembershipDao
from dao.teams import TeamDao
from dao.versions import VersionDao
from models import Group, Team, TeamMember, User
from resources.base import Resource

COLLECTION = Collection("teams", key="team", prefix="/v2/teams", title="teams")
MAX_SEARCH_LIMIT = 200
#: The `{limit}` of a team search: what the parser takes is what the OpenAPI document says.
SEARCH_LIMIT = IntegerParameter(1, MAX_SEARCH_LIMIT)

#: Links on a team, in the order shown; actions only for those who may use them.
TEAM_LINKS = ("teams.item", "teams.members", "teams.groups")


def team_view(req: falcon.Request, linker: Linker, team: Team, *, admin: bool) -> dict[str, Any]:
    """Represent a team (legacy Team fields); `admin` tells whether the caller runs it."""
    return {
        "self": f"/v2/teams/{team.name}",
        "name": team.name,
        "title": team.title,
        "picture_name": team.picture_name,
        "week_start": team.week_start,
        "description": team.description,
        "deleted": bool(team.deleted),
        "links": linker.links(req, *TEAM_LINKS, team_name=team.name)
        + linker.links(req, "groups.create", group_admin=admin),
    }


def team_member_view(
    req: falcon.Request, linker: Linker, member: TeamMember, user: User, *, admin: bool
) -> dict[str, Any]:
    """Represent one team membership (legacy MemberRow plus `deleted`)."""
    links = linker.links(req, "users.item", username=user.username)
    if member.status == PENDING:
        links += linker.links(
            req, "teams.approve_member", group_admin=admin, team_name=member.team_name
        )
    return {
        "self": f"/v2/users/{user.username}",
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
        "self": f"/v2/groups/{group.id}",
        "id": group.id,
        "group_name": group.group_name,
        "group_title": group.group_title,
        "grouppic_name": group.grouppic_name,
        "description": group.description,
        "week_start": group.week_start,
        "deleted": bool(group.deleted),
        "links": linker.links(req, "groups.item", "groups.members", key=group.id),
    }


class Teams(Resource):
    """The teams collection, its items, members and groups."""

    def _admin_of(self, req: falcon.Request, names: list[str]) -> set[str]:
        user = caller(req)
        if user is None:
            return set()
        if user.is_admin:
            return set(names)
        return self.services.dao(MembershipDao, req).admin_team_names(user.username, names)

    def _views(self, req: falcon.Request, teams: list[Team]) -> list[dict[str, Any]]:
        admin_of = self._admin_of(req, [team.name for team in teams])
        return [team_view(req, self.linker, team, admin=team.name in admin_of) for team in teams]

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List active teams, paged, optionally filtered by text on name or title."""
        page = page_from(req)
        text = text_filter_from(req)
        filters = text.as_query()
        teams, total = self.services.dao(TeamDao, req).page(
            text, limit=page.limit, offset=page.offset
        )
        paging = page.links("/v2/teams", total, **filters)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/teams", **filters, limit=page.limit, offset=page.offset),
            "teams": self._views(req, teams),
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "teams.search", "teams.create", "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Create a team (site admins)."""
        team = self.services.dao(TeamDao, req).create(req.get_media(), by=req.context.user.username)
        path = f"/v2/teams/{team.name}"
        self.created(
            resp,
            path,
            {
                "self": path,
                "added": True,
                "team": team_view(req, self.linker, team, admin=True),
                "links": self.links(req, "teams.list", "api.root"),
            },
        )

    def on_get(self, req: falcon.Request, resp: falcon.Response, team_name: str) -> None:
        """Read one team by name."""
        team = self.services.dao(TeamDao, req).get(team_name)
        admin = bool(self._admin_of(req, [team.name]))
        send_etag(req, resp, team.version, "a" if admin else "")
        resp.media = {
            "self": f"/v2/teams/{team.name}",
            "team": team_view(req, self.linker, team, admin=admin),
            "links": self.links(req, "teams.list", "api.root"),
        }

    def on_get_members(self, req: falcon.Request, resp: falcon.Response, team_name: str) -> None:
        """List a team's members of any status, paged."""
        send_digest_etag(req, resp, self.services.dao(VersionDao, req).team(team_name))
        page = page_from(req)
        rows, total = self.services.dao(TeamDao, req).members(
            team_name, limit=page.limit, offset=page.offset
        )
        admin = bool(self._admin_of(req, [team_name]))
        path = f"/v2/teams/members/{team_name}"
        paging = page.links(path, total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query(path, limit=page.limit, offset=page.offset),
            "group": f"/v2/teams/{team_name}",  # legacy: this key holds the team's path
            "team": f"/v2/teams/{team_name}",
            "team_members": [
                team_member_view(req, self.linker, member, user, admin=admin)
                for member, user in rows
            ],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging
            + self.links(req, "teams.item", team_name=team_name)
            + self.links(req, "teams.approve_member", group_admin=admin, team_name=team_name),
        }

    def on_post_members(self, req: falcon.Request, resp: falcon.Response, team_name: str) -> None:
        """Accept a user's request to join the team, optionally making them a team admin."""
        teams = self.services.dao(TeamDao, req)
        team = teams.get(team_name)
        authorize(req, group_admin=bool(self._admin_of(req, [team.name])))
        body = req.get_media()
        member, user, updated = teams.approve(
            team, body["username"], body.get("user"), by=req.context.user.username
        )
        resp.media = {
            "self": f"/v2/teams/members/{team.name}",
            "updated": updated,
            "team_member": team_member_view(req, self.linker, member, user, admin=True),
            "links": self.links(req, "teams.members", "teams.item", team_name=team.name),
        }

    def on_get_groups(self, req: falcon.Request, resp: falcon.Response, team_name: str) -> None:
        """List a team's groups, paged."""
        page = page_from(req)
        groups, total = self.services.dao(TeamDao, req).groups(
            team_name, limit=page.limit, offset=page.offset
        )
        admin = bool(self._admin_of(req, [team_name]))
        path = f"/v2/teams/groups/{team_name}"
        paging = page.links(path, total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query(path, limit=page.limit, offset=page.offset),
            "group": f"/v2/teams/{team_name}",  # legacy: this key holds the team's path
            "team": f"/v2/teams/{team_name}",
            "team_groups": [team_group_view(req, self.linker, group) for group in groups],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging
            + self.links(req, "teams.item", team_name=team_name)
            + self.links(req, "groups.create", group_admin=admin),
        }

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
            "self": f"/v2/teams/search/{text}/{limit}",
            "teams": self._views(req, teams),
            "links": self.links(req, "teams.list", "api.root"),
        }
        if not teams:
            body["message"] = "no teams were found with the provided text"
        resp.media = body


ENDPOINTS = (
    Endpoint(
        "teams.list",
        "GET",
        "/v2/teams",
        Teams,
        "collection",
        Auth.USER,
        "teams",
        "List teams (limit, offset, contains, starts_with, ends_with)",
        query={
            **PAGING_QUERY,
            **TEXT_FILTER_QUERY,
        },
    ),
    Endpoint(
        "teams.create",
        "POST",
        "/v2/teams",
        Teams,
        "collection",
        Auth.ADMIN,
        "create",
        "Create a team",
        schema="team-create",
    ),
    Endpoint(
        "teams.item", "GET", "/v2/teams/{team_name}", Teams, None, Auth.USER, "self", "Read a team"
    ),
    Endpoint(
        "teams.members",
        "GET",
        "/v2/teams/members/{team_name}",
        Teams,
        "members",
        Auth.USER,
        "members",
        "List a team's members",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "teams.approve_member",
        "POST",
        "/v2/teams/members/{team_name}",
        Teams,
        "members",
        Auth.GROUP_ADMIN,
        "approve",
        "Accept a pending team member (team admins)",
        schema="team-member-approval",
    ),
    Endpoint(
        "teams.groups",
        "GET",
        "/v2/teams/groups/{team_name}",
        Teams,
        "groups",
        Auth.USER,
        "groups",
        "List a team's groups",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "teams.search",
        "GET",
        "/v2/teams/search/{text}/{limit}",
        Teams,
        "search",
        Auth.USER,
        "search",
        "Find teams whose name or title contains a text",
        params={"limit": SEARCH_LIMIT.schema()},
    ),
)
