"""A group's statistics and leaderboards (endpoints of the groups collection)."""

from __future__ import annotations

from typing import Any

import falcon

from api.conditional import send_digest_etag
from api.paging import path_id
from api.registry import Auth, Endpoint
from dao.errors import InvalidInput
from dao.statistics import StatisticsDao
from dao.training import INTERVALS, interval_start
from dao.versions import VersionDao
from resources.base import Resource
from resources.log_feed import activity_links


class GroupStatistics(Resource):
    """Figures over the logs of a group's accepted members."""

    def on_get_statistics(self, req: falcon.Request, resp: falcon.Response, group_id: str) -> None:
        """Read a group's mileage and feel: all time, this year, month and week."""
        number = path_id(group_id, "group_id")
        group = self.services.dao(VersionDao, req).group(number)  # or 404
        today = self.services.clock().date()  # the figures and the range view link follow it
        send_digest_etag(req, resp, group, today)
        stats = self.services.dao(StatisticsDao, req)
        stats.know_members(number, group.members)
        resp.media = {
            "self": self.href("groups.statistics", group_id=number),
            "stats": stats.for_group(number, group.week_start),
            "links": self.links(
                req, "groups.leaderboard", "groups.leaderboard_interval", group_id=number
            )
            + activity_links(req, self.linker, "group", number, today),
        }

    def on_get_leaderboard(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        group_id: str,
        interval: str | None = None,
    ) -> None:
        """Rank a group's members by miles, all time or in this year, month or week."""
        if interval is not None and interval not in INTERVALS:
            raise InvalidInput(
                f"'interval' must be one of {', '.join(INTERVALS)}.",
                errors=[{"path": "interval", "message": "unknown interval"}],
            )
        number = path_id(group_id, "group_id")
        group = self.services.dao(VersionDao, req).group(number)  # or 404
        today = self.services.clock().date()
        # The board covers the logs since the interval's first day.
        send_digest_etag(
            req, resp, group, interval_start(interval or "all", today, group.week_start)
        )
        stats = self.services.dao(StatisticsDao, req)
        stats.know_members(number, group.members)
        rows = stats.leaderboard(number, interval or "all", group.week_start)
        path = (
            self.href("groups.leaderboard_interval", group_id=number, interval=interval)
            if interval
            else self.href("groups.leaderboard", group_id=number)
        )
        leaders: list[dict[str, Any]] = [
            {
                "self": self.href("users.item", username=row.username),
                "username": row.username,
                "first": row.first,
                "last": row.last,
                "miles": row.miles,
                "miles_run": row.miles_run,
                "miles_biked": row.miles_biked,
                "miles_swam": row.miles_swam,
                "miles_other": row.miles_other,
                "links": self.links(req, "users.item", username=row.username),
            }
            for row in rows
        ]
        resp.media = {
            "self": path,
            "leaderboard": leaders,
            "links": self.links(req, "groups.statistics", group_id=number)
            + [
                link
                for other in INTERVALS
                if other != interval
                for link in self.links(
                    req, "groups.leaderboard_interval", rel=other, group_id=number, interval=other
                )
            ],
        }


ENDPOINTS = (
    Endpoint(
        name="groups.statistics",
        method="GET",
        template="/v2/groups/statistics/{group_id}",
        resource=GroupStatistics,
        suffix="statistics",
        auth=Auth.USER,
        rel="statistics",
        title="Read a group's mileage and feel statistics",
        collection="groups",
    ),
    Endpoint(
        name="groups.leaderboard",
        method="GET",
        template="/v2/groups/leaderboard/{group_id}",
        resource=GroupStatistics,
        suffix="leaderboard",
        auth=Auth.USER,
        rel="leaderboard",
        title="Rank a group's members by miles, all time",
        collection="groups",
    ),
    Endpoint(
        name="groups.leaderboard_interval",
        method="GET",
        template="/v2/groups/leaderboard/{group_id}/{interval}",
        resource=GroupStatistics,
        suffix="leaderboard",
        auth=Auth.USER,
        rel="leaderboard",
        title="Rank a group's members by miles in a year, month, week or all time",
        collection="groups",
        params={"interval": {"enum": list(INTERVALS)}},
    ),
)
