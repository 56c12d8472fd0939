"""A user's statistics, flair and recent notifications (endpoints of the users collection)."""

from __future__ import annotations

import falcon

from api.conditional import send_digest_etag
from api.links import caller
from api.registry import Auth, Endpoint
from dao.flair import FlairDao
from dao.notifications import NotificationDao
from dao.statistics import StatisticsDao
from dao.users import UserDao
from dao.versions import VersionDao
from resources.base import Resource
from resources.flair import flair_view
from resources.log_feed import activity_links
from resources.notifications import notification_view


class UserActivity(Resource):
    """Figures and lists that belong to one user."""

    def on_get_statistics(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Read a user's mileage and feel: all time, this year, month and week."""
        # By username only: a statistics page addressed by e-mail is sent without an ETag.
        today = self.services.clock().date()  # the figures and the range view link follow it
        send_digest_etag(req, resp, self.services.dao(VersionDao, req).find_user(username), today)
        user = self.services.dao(UserDao, req).get(username, viewer=caller(req))
        stats = self.services.dao(StatisticsDao, req).for_user(user.username, user.week_start)
        resp.media = {
            "self": self.href("users.statistics", username=user.username),
            "stats": stats,
            "links": self.links(req, "users.item", username=user.username)
            + activity_links(req, self.linker, "user", user.username, today),
        }

    def on_get_flair(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """List a user's flair."""
        user = self.services.dao(UserDao, req).get_by_username(username)
        rows = self.services.dao(FlairDao, req).of(user.username)
        resp.media = {
            "self": self.href("users.flair", username=user.username),
            "flair": [flair_view(self.linker, row) for row in rows],
            "links": self.links(req, "users.item", "flair.create", username=user.username),
        }

    def on_get_notifications(
        self, req: falcon.Request, resp: falcon.Response, username: str
    ) -> None:
        """List your notifications of this week and the two before, newest first."""
        user = self.services.dao(UserDao, req).get_by_username(username)
        rows = self.services.dao(NotificationDao, req).recent(user)
        resp.media = {
            "self": self.href("users.notifications", username=user.username),
            "notifications": [notification_view(req, self.linker, row, lite=True) for row in rows],
            "links": self.links(req, "users.item", "notifications.list", username=user.username),
        }


ENDPOINTS = (
    Endpoint(
        name="users.notifications",
        method="GET",
        template="/v2/users/notifications/{username}",
        resource=UserActivity,
        suffix="notifications",
        auth=Auth.OWNER,
        rel="notifications",
        title="List your notifications of this week and the two before",
        collection="users",
        owner_param="username",
    ),
    Endpoint(
        name="users.flair",
        method="GET",
        template="/v2/users/flair/{username}",
        resource=UserActivity,
        suffix="flair",
        auth=Auth.USER,
        rel="flair",
        title="List a user's flair",
        collection="users",
    ),
    Endpoint(
        name="users.statistics",
        method="GET",
        template="/v2/users/statistics/{username}",
        resource=UserActivity,
        suffix="statistics",
        auth=Auth.USER,
        rel="statistics",
        title="Read a user's mileage and feel statistics",
        collection="users",
    ),
)
