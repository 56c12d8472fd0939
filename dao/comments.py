"""Comments on logs: pages, reads, writes by their author, hard and soft delete."""

from __future__ import annotations

from sqlalchemy import func, select

from dao.base import APP_NAME, Dao
from dao.errors import NotFound
from models import Comment, Log, User


class CommentDao(Dao):
    """Read and write comments; soft-deleted comments, and comments on deleted logs, are hidden."""

    def page(self, *, limit: int, offset: int) -> tuple[list[Comment], int]:
        """Return one page of live comments on live logs, oldest first, and the total count."""
        where = (
            Comment.deleted.is_(False),
            Comment.log_id.in_(select(Log.log_id).where(Log.deleted.is_(False))),
        )
        total = self.session.scalar(select(func.count(Comment.comment_id)).where(*where)) or 0
        comments = self.session.scalars(
            select(Comment)
            .where(*where)
            .order_by(Comment.time, Comment.comment_id)
            .limit(limit)
            .offset(offset)
        ).all()
        return list(comments), total

    def get(self, comment_id: int) -> Comment:
        """Return the live comment with this id, or raise NotFound."""
        comment = self.session.scalar(
            select(Comment).where(Comment.comment_id == comment_id, Comment.deleted.is_(False))
        )
        if comment is None:
            raise NotFound(f"There is no comment with id {comment_id}.")
        return comment

    def create(self, username: str, log_id: int, content: str | None) -> Comment:
        """Add a comment by user `username` to a live log and commit; an unknown log is NotFound."""
        author = self.session.get(User, username)
        if author is None:
            raise NotFound(f"There is no user '{username}'.")
        log_exists = self.session.scalar(
            select(Log.log_id).where(Log.log_id == log_id, Log.deleted.is_(False))
        )
        if log_exists is None:
            raise NotFound(
                f"There is no log with id {log_id} to comment on.",
                errors=[{"path": "/log_id", "message": "no such log"}],
            )
        now = self.clock()
        comment = Comment(
            username=author.username,
            first=author.first,
            last=author.last,
            log_id=log_id,
            time=now,
            content=content,
            deleted=False,
            created_date=now,
            created_user=author.username,
            created_app=APP_NAME,
        )
        self.session.add(comment)
        self.safe_commit("The comment refers to a log that no longer exists.")
        return comment

    def update(self, comment: Comment, content: str | None, *, by: str) -> bool:
        """Change the text of a comment (its time and author stay); return whether it changed."""
        if comment.content == content:
            return False
        comment.content = content
        comment.modified_date, comment.modified_user, comment.modified_app = (
            self.clock(),
            by,
            APP_NAME,
        )
        self.safe_commit()
        return True

    def hard_delete(self, comment: Comment) -> None:
        """Remove the comment for good."""
        self.session.delete(comment)
        self.safe_commit()

    def soft_delete(self, comment: Comment, *, by: str) -> None:
        """Flag the comment deleted."""
        now = self.clock()
        comment.deleted = True
        comment.deleted_date, comment.deleted_user, comment.deleted_app = now, by, APP_NAME
        comment.modified_date, comment.modified_user, comment.modified_app = now, by, APP_NAME
        self.safe_commit()
