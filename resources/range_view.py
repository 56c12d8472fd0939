"""Range views: daily miles and feel between two dates, for a user, a group or everyone."""

from __future__ import annotations

import datetime as dt
import re

import falcon

from api.conditional import send_digest_etag
from api.paging import path_id
from api.registry import Auth, Collection, Endpoint
from dao.errors import InvalidInput
from dao.statistics import OTHER_LETTER, TYPE_LETTERS, StatisticsDao
from dao.versions import VersionDao
from resources.base import Resource

COLLECTION = Collection(
    "range_view", key="range_view", prefix="/v2/range_view", title="range views"
)
GROUP_FILTERS = ("group", "groups")
USER_FILTERS = ("user", "users")
FILTERS = ("all", *GROUP_FILTERS, *USER_FILTERS)
LETTERS = "".join(TYPE_LETTERS) + OTHER_LETTER
_LETTERS = re.compile(f"^[{LETTERS}]{{1,8}}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The longest range served in one request (about ten years of days).
MAX_DAYS = 3700


def _bad(name: str, detail: str, message: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"path": name, "message": message}])


def parse_date(value: str, name: str) -> dt.date:
    """Parse a YYYY-MM-DD path segment, or raise a 400 naming it."""
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError as ex:
        raise _bad(name, f"'{name}' must be a date YYYY-MM-DD.", "not a date") from ex


class RangeView(Resource):
    """Daily totals of the selected exercise types."""

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        filter_by: str,
        bucket: str,
        exercise_types: str,
        start: str,
        end: str,
    ) -> None:
        """Read one item per day with matching logs: total miles and mean feel, by date."""
        if filter_by not in FILTERS:
            raise _bad(
                "filter_by", f"'filter_by' must be one of {', '.join(FILTERS)}.", "unknown filter"
            )
        if not _LETTERS.match(exercise_types):
            raise _bad(
                "exercise_types",
                "'exercise_types' must be letters among r (run), b (bike), s (swim) and o (other).",
                "unknown exercise type letters",
            )
        first, last = parse_date(start, "start"), parse_date(end, "end")
        if first > last:
            raise _bad("end", "'end' must not be before 'start'.", "before start")
        if (last - first).days >= MAX_DAYS:
            raise _bad("end", f"A range view spans at most {MAX_DAYS} days.", "range too long")
        stats = self.services.dao(StatisticsDao, req)
        versions = self.services.dao(VersionDao, req)
        username = group_id = None
        if filter_by in GROUP_FILTERS:
            group_id = path_id(bucket, "bucket")
            version = versions.group(group_id)  # or 404
            send_digest_etag(req, resp, version)
            stats.know_members(group_id, version.members)
        elif filter_by in USER_FILTERS:
            user = versions.user(bucket)  # or 404
            send_digest_etag(req, resp, user)
            username = user.name
        else:
            send_digest_etag(req, resp, versions.everyone())
        days = stats.range_view(exercise_types, first, last, username=username, group_id=group_id)
        path = self.href(
            "range_view.read",
            filter_by=filter_by,
            bucket=bucket,
            exercise_types=exercise_types,
            start=start,
            end=end,
        )
        body = {
            "self": path,
            "range_view": [
                {"date": day.date, "miles": day.miles, "feel": day.feel} for day in days
            ],
            "links": self.links(req, "api.root"),
        }
        if not days:
            body["message"] = "no logs found in this date range with the selected filters"
        resp.media = body


ENDPOINTS = (
    Endpoint(
        name="range_view.read",
        method="GET",
        template="/v2/range_view/{filter_by}/{bucket}/{exercise_types}/{start}/{end}",
        resource=RangeView,
        suffix=None,
        auth=Auth.USER,
        rel="range_view",
        title="Read daily miles and feel by all, group (id) or user, for types r, b, s, o",
        params={
            "filter_by": {"enum": list(FILTERS)},
            "bucket": {"type": "string", "minLength": 1},
            "exercise_types": {"type": "string", "pattern": _LETTERS.pattern},
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"},
        },
    ),
)
