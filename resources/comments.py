"""Comments on logs: list, create, read, replace and patch the text, hard and soft delete."""

from __future__ import annotations

from typing import Any

import falcon

from api.access import Lookup, Scope, Target
from api.links import Linker
from api.paging import PAGING_QUERY, page_from, path_id
from api.registry import Auth, Collection, Endpoint
from dao.comments import CommentDao
from dao.errors import Forbidden
from models import Comment
from resources.base import Deletable, Editable
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


def load_comment(lookup: Lookup) -> Comment:
    """Load the comment a URL names (404 when there is none, or it is deleted)."""
    return lookup.dao(CommentDao).get(path_id(lookup.params["comment_id"], "comment_id"))


#: A comment is its author's.
COMMENT = Target(kind="comment", load=load_comment, scope=lambda row: Scope(owner=row.username))


def comment_view(req: falcon.Request, linker: Linker, comment: Comment) -> dict[str, Any]:
    """Represent a comment, with its legacy `comment` and `log` links."""
    path = linker.href("comments.item", comment_id=comment.comment_id)
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
        "log": linker.href("logs.item", log_id=comment.log_id),
        "links": linker.links(req, *COMMENT_LINKS, target=comment, comment_id=comment.comment_id)
        + linker.links(req, "logs.item", rel="up", log_id=comment.log_id),
    }


class Comments(Editable, Deletable):
    """The comments collection and its items."""

    update_schema = "comment-update"

    def represent(self, req: falcon.Request, target: Comment) -> dict[str, Any]:
        """Return the comment with links to the list and the root."""
        view = comment_view(req, self.linker, target)
        return {
            "self": view["self"],
            "comment": view,
            "log": view["log"],
            "links": self.links(req, "comments.list", "api.root"),
        }

    def variant(self, req: falcon.Request, target: Comment) -> str:
        """Tell the author's and admins' representation (with edit links) from others'."""
        return "o" if is_private_view(req, target.username) else ""

    def editable(self, target: Comment) -> dict[str, Any]:
        """Return the comment's text as the document a PATCH applies to."""
        return {"content": target.content}

    def replace(self, req: falcon.Request, target: Comment, document: dict[str, Any]) -> bool:
        """Change the text."""
        return self.services.dao(CommentDao, req).update(
            target, document["content"], by=req.context.user.username
        )

    def remove(self, req: falcon.Request, target: Comment) -> None:
        """Delete the comment for good."""
        self.services.dao(CommentDao, req).hard_delete(target)

    def retire(self, req: falcon.Request, target: Comment) -> None:
        """Flag the comment deleted."""
        self.services.dao(CommentDao, req).soft_delete(target, by=req.context.user.username)

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List live comments, oldest first, paged."""
        page = page_from(req)
        comments, total = self.services.dao(CommentDao, req).page(
            limit=page.limit, offset=page.offset
        )
        resp.media = page.envelope(
            resp,
            "comments",
            [comment_view(req, self.linker, comment) for comment in comments],
            total,
            path=self.href("comments.list"),
            links=self.links(req, "comments.create", "api.root"),
        )

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Comment on a log as yourself."""
        body = req.get_media()  # validated against comment-create.json by the middleware
        user = req.context.user
        if body.get("username", user.username) != user.username:
            raise Forbidden("You may only comment as yourself; leave out 'username' or use yours.")
        comment = self.services.dao(CommentDao, req).create(
            user.username, body["log_id"], body["content"]
        )
        body = {**self.represent(req, comment), "added": True}
        self.created(resp, body["self"], body)


ENDPOINTS = (
    Endpoint(
        name="comments.list",
        method="GET",
        template="/v2/comments",
        resource=Comments,
        suffix="collection",
        auth=Auth.USER,
        rel="comments",
        title="List comments (limit, offset)",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="comments.create",
        method="POST",
        template="/v2/comments",
        resource=Comments,
        suffix="collection",
        auth=Auth.USER,
        rel="create",
        title="Comment on a log",
        schema="comment-create",
        statuses=(403, 404),
    ),
    Endpoint(
        name="comments.item",
        method="GET",
        template="/v2/comments/{comment_id}",
        resource=Comments,
        suffix=None,
        auth=Auth.USER,
        rel="self",
        title="Read a comment",
        target=COMMENT,
    ),
    Endpoint(
        name="comments.replace",
        method="PUT",
        template="/v2/comments/{comment_id}",
        resource=Comments,
        suffix=None,
        auth=Auth.OWNER,
        rel="edit",
        title="Replace the text of your comment",
        schema="comment-update",
        target=COMMENT,
    ),
    Endpoint(
        name="comments.patch",
        method="PATCH",
        template="/v2/comments/{comment_id}",
        resource=Comments,
        suffix=None,
        auth=Auth.OWNER,
        rel="patch",
        title="Change the text of your comment (merge patch or JSON Patch)",
        target=COMMENT,
    ),
    Endpoint(
        name="comments.delete",
        method="DELETE",
        template="/v2/comments/{comment_id}",
        resource=Comments,
        suffix=None,
        auth=Auth.OWNER,
        rel="delete",
        title="Delete your comment for good",
        target=COMMENT,
    ),
    Endpoint(
        name="comments.soft_delete",
        method="DELETE",
        template="/v2/comments/soft/{comment_id}",
        resource=Comments,
        suffix="soft",
        auth=Auth.OWNER,
        rel="soft_delete",
        title="Delete your comment (soft delete)",
        target=COMMENT,
    ),
)
