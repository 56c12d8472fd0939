"""Comments on logs: list, create, read, replace and patch the text, hard and soft delete."""

from __future__ import annotations

from typing import Any

import falcon

from api.access import authorize
from api.conditional import check_if_match, etag_for, send_etag
from api.links import Linker, with_query
from api.paging import PAGING_QUERY, page_from, path_id, set_link_header
from api.patching import ACCEPT_PATCH, apply_patch
from api.registry import Auth, Collection, Endpoint
from dao.comments import CommentDao
from dao.errors import Forbidden
from models import Comment
from resources.base import Resource
from resources.users import is_private_view

COLLECTION = Collection("comments", key="comment", prefix="/v2/comments", title="comments")

#: Links on a comment, in the order shown; edits and deletes only for its author and admins.
COMMENT_LINKS = (
    "comments.item",
    "comments.replace",
    "comments.patch",
    "comments.delete",
    "comments.soft_delete",
)


def comment_view(req: falcon.Request, linker: Linker, comment: Comment) -> dict[str, Any]:
    """Represent a comment, with its legacy `comment` and `log` links."""
    path = f"/v2/comments/{comment.comment_id}"
    return {
        "self": path,
        "comment_id": comment.comment_id,
        "username": comment.username,
        "first": comment.first,
        "last": comment.last,
        "log_id": comment.log_id,
        "time": comment.time,
        "content": comment.content,
        "deleted": bool(comment.deleted),
        "comment": path,
        "log": f"/v2/logs/{comment.log_id}",
        "links": linker.links(
            req, *COMMENT_LINKS, owner=comment.username, comment_id=comment.comment_id
        )
        + linker.links(req, "logs.item", rel="up", log_id=comment.log_id),
    }


class Comments(Resource):
    """The comments collection and its items."""

    def _item(self, req: falcon.Request, comment: Comment) -> dict[str, Any]:
        view = comment_view(req, self.linker, comment)
        return {
            "self": view["self"],
            "comment": view,
            "log": view["log"],
            "links": self.links(req, "comments.list", "api.root"),
        }

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List live comments, oldest first, paged."""
        page = page_from(req)
        comments, total = self.services.dao(CommentDao, req).page(
            limit=page.limit, offset=page.offset
        )
        paging = page.links("/v2/comments", total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/comments", limit=page.limit, offset=page.offset),
            "comments": [comment_view(req, self.linker, comment) for comment in comments],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "comments.create", "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Comment on a log as yourself."""
        body = req.get_media()  # validated against comment-create.json by the middleware
        user = req.context.user
        if body.get("username", user.username) != user.username:
            raise Forbidden("You may only comment as yourself; leave out 'username' or use yours.")
        comment = self.services.dao(CommentDao, req).create(
            user.username, body["log_id"], body["content"]
        )
        body = {**self._item(req, comment), "added": True}
        self.created(resp, body["self"], body)

    def on_get(self, req: falcon.Request, resp: falcon.Response, comment_id: str) -> None:
        """Read one comment."""
        comment = self.services.dao(CommentDao, req).get(path_id(comment_id, "comment_id"))
        send_etag(req, resp, comment.version, _variant(req, comment))
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self._item(req, comment)

    def _update(
        self, req: falcon.Request, resp: falcon.Response, comment_id: str, document: Any
    ) -> None:
        comments = self.services.dao(CommentDao, req)
        comment = comments.get(path_id(comment_id, "comment_id"))
        authorize(req, owner=comment.username)
        check_if_match(req, comment.version, required=self.config.require_if_match)
        if document is None:  # PATCH: apply to the current text, then check as PUT does
            document = apply_patch(req, {"content": comment.content})
            self.services.schemas.validate("comment-update", document)
        updated = comments.update(comment, document["content"], by=req.context.user.username)
        resp.etag = etag_for(comment.version, _variant(req, comment))
        resp.media = {**self._item(req, comment), "updated": updated}

    def on_put(self, req: falcon.Request, resp: falcon.Response, comment_id: str) -> None:
        """Replace the text of your comment."""
        self._update(req, resp, comment_id, req.get_media())

    def on_patch(self, req: falcon.Request, resp: falcon.Response, comment_id: str) -> None:
        """Change the text of your comment with a merge patch or a JSON Patch."""
        self._update(req, resp, comment_id, None)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, comment_id: str) -> None:
        """Delete your comment for good."""
        comments = self.services.dao(CommentDao, req)
        comment = comments.get(path_id(comment_id, "comment_id"))
        authorize(req, owner=comment.username)
        check_if_match(req, comment.version, required=self.config.require_if_match)
        comments.hard_delete(comment)
        self.no_content(resp)

    def on_delete_soft(self, req: falcon.Request, resp: falcon.Response, comment_id: str) -> None:
        """Delete your comment (it is kept, flagged deleted)."""
        comments = self.services.dao(CommentDao, req)
        comment = comments.get(path_id(comment_id, "comment_id"))
        authorize(req, owner=comment.username)
        check_if_match(req, comment.version, required=self.config.require_if_match)
        comments.soft_delete(comment, by=req.context.user.username)
        self.no_content(resp)


def _variant(req: falcon.Request, comment: Comment) -> str:
    # The author and admins see edit links that others do not: two representations.
    return "o" if is_private_view(req, comment.username) else ""


ENDPOINTS = (
    Endpoint(
        "comments.list",
        "GET",
        "/v2/comments",
        Comments,
        "collection",
        Auth.USER,
        "comments",
        "List comments (limit, offset)",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "comments.create",
        "POST",
        "/v2/comments",
        Comments,
        "collection",
        Auth.USER,
        "create",
        "Comment on a log",
        schema="comment-create",
        statuses=(403, 404),
    ),
    Endpoint(
        "comments.item",
        "GET",
        "/v2/comments/{comment_id}",
        Comments,
        None,
        Auth.USER,
        "self",
        "Read a comment",
    ),
    Endpoint(
        "comments.replace",
        "PUT",
        "/v2/comments/{comment_id}",
        Comments,
        None,
        Auth.OWNER,
        "edit",
        "Replace the text of your comment",
        schema="comment-update",
    ),
    Endpoint(
        "comments.patch",
        "PATCH",
        "/v2/comments/{comment_id}",
        Comments,
        None,
        Auth.OWNER,
        "patch",
        "Change the text of your comment (merge patch or JSON Patch)",
    ),
    Endpoint(
        "comments.delete",
        "DELETE",
        "/v2/comments/{comment_id}",
        Comments,
        None,
        Auth.OWNER,
        "delete",
        "Delete your comment for good",
    ),
    Endpoint(
        "comments.soft_delete",
        "DELETE",
        "/v2/comments/soft/{comment_id}",
        Comments,
        "soft",
        Auth.OWNER,
        "soft_delete",
        "Delete your comment (soft delete)",
    ),
)
