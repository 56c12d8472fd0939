"""Notifications: your own list, notify a teammate, read, mark viewed, hard and soft delete.

A notification is private to its addressee (and site admins): it never appears in another
user's response. Only teammates and site admins may send one (dao/notifications.py), its
sender is recorded and shown, its link is a path of this API, and senders are throttled.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.access import Lookup, Scope, Target
from api.links import Linker, internal_link_problem
from api.paging import PAGING_QUERY, page_from, path_id
from api.registry import Auth, Collection, Endpoint
from dao.errors import InvalidInput
from dao.notifications import NotificationDao
from dao.throttles import Limit
from models import Notification
from resources.base import Deletable, Editable

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
    path = linker.href("notifications.item", notification_id=row.notification_id)
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
        target=row,
        notification_id=row.notification_id,
    )
    return view


def load_notification(lookup: Lookup) -> Notification:
    """Load the notification a URL names (404 when there is none, or it is deleted)."""
    number = path_id(lookup.params["notification_id"], "notification_id")
    return lookup.dao(NotificationDao).get(number)


#: A notification is its addressee's.
NOTIFICATION = Target(
    kind="notification", load=load_notification, scope=lambda row: Scope(owner=row.username)
)


class Notifications(Editable, Deletable):
    """The notifications collection and its items."""

    update_schema = "notification-update"

    def represent(self, req: falcon.Request, target: Notification) -> dict[str, Any]:
        """Return the notification with links to the list and the root."""
        return {
            "self": self.href("notifications.item", notification_id=target.notification_id),
            "notification": notification_view(req, self.linker, target),
            "links": self.links(req, "notifications.list", "api.root"),
        }

    def editable(self, target: Notification) -> dict[str, Any]:
        """Return the viewed flag, the one field a PATCH may change."""
        return {"viewed": target.viewed}

    def replace(self, req: falcon.Request, target: Notification, document: dict[str, Any]) -> bool:
        """Mark the notification viewed ('Y') or not ('N')."""
        return self.services.dao(NotificationDao, req).mark(
            target, document["viewed"], by=req.context.user.username
        )

    def remove(self, req: falcon.Request, target: Notification) -> None:
        """Delete the notification for good."""
        self.services.dao(NotificationDao, req).hard_delete(target)

    def retire(self, req: falcon.Request, target: Notification) -> None:
        """Flag the notification deleted."""
        self.services.dao(NotificationDao, req).soft_delete(target, by=req.context.user.username)

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List your notifications, oldest first, paged (site admins see everyone's)."""
        page = page_from(req)
        user = req.context.user
        rows, total = self.services.dao(NotificationDao, req).page(
            username=None if user.is_admin else user.username, limit=page.limit, offset=page.offset
        )
        resp.media = page.envelope(
            resp,
            "notifications",
            [notification_view(req, self.linker, row) for row in rows],
            total,
            path=self.href("notifications.list"),
            links=self.links(req, "notifications.create", "api.root"),
        )

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
        # The sender gets back what they sent, with links only where they may follow them.
        body = {**self.represent(req, row), "added": True}
        self.created(resp, body["self"], body)


ENDPOINTS = (
    Endpoint(
        name="notifications.list",
        method="GET",
        template="/v2/notifications",
        resource=Notifications,
        suffix="collection",
        auth=Auth.USER,
        rel="notifications",
        title="List your notifications (limit, offset)",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="notifications.create",
        method="POST",
        template="/v2/notifications",
        resource=Notifications,
        suffix="collection",
        auth=Auth.USER,
        rel="create",
        title="Send a notification to a teammate",
        schema="notification-create",
        statuses=(403, 404, 429),
    ),
    Endpoint(
        name="notifications.item",
        method="GET",
        template="/v2/notifications/{notification_id}",
        resource=Notifications,
        suffix=None,
        auth=Auth.OWNER,
        rel="self",
        title="Read one of your notifications",
        statuses=(403,),
        target=NOTIFICATION,
    ),
    Endpoint(
        name="notifications.replace",
        method="PUT",
        template="/v2/notifications/{notification_id}",
        resource=Notifications,
        suffix=None,
        auth=Auth.OWNER,
        rel="edit",
        title="Mark your notification viewed or not",
        schema="notification-update",
        target=NOTIFICATION,
    ),
    Endpoint(
        name="notifications.patch",
        method="PATCH",
        template="/v2/notifications/{notification_id}",
        resource=Notifications,
        suffix=None,
        auth=Auth.OWNER,
        rel="patch",
        title="Mark your notification viewed or not (merge patch or JSON Patch)",
        target=NOTIFICATION,
    ),
    Endpoint(
        name="notifications.delete",
        method="DELETE",
        template="/v2/notifications/{notification_id}",
        resource=Notifications,
        suffix=None,
        auth=Auth.OWNER,
        rel="delete",
        title="Delete your notification for good",
        target=NOTIFICATION,
    ),
    Endpoint(
        name="notifications.soft_delete",
        method="DELETE",
        template="/v2/notifications/soft/{notification_id}",
        resource=Notifications,
        suffix="soft",
        auth=Auth.OWNER,
        rel="soft_delete",
        title="Delete your notification (soft delete)",
        target=NOTIFICATION,
    ),
)
