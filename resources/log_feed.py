"""The log feed: pages of logs, newest first with comments, for a user, a group or your teams."""

from __future__ import annotations

import datetime as dt

import falcon

from api.conditional import send_digest_etag
from api.links import Link, Linker
from api.paging import LIMIT, OFFSET, Page, path_id
from api.registry import Auth, Collection, Endpoint
from dao.errors import InvalidInput
from dao.logs import LogDao
from dao.versions import VersionDao
from resources.base import Resource
from resources.logs import FEED_PAGE, log_view

COLLECTION = Collection("log_feed", key="log_feed", prefix="/v2/log_feed", title="the log feed")
GROUP_FILTERS = ("group", "groups")
USER_FILTERS = ("user", "users", "username")
FILTERS = ("all", *GROUP_FILTERS, *USER_FILTERS)


def activity_links(
    req: falcon.Request, linker: Linker, filter_by: str, bucket: str | int, today: dt.date
) -> list[Link]:
    """Link the first feed page and this year's range view of a user, a group or everyone."""
    links = linker.links(
        req,
        "log_feed.page",
        rel="feed",
        filter_by=filter_by,
        bucket=bucket,
        limit=FEED_PAGE,
        offset=0,
    )
    return links + linker.links(
        req,
        "range_view.read",
        rel="range_view",
        filter_by=filter_by,
        bucket=bucket,
        exercise_types="rbso",
        start=today.replace(month=1, day=1).isoformat(),
        end=today.isoformat(),
    )


def page_count(total: int, limit: int) -> int:
    """Return how many pages of `limit` logs hold `total` logs (an empty feed has none)."""
    return -(-total // limit)


class LogFeed(Resource):
    """One page of a filtered feed of logs."""

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        filter_by: str,
        bucket: str,
        limit: str,
        offset: str,
    ) -> None:
        """Read a page of logs, newest first, each with its comments."""
        if filter_by not in FILTERS:
            raise InvalidInput(
                f"'filter_by' must be one of {', '.join(FILTERS)}.",
                errors=[{"path": "filter_by", "message": "unknown filter"}],
            )
        size = LIMIT.parse(limit, "limit")
        start = OFFSET.parse(offset, "offset")
        logs = self.services.dao(LogDao, req)
        versions = self.services.dao(VersionDao, req)
        if filter_by in GROUP_FILTERS:
            group_id = path_id(bucket, "bucket")
            send_digest_etag(req, resp, versions.group(group_id))  # or 404
            rows, total = logs.feed_for_group(group_id, limit=size, offset=start)
        elif filter_by in USER_FILTERS:
            user = versions.user(bucket)  # or 404
            send_digest_etag(req, resp, user)
            rows, total = logs.feed_for_user(user.name or bucket, limit=size, offset=start)
        else:
            # "all": the caller's teams; the bucket is not used (clients send "all").
            me = req.context.user.username
            send_digest_etag(req, resp, versions.teammates(me))
            rows, total = logs.feed_for_teammates(me, limit=size, offset=start)

        def page(at: int) -> str:  # the feed's pages are addressed by path, not query
            fields = {"filter_by": filter_by, "bucket": bucket, "limit": size, "offset": at}
            return self.href("log_feed.page", **fields)

        resp.media = Page(size, start).envelope(
            resp,
            "logs",
            [log_view(req, self.linker, log) for log in rows],
            total,
            href=page,
            pages=page_count(total, size),
            links=self.links(req, "logs.create", "api.root"),
        )


ENDPOINTS = (
    Endpoint(
        name="log_feed.page",
        method="GET",
        template="/v2/log_feed/{filter_by}/{bucket}/{limit}/{offset}",
        resource=LogFeed,
        suffix=None,
        auth=Auth.USER,
        rel="log_feed",
        title="Read a page of logs by all (your teams), group (id), user or username",
        params={
            "filter_by": {"enum": list(FILTERS)},
            "bucket": {"type": "string", "minLength": 1},
            "limit": LIMIT.schema(with_default=False),
            "offset": OFFSET.schema(with_default=False),
        },
    ),
)
