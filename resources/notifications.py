"""Notifications: your own list, notify a teammate, read, mark viewed, hard and soft delete.

A notification is private to its addressee (and site admins): it never appears in another
user's response. Only teammates and site admins may send one (dao/notifications.py), its
sender is recorded and shown, its link is a path of this API, and senders are throttled.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.access import authorize
from api.conditional import check_if_match, etag_for, send_etag
from api.links import Linker, internal_link_problem, with_query
from api.paging import PAGING_QUERY, page_from, path_id, set_link_header
from api.patching import ACCEPT_PATCH, apply_patch
from api.registry import Auth, Collection, Endpoint
from dao.errors import InvalidInput
from dao.notifications import NotificationDao
from dao.throttles import Limit
from models import Notification
from resources.base import Resource

COLLECTION = Collection(
    "notifications", key="notification", prefix="/v2/notifications", title="notifications"
)

#: Links on a notification; it is only ever shown to its addressee and site admins.
NOTIFICATION_LINKS = (
    "notifications.replace",
    "notifications.patch",
    "notifications.delete",
    "notifications.soft_delete",
)


def notification_view(
    req: falcon.Request, linker: Linker, row: Notification, *, lite: bool = False
) -> dict[str, Any]:
    """Represent a notification; `lite` leaves out `deleted`, as legacy per-user lists did."""
    path = f"/v2/notifications/{row.notification_id}"
    view: dict[str, Any] = {
        "self": path,
        "notification_id": row.notification_id,
        "username": row.username,
        "time": row.time,
        "link": row.link,
        "viewed": row.viewed,
        "description": row.description,
        # Splits addition: who sent it (null for legacy notifications and deleted senders).
        "sender": row.sender,
    }
    if not lite:
        view["deleted"] = bool(row.deleted)
    view["links"] = linker.links(
        req,
        "notifications.item",
        *NOTIFICATION_LINKS,
        owner=row.username,
        notification_id=row.notification_id,
    )
    return view


class Notifications(Resource):
    """The notifications collection and its items."""

    def _item(self, req: falcon.Request, row: Notification) -> dict[str, Any]:
        return {
            "self": f"/v2/notifications/{row.notification_id}",
            "notification": notification_view(req, self.linker, row),
            "links": self.links(req, "notifications.list", "api.root"),
        }

    def _load(self, req: falcon.Request, notification_id: str) -> Notification:
        row = self.services.dao(NotificationDao, req).get(
            path_id(notification_id, "notification_id")
        )
        return row

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List your notifications, oldest first, paged (site admins see everyone's)."""
        page = page_from(req)
        user = req.context.user
        rows, total = self.services.dao(NotificationDao, req).page(
            username=None if user.is_admin else user.username, limit=page.limit, offset=page.offset
        )
        paging = page.links("/v2/notifications", total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/notifications", limit=page.limit, offset=page.offset),
            "notifications": [notification_view(req, self.linker, row) for row in rows],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "notifications.create", "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Send a notification to a teammate (site admins: to anyone), as its sender."""
        body = req.get_media()  # validated against notification-create.json by the middleware
        link = body.get("link")
        if link is not None:
            problem = internal_link_problem(self.services.registry, link)
            if problem:
                raise InvalidInput(
                    f"The link {problem}.", errors=[{"path": "/link", "message": problem}]
                )
        config = self.config
        row = self.services.dao(NotificationDao, req).send(
            req.context.user,
            body["username"],
            body["description"],
            link,
            limit=Limit(
                config.notification_limit,
                config.notification_window,
                config.notification_lockout,
            ),
        )
        location = f"/v2/notifications/{row.notification_id}"
        # The sender gets back what they sent, with links only where they may follow them.
        self.created(resp, location, {**self._item(req, row), "added": True})

    def on_get(self, req: falcon.Request, resp: falcon.Response, notification_id: str) -> None:
        """Read one of your notifications."""
        row = self._load(req, notification_id)
        authorize(req, owner=row.username)
        send_etag(req, resp, row.version)
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self._item(req, row)

    def _update(
        self, req: falcon.Request, resp: falcon.Response, notification_id: str, document: Any
    ) -> None:
        notifications = self.services.dao(NotificationDao, req)
        row = self._load(req, notification_id)
        authorize(req, owner=row.username)
        check_if_match(req, row.version, required=self.config.require_if_match)
        if document is None:  # PATCH: apply to the current flag, then check as PUT does
            document = apply_patch(req, {"viewed": row.viewed})
            self.services.schemas.validate("notification-update", document)
        updated = notifications.mark(row, document["viewed"], by=req.context.user.username)
        resp.etag = etag_for(row.version)
        resp.media = {**self._item(req, row), "updated": updated}

    def on_put(self, req: falcon.Request, resp: falcon.Response, notification_id: str) -> None:
        """Mark your notification viewed ('Y') or not ('N')."""
        self._update(req, resp, notification_id, req.get_media())

    def on_patch(self, req: falcon.Request, resp: falcon.Response, notification_id: str) -> None:
        """Mark your notification viewed or not with a merge patch or a JSON Patch."""
        self._update(req, resp, notification_id, None)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, notification_id: str) -> None:
        """Delete your notification for good."""
        notifications = self.services.dao(NotificationDao, req)
        row = self._load(req, notification_id)
        authorize(req, owner=row.username)
        check_if_match(req, row.version, required=self.config.require_if_match)
        notifications.hard_delete(row)
        self.no_content(resp)

    def on_delete_soft(
        self, req: falcon.Request, resp: falcon.Response, notification_id: str
    ) -> None:
        """Delete your notification (kept, flagged deleted)."""
        notifications = self.services.dao(NotificationDao, req)
        row = self._load(req, notification_id)
        authorize(req, owner=row.username)
        check_if_match(req, row.version, required=self.config.require_if_match)
        notifications.soft_delete(row, by=req.context.user.username)
        self.no_content(resp)


ENDPOINTS = (
    Endpoint(
        "notifications.list",
        "GET",
        "/v2/notifications",
        Notifications,
        "collection",
        Auth.USER,
        "notifications",
        "List your notifications (limit, offset)",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "notifications.create",
        "POST",
        "/v2/notifications",
        Notifications,
        "collection",
        Auth.USER,
        "create",
        "Send a notification to a teammate",
        schema="notification-create",
        statuses=(403, 404, 429),
    ),
    Endpoint(
        "notifications.item",
        "GET",
        "/v2/notifications/{notification_id}",
        Notifications,
        None,
        Auth.OWNER,
        "self",
        "Read one of your notifications",
        statuses=(403,),
    ),
    Endpoint(
        "notifications.replace",
        "PUT",
        "/v2/notifications/{notification_id}",
        Notifications,
        None,
        Auth.OWNER,
        "edit",
        "Mark your notification viewed or not",
        schema="notification-update",
    ),
    Endpoint(
        "notifications.patch",
        "PATCH",
        "/v2/notifications/{notification_id}",
        Notifications,
        None,
        Auth.OWNER,
        "patch",
        "Mark your notification viewed or not (merge patch or JSON Patch)",
    ),
    Endpoint(
        "notifications.delete",
        "DELETE",
        "/v2/notifications/{notification_id}",
        Notifications,
        None,
        Auth.OWNER,
        "delete",
        "Delete your notification for good",
    ),
    Endpoint(
        "notifications.soft_delete",
        "DELETE",
        "/v2/notifications/soft/{notification_id}",
        Notifications,
        "soft",
        Auth.OWNER,
        "soft_delete",
        "Delete your notification (soft delete)",
    ),
)
