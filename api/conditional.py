"""Conditional requests (RFC 9110 §13): strong ETags from row versions, If-None-Match, If-Match."""

from __future__ import annotations

import hashlib
import importlib.metadata

import falcon

from dao.errors import PreconditionFailed, PreconditionRequired
from dao.versions import Version


def etag_for(version: int | str, variant: str = "") -> str:
    """Return the strong ETag of a row version; `variant` tells apart per-caller representations."""
    return f"{version}-{variant}" if variant else str(version)


def _opaque(tag: str) -> str:
    # nginx's gzip weakens ETags (W/"..."); If-None-Match compares weakly (RFC 9110 §13.1.2).
    return tag.strip().removeprefix("W/").strip('"')


def _version_of(tag: str) -> str:
    return _opaque(tag).split("-", 1)[0]


def send_etag(
    req: falcon.Request, resp: falcon.Response, version: int | str, variant: str = ""
) -> None:
    """Set the ETag; answer 304 Not Modified when the client already has this representation."""
    tag = etag_for(version, variant)
    resp.etag = tag
    if_none_match = req.get_header("If-None-Match")
    if if_none_match and (
        if_none_match.strip() == "*"
        or any(_opaque(candidate) == tag for candidate in if_none_match.split(","))
    ):
        # HTTPStatus ends the request without a body and bypasses the error serializer.
        raise falcon.HTTPStatus(falcon.HTTP_304, headers={"ETag": resp.etag or f'"{tag}"'})


def _release() -> str:
    try:
        return importlib.metadata.version("splits")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


#: Part of every digest, so that a release that changes a representation changes its tags.
RELEASE = _release()


def send_digest_etag(
    req: falcon.Request, resp: falcon.Response, version: Version | None, *context: object
) -> None:
    """Send an ETag digested from a scope's stamps; answer 304 when the client has it.

    For representations built from many rows (feeds, range views, leaderboards, statistics,
    member lists): `version` is the scope's (`dao.versions`; None when the scope does not
    exist: then nothing is sent and the responder answers its 404); `context` is whatever else
    the body depends on, such as the resolved date range. The caller (whose links differ) and
    the path and query (limit, offset, filters, interval) always take part. Call it before any
    other query, so a 304 costs the caller lookup and the version statement only.
    """
    if version is None:
        return
    user = getattr(req.context, "user", None)
    parts = (
        RELEASE,
        version.stamps,
        user.username if user else "",
        user.role if user else "",
        req.path,
        req.query_string,
        *(str(part) for part in context),
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    send_etag(req, resp, f"d{digest}")


def check_if_match(req: falcon.Request, version: int | None, *, required: bool) -> None:
    """Refuse a write whose If-Match names another version (412), or lacks one when required (428).

    Only the version part of a tag is compared, so any caller's representation of the current
    row version may be used for If-Match. Every PUT, PATCH and DELETE calls this once it has found
    its target (CONTRACT §9); a target that exists but has no representation of its own (a
    session to end, a list of memberships) passes `version=None`: it has no ETag, so only
    `If-Match: *` can match it (RFC 9110 §13.1.1), and a missing If-Match is never required,
    since the client has no tag to send.
    """
    header = req.get_header("If-Match")
    if header is None:
        if required and version is not None:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the version you are changing."
            )
        return
    if header.strip() == "*":
        return
    if version is None:
        raise PreconditionFailed(
            "This resource has no ETag, so only `If-Match: *` can match it (If-Match failed)."
        )
    if str(version) not in {_version_of(tag) for tag in header.split(",")}:
        raise PreconditionFailed("The resource has changed since you read it (If-Match failed).")
