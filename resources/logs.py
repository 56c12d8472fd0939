"""Training logs: list, create, read with comments, replace, patch, hard and soft delete."""

from __future__ import annotations

import hashlib
from typing import Any

import falcon

from api.access import authorize
from api.conditional import check_if_match, etag_for, send_etag
from api.links import Linker, caller, with_query
from api.paging import PAGING_QUERY, page_from, path_id, set_link_header
from api.patching import ACCEPT_PATCH, apply_patch
from api.registry import Auth, Collection, Endpoint
from dao.errors import Forbidden
from dao.logs import LogDao
from domain.durations import format_duration
from models import Log
from resources.base import Resource
from resources.comments import comment_view

COLLECTION = Collection("logs", key="log", prefix="/v2/logs", title="training logs")
#: The page size of the feed links that other bodies carry.
FEED_PAGE = 20

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
    path = f"/v2/logs/{log.log_id}"
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
    view["links"] = linker.links(req, *LOG_LINKS, owner=log.username, log_id=log.log_id)
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


class Logs(Resource):
    """The logs collection and its items."""

    def _item(self, req: falcon.Request, log: Log) -> dict[str, Any]:
        view = log_view(req, self.linker, log, with_comments=False)
        return {
            "self": view["self"],
            "log": view,
            "comments": [comment_view(req, self.linker, comment) for comment in log.comments],
            "links": self.links(req, "logs.list", "api.root"),
        }

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List logs, oldest first, paged, each with its comments."""
        page = page_from(req)
        logs, total = self.services.dao(LogDao, req).page(limit=page.limit, offset=page.offset)
        paging = page.links("/v2/logs", total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/logs", limit=page.limit, offset=page.offset),
            "logs": [log_view(req, self.linker, log) for log in logs],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging
            + self.links(req, "logs.create")
            + self.links(
                req,
                "log_feed.page",
                rel="feed",
                filter_by="all",
                bucket="all",
                limit=FEED_PAGE,
                offset=0,
            )
            + self.links(req, "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Record an exercise log of your own."""
        body = req.get_media()  # validated against log-create.json by the middleware
        user = req.context.user
        if body.get("username", user.username) != user.username:
            raise Forbidden("You may only record your own logs; leave out 'username' or use yours.")
        names = (user.first, user.last)
        log = self.services.dao(LogDao, req).create(user.username, body, names=names)
        body = {**self._item(req, log), "added": True}
        self.created(resp, body["self"], body)

    def on_get(self, req: falcon.Request, resp: falcon.Response, log_id: str) -> None:
        """Read one log and its comments."""
        log = self.services.dao(LogDao, req).get(path_id(log_id, "log_id"))
        send_etag(req, resp, log.version, log_variant(req, log))
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self._item(req, log)

    def _update(
        self, req: falcon.Request, resp: falcon.Response, log_id: str, document: Any
    ) -> None:
        logs = self.services.dao(LogDao, req)
        log = logs.get(path_id(log_id, "log_id"))
        authorize(req, owner=log.username)
        check_if_match(req, log.version, required=self.config.require_if_match)
        if document is None:  # PATCH: apply to the current log, then check as PUT does
            document = apply_patch(req, editable_document(log))
            self.services.schemas.validate("log-update", document)
        updated = logs.update(log, document, by=req.context.user.username)
        resp.etag = etag_for(log.version, log_variant(req, log))
        resp.media = {**self._item(req, log), "updated": updated}

    def on_put(self, req: falcon.Request, resp: falcon.Response, log_id: str) -> None:
        """Replace your log (optional fields left out become null)."""
        self._update(req, resp, log_id, req.get_media())

    def on_patch(self, req: falcon.Request, resp: falcon.Response, log_id: str) -> None:
        """Change part of your log with a merge patch or a JSON Patch."""
        self._update(req, resp, log_id, None)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, log_id: str) -> None:
        """Delete your log and its comments for good."""
        logs = self.services.dao(LogDao, req)
        log = logs.get(path_id(log_id, "log_id"))
        authorize(req, owner=log.username)
        check_if_match(req, log.version, required=self.config.require_if_match)
        logs.hard_delete(log)
        self.no_content(resp)

    def on_delete_soft(self, req: falcon.Request, resp: falcon.Response, log_id: str) -> None:
        """Delete your log and its comments (kept, flagged deleted)."""
        logs = self.services.dao(LogDao, req)
        log = logs.get(path_id(log_id, "log_id"))
        authorize(req, owner=log.username)
        check_if_match(req, log.version, required=self.config.require_if_match)
        logs.soft_delete(log, by=req.context.user.username)
        self.no_content(resp)


ENDPOINTS = (
    Endpoint(
        "logs.list",
        "GET",
        "/v2/logs",
        Logs,
        "collection",
        Auth.USER,
        "logs",
        "List logs with their comments (limit, offset)",
        query=PAGING_QUERY,
        returns="log-list",
    ),
    Endpoint(
        "logs.create",
        "POST",
        "/v2/logs",
        Logs,
        "collection",
        Auth.USER,
        "create",
        "Record an exercise log",
        schema="log-create",
        statuses=(403,),
        returns="log-item",
    ),
    Endpoint(
        "logs.item",
        "GET",
        "/v2/logs/{log_id}",
        Logs,
        None,
        Auth.USER,
        "self",
        "Read a log and its comments",
        returns="log-item",
    ),
    Endpoint(
        "logs.replace",
        "PUT",
        "/v2/logs/{log_id}",
        Logs,
        None,
        Auth.OWNER,
        "edit",
        "Replace your log",
        schema="log-update",
        returns="log-item",
    ),
    Endpoint(
        "logs.patch",
        "PATCH",
        "/v2/logs/{log_id}",
        Logs,
        None,
        Auth.OWNER,
        "patch",
        "Change part of your log (merge patch or JSON Patch)",
        returns="log-item",
    ),
    Endpoint(
        "logs.delete",
        "DELETE",
        "/v2/logs/{log_id}",
        Logs,
        None,
        Auth.OWNER,
        "delete",
        "Delete your log and its comments for good",
    ),
    Endpoint(
        "logs.soft_delete",
        "DELETE",
        "/v2/logs/soft/{log_id}",
        Logs,
        "soft",
        Auth.OWNER,
        "soft_delete",
        "Delete your log and its comments (soft delete)",
    ),
)
