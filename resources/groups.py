"""Groups: list, create, read and edit (by id or by team and name), team, members, snapshot.

Falcon allows one field name per path position (legacy-v2 §8), so `{key}` is a group id in
`/v2/groups/{key}` and a team name in `/v2/groups/{key}/{group_name}`; likewise
`/v2/groups/members/{key}/{second}` is team and group names for GET and group id and username
for PUT and DELETE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon

from api.access import Access, Lookup, Scope, Target
from api.conditional import etag_for, send_digest_etag
from api.links import Link, Linker
from api.paging import PAGING_QUERY, page_from, path_id
from api.registry import Auth, Collection, Endpoint
from dao.groups import EDITABLE_FIELDS, GroupDao
from dao.statistics import StatisticsDao
from dao.teams import TeamDao
from dao.training import interval_start
from dao.versions import VersionDao
from models import Group, GroupMember, Team, User
from resources.base import Editable, Item, item_endpoints
from resources.teams import member_fields, team_view

COLLECTION = Collection("groups", "group", "/v2/groups", "groups")
#: The intervals whose first day a group snapshot's statistics depend on (its ETag covers them).
SNAPSHOT_DAYS = ("year", "month", "week")
#: Fields a legacy PUT replaces (left out: null); `group_title` changes only when sent.
PUT_REPLACED = ("description", "grouppic_name", "week_start")

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
    by_names: bool = False,
) -> dict[str, Any]:
    """Represent a group (legacy Group fields; the `grouppic` blob is never inline).

    Its edit links address the group the way it was read: by id, or (`by_names`) by team and
    group name; they are shown to its admins.
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
        links += linker.links(req, *edits, target=NamedGroup(group, team_name), **names)
    else:
        links += linker.links(req, "groups.replace", "groups.patch", target=group, key=group.id)
    links += linker.links(req, "activation_code.create", target=group)
    return {
        "self": linker.href("groups.item", key=group.id),
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
    req: falcon.Request, linker: Linker, member: GroupMember, user: User
) -> dict[str, Any]:
    """Represent one group membership (legacy MemberRow), with admin actions for admins."""
    return {
        **member_fields(linker, member, user),
        "links": linker.links(req, "users.item", username=user.username)
        + linker.links(
            req,
            "groups.update_member",
            "groups.remove_member",
            scope=Scope(group_id=member.group_id),
            key=member.group_id,
            second=user.username,
        ),
    }


def membership_view(linker: Linker, member: GroupMember) -> dict[str, Any]:
    """Represent a membership row (legacy GroupMember) after a change."""
    return {
        "self": linker.href("groups.update_member", key=member.group_id, second=member.username),
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


@dataclass(frozen=True, slots=True)
class NamedGroup:
    """A group as addressed by its team's name and its own: its links and `self` say so too."""

    group: Group
    team_name: str | None


@dataclass(frozen=True, slots=True)
class Membership:
    """One member of one group: the target of a group admin's change or removal."""

    group: Group
    member: GroupMember
    user: User


def load_group(lookup: Lookup) -> Group:
    """Load the group a URL names by id."""
    return lookup.dao(GroupDao).get(path_id(lookup.params["key"], "group_id"))


def load_named_group(lookup: Lookup) -> NamedGroup:
    """Load the group a URL names by team name and group name."""
    groups = lookup.dao(GroupDao)
    group = groups.get_by_names(lookup.params["key"], lookup.params["group_name"])
    return NamedGroup(group, groups.team_names([group.id]).get(group.id))


def load_membership(lookup: Lookup) -> Membership:
    """Load one active member (by username) of the group already loaded (by id)."""
    group: Group = lookup.parent
    member, user = lookup.dao(GroupDao).membership(group, lookup.params["second"])
    return Membership(group, member, user)


def load_team_of_new_group(lookup: Lookup) -> Team:
    """Load the team a new group is created in, named by the body's `team_name`."""
    return lookup.dao(TeamDao).get_for_body(lookup.body()["team_name"])


#: A group is run by its accepted admins.
GROUP = Target(kind="group", load=load_group, scope=lambda row: Scope(group_id=row.id))
NAMED_GROUP = Target(
    kind="group",
    load=load_named_group,
    scope=lambda row: Scope(group_id=row.group.id),
    version=lambda row: row.group.version,
)
#: A member of a group is looked up only for the group's admins.
MEMBERSHIP = Target(
    kind="group_member",
    within=GROUP,
    load=load_membership,
    scope=lambda row: Scope(group_id=row.group.id),
    version=lambda row: row.member.version,
)
#: Groups are created by the admins of the team they are in.
NEW_GROUP_TEAM = Target(
    kind="team", load=load_team_of_new_group, scope=lambda row: Scope(team=row.name), version=None
)


class Groups(Editable):
    """The groups collection, its items, memberships and snapshots."""

    update_schema = "group-update"

    @staticmethod
    def _group(target: Group | NamedGroup) -> Group:
        return target.group if isinstance(target, NamedGroup) else target

    def represent(self, req: falcon.Request, target: Group | NamedGroup) -> dict[str, Any]:
        """Return the group, addressed the way it was read (by id, or by team and name)."""
        group = self._group(target)
        if isinstance(target, NamedGroup):
            team_name = target.team_name
            path = self.href("groups.item_by_names", key=team_name, group_name=group.group_name)
        else:
            team_name = self.services.dao(GroupDao, req).team_names([group.id]).get(group.id)
            path = self.href("groups.item", key=group.id)
        by_names = isinstance(target, NamedGroup)
        return {
            "self": path,
            "group": group_view(req, self.linker, group, team_name, by_names=by_names),
            "links": self.links(req, "groups.list", "api.root"),
        }

    def variant(self, req: falcon.Request, target: Group | NamedGroup) -> str:
        """Tell the admins' representation (with edit links) from the members'."""
        return "a" if Access.of(req).administers(Scope(group_id=self._group(target).id)) else ""

    def editable(self, target: Group | NamedGroup) -> dict[str, Any]:
        """Return the editable fields (`editable_document`)."""
        return editable_document(self._group(target))

    def replace(
        self, req: falcon.Request, target: Group | NamedGroup, document: dict[str, Any]
    ) -> bool:
        """Write the fields: a PUT replaces the legacy ones (and the title when sent)."""
        if req.method == "PATCH":
            values = {name: document.get(name) for name in EDITABLE_FIELDS}
        else:
            values = {name: document.get(name) for name in PUT_REPLACED}
            if "group_title" in document:
                values["group_title"] = document["group_title"]
        return self.services.dao(GroupDao, req).update(
            self._group(target), values, by=req.context.user.username
        )

    on_get_named = Item.on_get
    on_put_named = Editable.on_put
    on_patch_named = Editable.on_patch

    # -- collection ---------------------------------------------------------------------------

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List active groups, paged."""
        page = page_from(req)
        groups_dao = self.services.dao(GroupDao, req)
        groups, total = groups_dao.page(limit=page.limit, offset=page.offset)
        teams = groups_dao.team_names([group.id for group in groups])
        Access.of(req).know_groups(group.id for group in groups)
        resp.media = page.envelope(
            resp,
            "groups",
            [group_view(req, self.linker, group, teams.get(group.id)) for group in groups],
            total,
            path=self.href("groups.list"),
            links=self.links(req, "teams.list", "api.root"),
        )

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response, target: Team) -> None:
        """Create a group in a team (team admins and site admins)."""
        user = req.context.user
        group = self.services.dao(GroupDao, req).create(
            target, req.get_media(), by=user.username, admin=not user.is_admin
        )
        path = self.href("groups.item", key=group.id)
        self.created(
            resp,
            path,
            {
                "self": path,
                "added": True,
                "group": group_view(req, self.linker, group, target.name),
                "links": self.links(req, "teams.groups", team_name=target.name)
                + self.links(req, "groups.list", "api.root"),
            },
        )

    # -- the team of a group ------------------------------------------------------------------

    def on_get_team(self, req: falcon.Request, resp: falcon.Response, group_id: str) -> None:
        """Read the team that a group belongs to."""
        number = path_id(group_id, "group_id")
        team = self.services.dao(GroupDao, req).team_of(number)
        resp.media = {
            "self": self.href("groups.team", group_id=number),
            "team": team_view(req, self.linker, team),
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
        resp.media = page.envelope(
            resp,
            "group_members",
            [member_view(req, self.linker, member, user) for member, user in rows],
            total,
            path=path,
            group=group_path,
            links=self.links(req, "groups.item", key=group.id),
        )

    def on_get_members(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        """List a group's members of any status, by group id, paged."""
        # The version lookup answers 404 for a missing group and 304 before any other query.
        number = path_id(key, "group_id")
        send_digest_etag(req, resp, self.services.dao(VersionDao, req).group(number))
        group = self.services.dao(GroupDao, req).get(number)
        self._members(
            req,
            resp,
            self.href("groups.members", key=group.id),
            self.href("groups.item", key=group.id),
            group,
        )

    def on_get_member(
        self, req: falcon.Request, resp: falcon.Response, key: str, second: str
    ) -> None:
        """List a group's members of any status, by team and group name, paged."""
        send_digest_etag(req, resp, self.services.dao(VersionDao, req).group_by_names(key, second))
        group = self.services.dao(GroupDao, req).get_by_names(key, second)
        self._members(
            req,
            resp,
            self.href("groups.members_by_names", key=key, second=second),
            self.href("groups.item_by_names", key=key, group_name=second),
            group,
        )

    def on_put_member(self, req: falcon.Request, resp: falcon.Response, target: Membership) -> None:
        """Change a member's status and role (group admins); accepting admits them to the team."""
        body = req.get_media()
        updated = self.services.dao(GroupDao, req).set_membership(
            target.group,
            target.member,
            status=body["status"],
            role=body["user"],
            by=req.context.user.username,
        )
        resp.etag = etag_for(target.member.version)
        resp.media = {
            "self": self.href(
                "groups.update_member", key=target.group.id, second=target.user.username
            ),
            "updated": updated,
            "group_member": membership_view(self.linker, target.member),
            "links": self.links(req, "groups.members", key=target.group.id)
            + self.links(req, "users.item", username=target.user.username),
        }

    def on_delete_member(
        self, req: falcon.Request, resp: falcon.Response, target: Membership
    ) -> None:
        """Remove a member (group admins); their last group in a team takes them off the team."""
        self.services.dao(GroupDao, req).remove_membership(
            target.group, target.member, by=req.context.user.username
        )
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
        members = [
            member_view(req, self.linker, member, user)
            for member, user in groups.all_members(group.id)
        ]
        statistics = self.services.dao(StatisticsDao, req).for_group(group.id, group.week_start)
        snapshot = group_view(req, self.linker, group, key)
        snapshot.update(members=members, statistics=statistics)
        resp.media = {
            "self": self.href("groups.snapshot", key=key, group_name=group_name),
            "group": self.href("groups.item_by_names", key=key, group_name=group_name),
            "group_snapshot": snapshot,
            "links": self.links(req, "groups.item", key=group.id) + self.links(req, "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        name="groups.list",
        method="GET",
        template="/v2/groups",
        resource=Groups,
        suffix="collection",
        auth=Auth.USER,
        rel="groups",
        title="List groups (limit, offset)",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="groups.create",
        method="POST",
        template="/v2/groups",
        resource=Groups,
        suffix="collection",
        auth=Auth.GROUP_ADMIN,
        rel="create",
        title="Create a group in a team (team admins)",
        schema="group-create",
        target=NEW_GROUP_TEAM,
    ),
    *item_endpoints(
        "groups",
        Groups,
        "/v2/groups/{key}",
        target=GROUP,
        auth=Auth.GROUP_ADMIN,
        schema="group-update",
        params={"key": "integer"},
        titles={
            "item": "Read a group by id",
            "replace": "Replace a group's details (group admins)",
            "patch": "Change part of a group's details (group admins; merge patch or JSON Patch)",
        },
    ),
    *item_endpoints(
        "groups",
        Groups,
        "/v2/groups/{key}/{group_name}",
        suffix="named",
        name_suffix="_by_names",
        target=NAMED_GROUP,
        auth=Auth.GROUP_ADMIN,
        schema="group-update",
        rels={"item": "alternate"},
        titles={
            "item": "Read a group by team name and group name",
            "replace": "Replace a group's details, by team and group name",
            "patch": "Change part of a group's details, by team and group name",
        },
    ),
    Endpoint(
        name="groups.team",
        method="GET",
        template="/v2/groups/team/{group_id}",
        resource=Groups,
        suffix="team",
        auth=Auth.USER,
        rel="team",
        title="Read the team of a group",
    ),
    Endpoint(
        name="groups.members",
        method="GET",
        template="/v2/groups/members/{key}",
        resource=Groups,
        suffix="members",
        auth=Auth.USER,
        rel="members",
        title="List a group's members, by group id",
        params={"key": "integer"},
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="groups.members_by_names",
        method="GET",
        template="/v2/groups/members/{key}/{second}",
        resource=Groups,
        suffix="member",
        auth=Auth.USER,
        rel="members",
        title="List a group's members, by team name and group name",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="groups.update_member",
        method="PUT",
        template="/v2/groups/members/{key}/{second}",
        resource=Groups,
        suffix="member",
        auth=Auth.GROUP_ADMIN,
        rel="edit-member",
        title="Accept, promote or demote a member, by group id and username (group admins)",
        schema="group-member-update",
        params={"key": "integer"},
        target=MEMBERSHIP,
    ),
    Endpoint(
        name="groups.remove_member",
        method="DELETE",
        template="/v2/groups/members/{key}/{second}",
        resource=Groups,
        suffix="member",
        auth=Auth.GROUP_ADMIN,
        rel="remove-member",
        title="Remove a member, by group id and username (group admins)",
        params={"key": "integer"},
        target=MEMBERSHIP,
    ),
    Endpoint(
        name="groups.snapshot",
        method="GET",
        template="/v2/groups/snapshot/{key}/{group_name}",
        resource=Groups,
        suffix="snapshot",
        auth=Auth.USER,
        rel="snapshot",
        title="Read a group with its members and statistics, by team and name",
    ),
)
