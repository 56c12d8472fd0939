"""A user's memberships and snapshot (endpoints of the users collection).

Reads are open to every signed-in user, as team data is (CONTRACT §6); changing memberships is
for the user themselves. The snapshot shows notifications and e-mail only to the user and site
admins, and never any reset or activation code.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.links import Linker, caller
from api.registry import Auth, Endpoint
from dao.flair import FlairDao
from dao.memberships import MembershipChange, MembershipDao, TeamMemberships
from dao.notifications import NotificationDao
from dao.statistics import StatisticsDao
from dao.users import UserDao
from models import User
from resources.base import Resource
from resources.flair import flair_view
from resources.notifications import notification_view
from resources.users import USER_WITHOUT_ETAG, is_private_view, user_view


def memberships_view(
    req: falcon.Request, linker: Linker, teams: list[TeamMemberships]
) -> list[dict[str, Any]]:
    """Represent a user's teams with their groups nested (legacy `memberships`)."""
    return [
        {
            "self": linker.href("teams.item", team_name=entry.team.team_name),
            "team_name": entry.team.team_name,
            "title": entry.title,
            "status": entry.team.status,
            "user": entry.team.user,
            "groups": [
                {
                    "self": linker.href("groups.item", key=group.id),
                    "group_name": group.group_name,
                    "group_title": group.group_title,
                    "group_id": group.id,
                    "status": member.status,
                    "user": member.user,
                }
                for member, group in entry.groups
            ],
            "links": linker.links(req, "teams.item", team_name=entry.team.team_name),
        }
        for entry in teams
    ]


class Memberships(Resource):
    """The teams and groups of one user, and their snapshot."""

    def _user(self, req: falcon.Request, username: str) -> User:
        return self.services.dao(UserDao, req).get_by_username(username)

    def _groups(self, req: falcon.Request, user: User) -> list[dict[str, Any]]:
        rows = self.services.dao(MembershipDao, req).groups_of(user.username)
        return [
            {
                "self": self.href("groups.item", key=group.id),
                "id": group.id,
                "group_name": group.group_name,
                "group_title": group.group_title,
                "team_name": team_name,
                "status": member.status,
                "user": member.user,
                "links": self.links(req, "groups.item", "groups.members", key=group.id),
            }
            for member, group, team_name in rows
        ]

    def on_get_groups(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """List a user's group memberships of any status."""
        user = self._user(req, username)
        resp.media = {
            "self": self.href("users.groups", username=user.username),
            "groups": self._groups(req, user),
            "links": self.links(req, "users.item", "users.memberships", username=user.username),
        }

    def on_get_teams(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """List a user's team memberships of any status."""
        user = self._user(req, username)
        rows = self.services.dao(MembershipDao, req).teams_of(user.username)
        resp.media = {
            "self": self.href("users.teams", username=user.username),
            "teams": [
                {
                    "self": self.href("teams.item", team_name=team.name),
                    "team_name": team.name,
                    "title": team.title,
                    "status": member.status,
                    "user": member.user,
                    "links": self.links(req, "teams.item", "teams.groups", team_name=team.name),
                }
                for member, team in rows
            ],
            "links": self.links(req, "users.item", "users.memberships", username=user.username),
        }

    def _memberships_body(self, req: falcon.Request, user: User) -> dict[str, Any]:
        teams = self.services.dao(MembershipDao, req).memberships_of(user.username)
        return {
            "self": self.href("users.memberships", username=user.username),
            "memberships": memberships_view(req, self.linker, teams),
            "links": self.links(
                req,
                "users.update_memberships",
                "users.groups",
                "users.teams",
                "users.item",
                "teams.list",
                username=user.username,
            ),
        }

    def on_get_memberships(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """List a user's teams, each with the user's groups in it."""
        resp.media = self._memberships_body(req, self._user(req, username))

    def on_put_memberships(self, req: falcon.Request, resp: falcon.Response, target: User) -> None:
        """Ask to join teams and groups (pending until approved) and leave others, at once."""
        change = MembershipChange.from_body(req.get_media())
        updated = self.services.dao(MembershipDao, req).change(
            target, change, by=req.context.user.username
        )
        resp.media = {**self._memberships_body(req, target), "updated": updated}

    def on_get_snapshot(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Read a user with their groups, flair and statistics (and, for you, notifications)."""
        user = self.services.dao(UserDao, req).get(username, viewer=caller(req))
        groups = self._groups(req, user)
        newest = self.services.dao(MembershipDao, req).newest_logs([g["id"] for g in groups])
        for group in groups:
            group["newest_log"] = newest.get(group["id"])
            group["newest_message"] = None  # legacy: messages were never implemented
        snapshot = user_view(req, self.linker, user)
        snapshot["groups"] = groups
        snapshot["flair"] = [
            flair_view(self.linker, row)
            for row in self.services.dao(FlairDao, req).of(user.username)
        ]
        if is_private_view(req, user.username):
            rows = self.services.dao(NotificationDao, req).recent(user)
            snapshot["notifications"] = [
                notification_view(req, self.linker, row, lite=True) for row in rows
            ]
        snapshot["statistics"] = self.services.dao(StatisticsDao, req).for_user(
            user.username, user.week_start
        )
        resp.media = {
            "self": self.href("users.snapshot", username=user.username),
            "user": snapshot,
            "links": self.links(
                req, "users.item", "users.memberships", "users.statistics", username=user.username
            ),
        }


ENDPOINTS = (
    Endpoint(
        name="users.snapshot",
        method="GET",
        template="/v2/users/snapshot/{username}",
        resource=Memberships,
        suffix="snapshot",
        auth=Auth.USER,
        rel="snapshot",
        title="Read a user with their groups, flair, statistics and (yours only) notifications",
        collection="users",
    ),
    Endpoint(
        name="users.groups",
        method="GET",
        template="/v2/users/groups/{username}",
        resource=Memberships,
        suffix="groups",
        auth=Auth.USER,
        rel="groups",
        title="List a user's group memberships",
        collection="users",
    ),
    Endpoint(
        name="users.teams",
        method="GET",
        template="/v2/users/teams/{username}",
        resource=Memberships,
        suffix="teams",
        auth=Auth.USER,
        rel="teams",
        title="List a user's team memberships",
        collection="users",
    ),
    Endpoint(
        name="users.memberships",
        method="GET",
        template="/v2/users/memberships/{username}",
        resource=Memberships,
        suffix="memberships",
        auth=Auth.USER,
        rel="memberships",
        title="List a user's teams with their groups in each",
        collection="users",
    ),
    Endpoint(
        name="users.update_memberships",
        method="PUT",
        template="/v2/users/memberships/{username}",
        resource=Memberships,
        suffix="memberships",
        auth=Auth.OWNER,
        rel="edit-memberships",
        title="Ask to join teams and groups, or leave them",
        schema="memberships-update",
        owner_param="username",
        collection="users",
        target=USER_WITHOUT_ETAG,
    ),
)
