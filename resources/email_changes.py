"""Your e-mail address: change it with your password, confirm with the code mailed to it.

A profile PUT or PATCH cannot change the e-mail (it answers 400 with a link here): the e-mail is
where password resets go and what logins accept, so a new address needs the current password
and proof that its owner reads it. Until the code comes back, the old, verified address stays in
use; once it does, the old address is told of the change.
"""

from __future__ import annotations

import logging
from typing import Any

import falcon

from api.access import Lookup, Scope, Target
from api.conditional import etag_for
from api.errors import HTTPProblem
from api.mail import MailError
from api.registry import Auth, Endpoint
from api.security import PASSWORD_MAX_BYTES
from dao.email_changes import CODE_LIFETIME, MAX_ATTEMPTS, EmailChangeDao
from dao.errors import Forbidden, InvalidInput
from dao.throttles import ThrottleDao, identifier_key
from dao.users import UserDao
from models import EmailChange, User
from resources.base import Resource
from resources.users import user_view

log = logging.getLogger(__name__)

CONFIRM_SUBJECT = "Confirm your new Splits e-mail address"
CHANGED_SUBJECT = "Your Splits e-mail address was changed"
WRONG_PASSWORD = "The password is incorrect."  # noqa: S105 (a message, not a secret)
MAIL_RETRY_AFTER = "60"


def confirmation_message(user: User, change: EmailChange, code: str) -> str:
    """Return the text of the e-mail that carries a confirmation code to the new address."""
    return (
        f"Hi {user.first},\n\n"
        f"Someone (hopefully you) asked to make this address the e-mail of the Splits account "
        f"'{user.username}'.\n"
        f"Your confirmation code is: {code}\n"
        f"It expires at {change.expires_at:%Y-%m-%d %H:%M} UTC "
        f"({int(CODE_LIFETIME.total_seconds() // 3600)} hours). If you did not ask for it, "
        "ignore this message: nothing changes without the code.\n"
    )


def changed_message(user: User, new_email: str) -> str:
    """Return the notice sent to the old address once the change is confirmed."""
    return (
        f"Hi {user.first},\n\n"
        f"The e-mail address of the Splits account '{user.username}' was changed to "
        f"{new_email}. Logins and password resets now use that address.\n"
        "If you did not make this change, contact your site administrator at once.\n"
    )


def load_pending_change(lookup: Lookup) -> EmailChange:
    """Load a user's pending e-mail change: 404 without one, 410 when it has expired."""
    user = lookup.dao(UserDao).get_by_username(lookup.params["username"])
    return lookup.dao(EmailChangeDao).get(user.username)


#: A pending change is its user's; it has no ETag of its own.
PENDING_CHANGE = Target(
    kind="email_change",
    load=load_pending_change,
    scope=lambda row: Scope(owner=row.username),
    version=None,
)


class EmailChanges(Resource):
    """A user's pending e-mail change: request, read, confirm, cancel."""

    def _view(self, req: falcon.Request, user: User, change: EmailChange | None) -> dict[str, Any]:
        """Represent the user's e-mail: the confirmed address and the pending change, if any."""
        username = user.username
        names: tuple[str, ...] = ("users.email_change",)
        if change is not None:
            names = ("users.email_confirm", "users.email_cancel", *names)
        return {
            "self": self.href("users.email", username=username),
            "username": username,
            "email": user.email,
            "pending": change is not None,
            "new_email": change.new_email if change else None,
            "expires": change.expires_at if change else None,
            "attempts_left": max(0, MAX_ATTEMPTS - change.attempts) if change else None,
            "links": self.links(req, *names, "users.item", username=username),
        }

    def _check_password(self, req: falcon.Request, password: str) -> None:
        """Re-authenticate the caller; a wrong password counts as a failed login (throttled)."""
        if len(password.encode()) > PASSWORD_MAX_BYTES:
            raise InvalidInput(
                f"Passwords are at most {PASSWORD_MAX_BYTES} bytes long.",
                errors=[{"path": "/password", "message": "longer than 72 bytes"}],
            )
        caller = req.context.user
        me = self.services.dao(UserDao, req).get_by_username(caller.username)
        throttles = self.services.dao(ThrottleDao, req)
        # The caller is known: counting on the login key of their username is no oracle.
        key = identifier_key("login", caller.username)
        throttles.check(key, "Too many wrong passwords for this account; wait before trying again.")
        if not self.services.passwords.verify(password, me.password):
            config = self.config
            throttles.record(
                key,
                limit=config.login_max_failures,
                window=config.login_window,
                lockout=config.login_lockout,
            )
            raise Forbidden(WRONG_PASSWORD)

    def on_get(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Read your e-mail address and its pending change, if any (links to confirm it)."""
        user = self.services.dao(UserDao, req).get_by_username(username)
        change = self.services.dao(EmailChangeDao, req).current(username)
        resp.media = self._view(req, user, change)

    def on_post(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Ask to change your e-mail: the new address gets a confirmation code (202)."""
        body = req.get_media()
        user = self.services.dao(UserDao, req).get_by_username(username)
        self._check_password(req, body["password"])
        changes = self.services.dao(EmailChangeDao, req)
        requested = changes.request(user, body["email"], secret=self.config.secret_key)
        try:
            self.services.mailer.send(
                requested.change.new_email,
                CONFIRM_SUBJECT,
                confirmation_message(user, requested.change, requested.code),
            )
        except MailError as ex:
            log.error("could not e-mail an e-mail change code: %s", ex)
            changes.cancel(username)
            raise HTTPProblem(
                503,
                title="Service Unavailable",
                detail="The confirmation e-mail could not be sent; nothing changed. Try again.",
                headers={"Retry-After": MAIL_RETRY_AFTER},
            ) from ex
        resp.status = falcon.HTTP_202
        resp.content_location = self.href("users.email", username=username)
        resp.media = self._view(req, user, requested.change)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, target: EmailChange) -> None:
        """Cancel your pending e-mail change."""
        self.services.dao(EmailChangeDao, req).cancel(target.username)
        self.no_content(resp)

    def on_post_confirmation(
        self, req: falcon.Request, resp: falcon.Response, username: str
    ) -> None:
        """Confirm your new e-mail with the code mailed to it; the old address is told."""
        user = self.services.dao(UserDao, req).get_by_username(username)
        code = req.get_media()["code"]
        old = self.services.dao(EmailChangeDao, req).confirm(
            user, code, secret=self.config.secret_key
        )
        if old:
            try:
                self.services.mailer.send(
                    old, CHANGED_SUBJECT, changed_message(user, user.email or "")
                )
            except MailError as ex:  # the change is made; the operator sees this
                log.error("could not tell the old address of an e-mail change: %s", ex)
        resp.etag = etag_for(user.version, "p")
        resp.media = {
            "self": self.href("users.item", username=username),
            "user": user_view(req, self.linker, user),
            "updated": True,
            "links": self.links(req, "users.list", "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        name="users.email",
        method="GET",
        template="/v2/users/{username}/email",
        resource=EmailChanges,
        suffix=None,
        auth=Auth.OWNER,
        rel="email",
        title="Read your e-mail address and its pending change",
        collection="users",
        owner_param="username",
        returns="user-email",
    ),
    Endpoint(
        name="users.email_change",
        method="POST",
        template="/v2/users/{username}/email",
        resource=EmailChanges,
        suffix=None,
        auth=Auth.OWNER,
        rel="change_email",
        title="Change your e-mail: needs your password; the new address gets a code to confirm",
        collection="users",
        schema="email-change",
        owner_param="username",
        statuses=(202, 429),
        returns="user-email",
    ),
    Endpoint(
        name="users.email_cancel",
        method="DELETE",
        template="/v2/users/{username}/email",
        resource=EmailChanges,
        suffix=None,
        auth=Auth.OWNER,
        rel="cancel_email_change",
        title="Cancel your pending e-mail change",
        collection="users",
        owner_param="username",
        target=PENDING_CHANGE,
    ),
    Endpoint(
        name="users.email_confirm",
        method="POST",
        template="/v2/users/{username}/email/confirmation",
        resource=EmailChanges,
        suffix="confirmation",
        auth=Auth.OWNER,
        rel="confirm_email",
        title="Confirm your new e-mail address with the code mailed to it",
        collection="users",
        schema="email-change-confirmation",
        owner_param="username",
        statuses=(200, 410),
        returns="user-item",
    ),
)
