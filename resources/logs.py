"""Training logs: list, create, read with comments, replace, patch, hard and soft delete."""

from __future__ import annotations

import hashlib
from typing import Any

import falcon

from api.access import Lookup, Scope, Target
from api.links import Linker, caller
from api.paging import PAGING_QUERY, page_from, path_id
from api.registry import Auth, Collection, Endpoint
from dao.errors import Forbidden
from dao.logs import LogDao
from domain.durations import format_duration
from models import Log
from resources.base import Deletable, Editable
from resources.comments import comment_view

COLLECTION = Collection("logs", key="log", prefix="/v2/logs", title="training logs")
#: The page size of the feed links that other bodies carry.
FEED_PAGE = 20


def load_log(lookup: Lookup) -> Log:
    """Load the log a URL names (404 when there is none, or it is deleted)."""
    return lookup.dao(LogDao).get(path_id(lookup.params["log_id"], "log_id"))


#: A log is its author's.
LOG = Target(kind="log", load=load_log, scope=lambda row: Scope(owner=row.username))

#: Links on a log, in the order shown; edits and deletes only for its owner and admins.
LOG_LINKS = (
    "logs.item",
    "logs.replace",
    "logs.patch",
    "logs.delete",
    "logs.soft_delete",
)


def log_view(
    req: falcon.Request, linker: Linker, log: Log, *, with_comments: bool = True
) -> dict[str, Any]:
    """Represent a log; `comments` (its live comments, newest first) unless asked not to."""
    path = linker.href("logs.item", log_id=log.log_id)
    view: dict[str, Any] = {
        "self": path,
        "log_id": log.log_id,
        "username": log.username,
        "first": log.first,
        "last": log.last,
        "name": log.name,
        "location": log.location,
        "date": log.date,
        "type": log.type,
        "distance": log.distance,
        "metric": log.metric,
        "miles": log.miles,
        "time": log.time,
        "pace": log.pace,
        "feel": log.feel,
        "description": log.description,
        "time_created": log.time_created,
        "deleted": bool(log.deleted),
        "log": path,
    }
    if with_comments:
        view["comments"] = [comment_view(req, linker, comment) for comment in log.comments]
    view["links"] = linker.links(req, *LOG_LINKS, target=log, log_id=log.log_id)
    view["links"] += linker.links(req, "comments.create", rel="comment")
    view["links"] += linker.links(req, "users.item", rel="author", username=log.username)
    return view


def editable_document(log: Log) -> dict[str, Any]:
    """Return the writable fields of a log as the document that PATCH applies to."""
    return {
        "date": log.date.isoformat(),
        "type": log.type,
        "feel": log.feel,
        "name": log.name,
        "location": log.location,
        "distance": log.distance,
        "metric": log.metric,
        "time": format_duration(log.time) if log.time is not None else None,
        "description": log.description,
    }


def log_variant(req: falcon.Request, log: Log) -> str:
    """Return the ETag variant of a log's representation for this caller.

    The body embeds the comments and per-caller action links, so the tag covers both.
    """
    user = caller(req)
    parts = [user.username if user else "", user.role if user else ""]
    parts += [f"{comment.comment_id}.{comment.version}" for comment in log.comments]
    return hashlib.blake2s("|".join(parts).encode(), digest_size=6).hexdigest()


class Logs(Editable, Deletable):
    """The logs collection and its items."""

    update_schema = "log-update"

    def represent(self, req: falcon.Request, target: Log) -> dict[str, Any]:
        """Return the log, its comments, and links to the list and the root."""
        view = log_view(req, self.linker, target, with_comments=False)
        return {
            "self": view["self"],
            "log": view,
            "comments": [comment_view(req, self.linker, comment) for comment in target.comments],
            "links": self.links(req, "logs.list", "api.root"),
        }

    def variant(self, req: falcon.Request, target: Log) -> str:
        """Return the variant of the log's representation for this caller (`log_variant`)."""
        return log_variant(req, target)

    def editable(self, target: Log) -> dict[str, Any]:
        """Return the log's writable fields (`editable_document`)."""
        return editable_document(target)

    def replace(self, req: falcon.Request, target: Log, document: dict[str, Any]) -> bool:
        """Write the document (optional fields left out become null)."""
        return self.services.dao(LogDao, req).update(target, document, by=req.context.user.username)

    def remove(self, req: falcon.Request, target: Log) -> None:
        """Delete the log and its comments for good."""
        self.services.dao(LogDao, req).hard_delete(target)

    def retire(self, req: falcon.Request, target: Log) -> None:
        """Flag the log and its comments deleted."""
        self.services.dao(LogDao, req).soft_delete(target, by=req.context.user.username)

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List logs, oldest first, paged, each with its comments."""
        page = page_from(req)
        logs, total = self.services.dao(LogDao, req).page(limit=page.limit, offset=page.offset)
        feed = {"filter_by": "all", "bucket": "all", "limit": FEED_PAGE, "offset": 0}
        resp.media = page.envelope(
            resp,
            "logs",
            [log_view(req, self.linker, log) for log in logs],
            total,
            path=self.href("logs.list"),
            links=self.links(req, "logs.create")
            + self.links(req, "log_feed.page", rel="feed", **feed)
            + self.links(req, "api.root"),
        )

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Record an exercise log of your own."""
        body = req.get_media()  # validated against log-create.json by the middleware
        user = req.context.user
        if body.get("username", user.username) != user.username:
            raise Forbidden("You may only record your own logs; leave out 'username' or use yours.")
        names = (user.first, user.last)
        log = self.services.dao(LogDao, req).create(user.username, body, names=names)
        body = {**self.represent(req, log), "added": True}
        self.created(resp, body["self"], body)


ENDPOINTS = (
    Endpoint(
        name="logs.list",
        method="GET",
        template="/v2/logs",
        resource=Logs,
        suffix="collection",
        auth=Auth.USER,
        rel="logs",
        title="List logs with their comments (limit, offset)",
        query=PAGING_QUERY,
        returns="log-list",
    ),
    Endpoint(
        name="logs.create",
        method="POST",
        template="/v2/logs",
        resource=Logs,
        suffix="collection",
        auth=Auth.USER,
        rel="create",
        title="Record an exercise log",
        schema="log-create",
        statuses=(403,),
        returns="log-item",
    ),
    Endpoint(
        name="logs.item",
        method="GET",
        template="/v2/logs/{log_id}",
        resource=Logs,
        suffix=None,
        auth=Auth.USER,
        rel="self",
        title="Read a log and its comments",
        returns="log-item",
        target=LOG,
    ),
    Endpoint(
        name="logs.replace",
        method="PUT",
        template="/v2/logs/{log_id}",
        resource=Logs,
        suffix=None,
        auth=Auth.OWNER,
        rel="edit",
        title="Replace your log",
        schema="log-update",
        returns="log-item",
        target=LOG,
    ),
    Endpoint(
        name="logs.patch",
        method="PATCH",
        template="/v2/logs/{log_id}",
        resource=Logs,
        suffix=None,
        auth=Auth.OWNER,
        rel="patch",
        title="Change part of your log (merge patch or JSON Patch)",
        returns="log-item",
        target=LOG,
    ),
    Endpoint(
        name="logs.delete",
        method="DELETE",
        template="/v2/logs/{log_id}",
        resource=Logs,
        suffix=None,
        auth=Auth.OWNER,
        rel="delete",
        title="Delete your log and its comments for good",
        target=LOG,
    ),
    Endpoint(
        name="logs.soft_delete",
        method="DELETE",
        template="/v2/logs/soft/{log_id}",
        resource=Logs,
        suffix="soft",
        auth=Auth.OWNER,
        rel="soft_delete",
        title="Delete your log and its comments (soft delete)",
        target=LOG,
    ),
)
