"""Groups: list, create, read and edit (by id or by team and name), team, members, snapshot.

Falcon allows one field name per path position (legacy-v2 §8), so `{key}` is a group id in
`/v2/groups/{key}` and a team name in `/v2/groups/{key}/{group_name}`; likewise
`/v2/groups/members/{key}/{second}` is team and group names for GET and group id and username
for PUT and DELETE.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.access import authorize
from api.conditional import check_if_match, etag_for, send_digest_etag, send_etag
from api.links import Link, Linker, caller, with_query
from api.paging import PAGING_QUERY, page_from, path_id, set_link_header
from api.patching import ACCEPT_PATCH, apply_patch
from api.registry import Auth, Collection, Endpoint
from dao.groups import EDITABLE_FIELDS, GroupDao
from dao.memberships import MembershipDao
from dao.statistics import StatisticsDao
from dao.teams import TeamDao
from dao.training import interval_start
from dao.versions import VersionDao
from models import Group, GroupMember, User
from resources.base import Resource
from resources.teams import team_view

COLLECTION = Collection("groups", "group", "/v2/groups", "groups")
#: Fields a legacy PUT replaces (left out: null); `group_title` changes only when sent.
PUT_REPLACED = ("description", "grouppic_name", "week_start")

#: The intervals of a snapshot's statistics that start on a day that depends on the date.
SNAPSHOT_DAYS = ("year", "month", "week")
#: Links on every group; its admins also get edit and invitation links.
GROUP_LINKS = ("groups.item", "groups.team", "groups.members")
#: Statistics and leaderboards are served by resources/group_statistics.py.
GROUP_STATISTICS_LINKS = (
    "groups.statistics",
    "groups.leaderboard",
    "groups.leaderboard_interval",
)


def group_view(
    req: falcon.Request,
    linker: Linker,
    group: Group,
    team_name: str | None,
    *,
    admin: bool,
    by_names: bool = False,
) -> dict[str, Any]:
    """Represent a group (legacy Group fields; the `grouppic` blob is never inline).

    Its edit links address the group the way it was read: by id, or (`by_names`) by team and
    group name.
    """
    links: list[Link] = linker.links(req, *GROUP_LINKS, key=group.id, group_id=group.id)
    names = {"key": team_name, "group_name": group.group_name}
    if team_name is not None:
        links += linker.links(req, "groups.item_by_names", "groups.snapshot", **names)
        links += linker.links(
            req, "groups.members_by_names", key=team_name, second=group.group_name
        )
    links += linker.links(req, *GROUP_STATISTICS_LINKS, group_id=group.id)
    if by_names and team_name is not None:
        edits = ("groups.replace_by_names", "groups.patch_by_names")
        links += linker.links(req, *edits, group_admin=admin, **names)
    else:
        links += linker.links(
            req, "groups.replace", "groups.patch", group_admin=admin, key=group.id
        )
    links += linker.links(req, "activation_code.create", group_admin=admin)
    return {
        "self": f"/v2/groups/{group.id}",
        "id": group.id,
        "group_name": group.group_name,
        "group_title": group.group_title,
        "grouppic_name": group.grouppic_name,
        "week_start": group.week_start,
        "description": group.description,
        "deleted": bool(group.deleted),
        "team_name": team_name,
        "links": links,
    }


def member_view(
    req: falcon.Request, linker: Linker, member: GroupMember, user: User, *, admin: bool
) -> dict[str, Any]:
    """Represent one group membership (legacy MemberRow), with admin actions for admins."""
    return {
        "self": f"/v2/users/{user.username}",
        "username": user.username,
        "first": user.first,
        "last": user.last,
        "member_since": user.member_since,
        "user": member.user,
        "status": member.status,
        "links": linker.links(req, "users.item", username=user.username)
        + linker.links(
            req,
            "groups.update_member",
            "groups.remove_member",
            group_admin=admin,
            key=member.group_id,
            second=user.username,
        ),
    }


def membership_view(member: GroupMember) -> dict[str, Any]:
    """Represent a membership row (legacy GroupMember) after a change."""
    return {
        "self": f"/v2/groups/members/{member.group_id}/{member.username}",
        "id": member.id,
        "group_name": member.group_name,
        "group_id": member.group_id,
        "username": member.username,
        "status": member.status,
        "user": member.user,
        "deleted": bool(member.deleted),
    }


def editable_document(group: Group) -> dict[str, Any]:
    """Return the editable fields as the document that PATCH applies to."""
    return {name: getattr(group, name) for name in EDITABLE_FIELDS}


class Groups(Resource):
    """The groups collection, its items, memberships and snapshots."""

    def _is_admin(self, req: falcon.Request, group_id: int) -> bool:
        user = caller(req)
        if user is None:
            return False
        return user.is_admin or self.services.dao(MembershipDao, req).is_group_admin(
            group_id, user.username
        )

    def _team_name(self, req: falcon.Request, group: Group) -> str | None:
        return self.services.dao(GroupDao, req).team_names([group.id]).get(group.id)

    def _item(
        self, req: falcon.Request, path: str, group: Group, admin: bool, *, by_names: bool = False
    ) -> dict[str, Any]:
        team_name = self._team_name(req, group)
        return {
            "self": path,
            "group": group_view(req, self.linker, group, team_name, admin=admin, by_names=by_names),
            "links": self.links(req, "groups.list", "api.root"),
        }

    # -- collection ---------------------------------------------------------------------------

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List active groups, paged."""
        page = page_from(req)
        groups_dao = self.services.dao(GroupDao, req)
        groups, total = groups_dao.page(limit=page.limit, offset=page.offset)
        ids = [group.id for group in groups]
        teams = groups_dao.team_names(ids)
        user = caller(req)
        admin_of = (
            set(ids)
            if user is not None and user.is_admin
            else self.services.dao(MembershipDao, req).admin_group_ids(
                user.username if user else None, ids
            )
        )
        paging = page.links("/v2/groups", total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/groups", limit=page.limit, offset=page.offset),
            "groups": [
                group_view(req, self.linker, group, teams.get(group.id), admin=group.id in admin_of)
                for group in groups
            ],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "teams.list", "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Create a group in a team (team admins and site admins)."""
        body = req.get_media()
        team = self.services.dao(TeamDao, req).get_for_body(body["team_name"])
        user = req.context.user
        team_admin = self.services.dao(MembershipDao, req).is_team_admin(team.name, user.username)
        authorize(req, group_admin=team_admin)
        group = self.services.dao(GroupDao, req).create(
            team, body, by=user.username, admin=not user.is_admin
        )
        path = f"/v2/groups/{group.id}"
        self.created(
            resp,
            path,
            {
                "self": path,
                "added": True,
                "group": group_view(req, self.linker, group, team.name, admin=True),
                "links": self.links(req, "teams.groups", team_name=team.name)
                + self.links(req, "groups.list", "api.root"),
            },
        )

    # -- one group, by id ---------------------------------------------------------------------

    def on_get(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        """Read one group by id."""
        group = self.services.dao(GroupDao, req).get(path_id(key, "group_id"))
        admin = self._is_admin(req, group.id)
        send_etag(req, resp, group.version, "a" if admin else "")
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self._item(req, f"/v2/groups/{group.id}", group, admin)

    def on_put(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        """Replace a group's description, picture name and week start (and title when sent)."""
        group = self.services.dao(GroupDao, req).get(path_id(key, "group_id"))
        self._update(req, resp, f"/v2/groups/{group.id}", group, patch=False)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        """Change part of a group with a merge patch or a JSON Patch."""
        group = self.services.dao(GroupDao, req).get(path_id(key, "group_id"))
        self._update(req, resp, f"/v2/groups/{group.id}", group, patch=True)

    def _update(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        path: str,
        group: Group,
        *,
        patch: bool,
        by_names: bool = False,
    ) -> None:
        authorize(req, group_admin=self._is_admin(req, group.id))
        check_if_match(req, group.version, required=self.config.require_if_match)
        if patch:
            document = apply_patch(req, editable_document(group))
            self.services.schemas.validate("group-update", document)
            values = {name: document.get(name) for name in EDITABLE_FIELDS}
        else:
            document = req.get_media()
            values = {name: document.get(name) for name in PUT_REPLACED}
            if "group_title" in document:
                values["group_title"] = document["group_title"]
        updated = self.services.dao(GroupDao, req).update(
            group, values, by=req.context.user.username
        )
        resp.etag = etag_for(group.version, "a")
        item = self._item(req, path, group, True, by_names=by_names)
        resp.media = {**item, "updated": updated}

    # -- one group, by team and name ----------------------------------------------------------

    def on_get_named(
        self, req: falcon.Request, resp: falcon.Response, key: str, group_name: str
    ) -> None:
        """Read one group by its team's name and its own name."""
        group = self.services.dao(GroupDao, req).get_by_names(key, group_name)
        admin = self._is_admin(req, group.id)
        send_etag(req, resp, group.version, "a" if admin else "")
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self._item(req, f"/v2/groups/{key}/{group_name}", group, admin, by_names=True)

    def on_put_named(
        self, req: falcon.Request, resp: falcon.Response, key: str, group_name: str
    ) -> None:
        """Replace a group, named by team and name, as `PUT /v2/groups/{id}` does."""
        group = self.services.dao(GroupDao, req).get_by_names(key, group_name)
        self._update(req, resp, f"/v2/groups/{key}/{group_name}", group, patch=False, by_names=True)

    def on_patch_named(
        self, req: falcon.Request, resp: falcon.Response, key: str, group_name: str
    ) -> None:
        """Change part of a group, named by team and name."""
        group = self.services.dao(GroupDao, req).get_by_names(key, group_name)
        self._update(req, resp, f"/v2/groups/{key}/{group_name}", group, patch=True, by_names=True)

    # -- the team of a group ------------------------------------------------------------------

    def on_get_team(self, req: falcon.Request, resp: falcon.Response, group_id: str) -> None:
        """Read the team that a group belongs to."""
        number = path_id(group_id, "group_id")
        team = self.services.dao(GroupDao, req).team_of(number)
        user = caller(req)
        admin = user is not None and (
            user.is_admin
            or self.services.dao(MembershipDao, req).is_team_admin(team.name, user.username)
        )
        resp.media = {
            "self": f"/v2/groups/team/{number}",
            "team": team_view(req, self.linker, team, admin=admin),
            "links": self.links(req, "groups.item", key=number) + self.links(req, "api.root"),
        }

    # -- members ------------------------------------------------------------------------------

    def _members(
        self, req: falcon.Request, resp: falcon.Response, path: str, group_path: str, group: Group
    ) -> None:
        page = page_from(req)
        rows, total = self.services.dao(GroupDao, req).members(
            group.id, limit=page.limit, offset=page.offset
        )
        admin = self._is_admin(req, group.id)
        paging = page.links(path, total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query(path, limit=page.limit, offset=page.offset),
            "group": group_path,
            "group_members": [
                member_view(req, self.linker, member, user, admin=admin) for member, user in rows
            ],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "groups.item", key=group.id),
        }

    def on_get_members(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        """List a group's members of any status, by group id, paged."""
        version = self.services.dao(VersionDao, req).group(path_id(key, "group_id"))
        send_digest_etag(req, resp, version)
        group = self.services.dao(GroupDao, req).get(path_id(key, "group_id"))
        self._members(req, resp, f"/v2/groups/members/{group.id}", f"/v2/groups/{group.id}", group)

    def on_get_member(
        self, req: falcon.Request, resp: falcon.Response, key: str, second: str
    ) -> None:
        """List a group's members of any status, by team and group name, paged."""
        send_digest_etag(req, resp, self.services.dao(VersionDao, req).group_by_names(key, second))
        group = self.services.dao(GroupDao, req).get_by_names(key, second)
        self._members(
            req, resp, f"/v2/groups/members/{key}/{second}", f"/v2/groups/{key}/{second}", group
        )

    def _membership(
        self, req: falcon.Request, key: str, username: str
    ) -> tuple[GroupDao, Group, GroupMember, User]:
        groups = self.services.dao(GroupDao, req)
        group = groups.get(path_id(key, "group_id"))
        authorize(req, group_admin=self._is_admin(req, group.id))
        member, user = groups.membership(group, username)
        check_if_match(req, member.version, required=self.config.require_if_match)
        return groups, group, member, user

    def on_put_member(
        self, req: falcon.Request, resp: falcon.Response, key: str, second: str
    ) -> None:
        """Change a member's status and role (group admins); accepting admits them to the team."""
        groups, group, member, user = self._membership(req, key, second)
        body = req.get_media()
        updated = groups.set_membership(
            group, member, status=body["status"], role=body["user"], by=req.context.user.username
        )
        resp.etag = etag_for(member.version)
        resp.media = {
            "self": f"/v2/groups/members/{group.id}/{user.username}",
            "updated": updated,
            "group_member": membership_view(member),
            "links": self.links(req, "groups.members", key=group.id)
            + self.links(req, "users.item", username=user.username),
        }

    def on_delete_member(
        self, req: falcon.Request, resp: falcon.Response, key: str, second: str
    ) -> None:
        """Remove a member (group admins); their last group in a team takes them off the team."""
        groups, group, member, _user = self._membership(req, key, second)
        groups.remove_membership(group, member, by=req.context.user.username)
        self.no_content(resp)

    # -- snapshot -----------------------------------------------------------------------------

    def on_get_snapshot(
        self, req: falcon.Request, resp: falcon.Response, key: str, group_name: str
    ) -> None:
        """Read a group with all its members and its statistics."""
        version = self.services.dao(VersionDao, req).group_by_names(key, group_name)
        if version is not None:  # the statistics cover the logs since each interval's first day
            today = self.services.clock().date()
            starts = [interval_start(name, today, version.week_start) for name in SNAPSHOT_DAYS]
            send_digest_etag(req, resp, version, *starts)
        groups = self.services.dao(GroupDao, req)
        group = groups.get_by_names(key, group_name)
        admin = self._is_admin(req, group.id)
        members = [
            member_view(req, self.linker, member, user, admin=admin)
            for member, user in groups.all_members(group.id)
        ]
        statistics = self.services.dao(StatisticsDao, req).for_group(group.id, group.week_start)
        snapshot = group_view(req, self.linker, group, key, admin=admin)
        snapshot.update(members=members, statistics=statistics)
        resp.media = {
            "self": f"/v2/groups/snapshot/{key}/{group_name}",
            "group": f"/v2/groups/{key}/{group_name}",
            "group_snapshot": snapshot,
            "links": self.links(req, "groups.item", key=group.id) + self.links(req, "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        "groups.list",
        "GET",
        "/v2/groups",
        Groups,
        "collection",
        Auth.USER,
        "groups",
        "List groups (limit, offset)",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "groups.create",
        "POST",
        "/v2/groups",
        Groups,
        "collection",
        Auth.GROUP_ADMIN,
        "create",
        "Create a group in a team (team admins)",
        schema="group-create",
    ),
    Endpoint(
        "groups.item",
        "GET",
        "/v2/groups/{key}",
        Groups,
        None,
        Auth.USER,
        "self",
        "Read a group by id",
        params={"key": "integer"},
    ),
    Endpoint(
        "groups.replace",
        "PUT",
        "/v2/groups/{key}",
        Groups,
        None,
        Auth.GROUP_ADMIN,
        "edit",
        "Replace a group's details (group admins)",
        schema="group-update",
        params={"key": "integer"},
    ),
    Endpoint(
        "groups.patch",
        "PATCH",
        "/v2/groups/{key}",
        Groups,
        None,
        Auth.GROUP_ADMIN,
        "patch",
        "Change part of a group's details (group admins; merge patch or JSON Patch)",
        params={"key": "integer"},
    ),
    Endpoint(
        "groups.item_by_names",
        "GET",
        "/v2/groups/{key}/{group_name}",
        Groups,
        "named",
        Auth.USER,
        "alternate",
        "Read a group by team name and group name",
    ),
    Endpoint(
        "groups.replace_by_names",
        "PUT",
        "/v2/groups/{key}/{group_name}",
        Groups,
        "named",
        Auth.GROUP_ADMIN,
        "edit",
        "Replace a group's details, by team and group name",
        schema="group-update",
    ),
    Endpoint(
        "groups.patch_by_names",
        "PATCH",
        "/v2/groups/{key}/{group_name}",
        Groups,
        "named",
        Auth.GROUP_ADMIN,
        "patch",
        "Change part of a group's details, by team and group name",
    ),
    Endpoint(
        "groups.team",
        "GET",
        "/v2/groups/team/{group_id}",
        Groups,
        "team",
        Auth.USER,
        "team",
        "Read the team of a group",
    ),
    Endpoint(
        "groups.members",
        "GET",
        "/v2/groups/members/{key}",
        Groups,
        "members",
        Auth.USER,
        "members",
        "List a group's members, by group id",
        params={"key": "integer"},
        query=PAGING_QUERY,
    ),
    Endpoint(
        "groups.members_by_names",
        "GET",
        "/v2/groups/members/{key}/{second}",
        Groups,
        "member",
        Auth.USER,
        "members",
        "List a group's members, by team name and group name",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "groups.update_member",
        "PUT",
        "/v2/groups/members/{key}/{second}",
        Groups,
        "member",
        Auth.GROUP_ADMIN,
        "edit-member",
        "Accept, promote or demote a member, by group id and username (group admins)",
        schema="group-member-update",
        params={"key": "integer"},
    ),
    Endpoint(
        "groups.remove_member",
        "DELETE",
        "/v2/groups/members/{key}/{second}",
        Groups,
        "member",
        Auth.GROUP_ADMIN,
        "remove-member",
        "Remove a member, by group id and username (group admins)",
        params={"key": "integer"},
    ),
    Endpoint(
        "groups.snapshot",
        "GET",
        "/v2/groups/snapshot/{key}/{group_name}",
        Groups,
        "snapshot",
        Auth.USER,
        "snapshot",
        "Read a group with its members and statistics, by team and name",
    ),
)
