"""Forgot password: request a reset code by e-mail, list and validate codes, reset the password.

A reset code travels only by e-mail: no response ever contains one. A request answers the same
202 whether or not the account exists, and requests and wrong codes are throttled (429).
"""

from __future__ import annotations

import datetime as dt
import logging

import falcon

from api.access import Lookup, Target
from api.mail import MailError
from api.registry import Auth, Collection, Endpoint
from api.security import check_password_rules
from dao.errors import InvalidInput
from dao.passwords import CODE_LIFETIME, ForgotPasswordDao, mask
from dao.users import UserDao
from models import User
from resources.base import Resource
from resources.users import VISIBLE_USER

log = logging.getLogger(__name__)

COLLECTION = Collection(
    "forgot_password",
    key="forgot_password",
    prefix="/v2/forgot_password",
    title="forgot-password codes",
)
RESET_SUBJECT = "Your Splits password reset code"
REQUESTED = (
    "If an account matches, a reset code has been e-mailed to its address. It expires in two hours."
)
INVALID_CODE = "The forgot password code is invalid or expired, or belongs to another user."


def reset_message(user: User, code: str, expires: dt.datetime) -> str:
    """Return the text of the e-mail that carries a reset code."""
    return (
        f"Hi {user.first},\n\n"
        f"Someone (hopefully you) asked to reset the Splits password of '{user.username}'.\n"
        f"Your reset code is: {code}\n"
        f"It expires at {expires:%Y-%m-%d %H:%M} UTC ({int(CODE_LIFETIME.total_seconds() // 3600)}"
        f" hours). If you did not ask for it, ignore this message.\n"
    )


def _address(req: falcon.Request) -> str:
    return req.remote_addr or "unknown"


def load_reset_user(lookup: Lookup) -> User:
    """Load the user whose valid reset code the body presents (a 400, never a 404, otherwise).

    The code is checked before the user is looked up, so the answer never tells whether an
    account of that name exists.
    """
    body = lookup.body()
    check_password_rules(body["new_password"], field="new_password")
    row = lookup.dao(ForgotPasswordDao).valid(body["forgot_password_code"], _address(lookup.req))
    if row is None or row.username != lookup.params["username"]:
        raise InvalidInput(
            INVALID_CODE,
            errors=[{"path": "/forgot_password_code", "message": "invalid or expired"}],
        )
    return lookup.dao(UserDao).get_by_username(row.username)


#: The account a reset code unlocks. If-Match is never required: someone who forgot their
#: password cannot read the user's ETag.
RESET_USER = Target(kind="user", load=load_reset_user, if_match_required=False)


class ForgotPassword(Resource):
    """Reset codes and the password change they allow."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Ask for a reset code for a username or e-mail (always the same 202 answer)."""
        issued = self.services.dao(ForgotPasswordDao, req).request(username, _address(req))
        if issued is not None:
            user, row = issued
            try:
                self.services.mailer.send(
                    user.email or "",
                    RESET_SUBJECT,
                    reset_message(user, row.forgot_code, row.expires),
                )
            except MailError as ex:
                # Answering differently would tell who has an account; the operator sees this.
                log.error("could not e-mail a reset code: %s", ex)
        resp.status = falcon.HTTP_202
        resp.media = {
            "self": self.href("forgot_password.request", username=username),
            "requested": True,
            "message": REQUESTED,
            "links": self.links(req, "forgot_password.validate", "users.change_password")
            + self.links(req, "api.root"),
        }

    def on_get(self, req: falcon.Request, resp: falcon.Response, target: User) -> None:
        """List your reset codes, named by username or e-mail: expiry and a hint, never codes."""
        user = target
        codes = self.services.dao(ForgotPasswordDao, req).active_codes(user)
        resp.media = {
            "self": self.href("forgot_password.list", username=user.username),
            "forgot_password_codes": [
                {
                    "username": row.username,
                    "hint": mask(row.forgot_code),
                    "expires": row.expires,
                    "deleted": bool(row.deleted),
                }
                for row in codes
            ],
            "links": self.links(req, "forgot_password.request", username=user.username)
            + self.links(req, "users.item", username=user.username),
        }

    def on_get_validate(self, req: falcon.Request, resp: falcon.Response, code: str) -> None:
        """Tell whether a reset code is valid and whose it is (404 when it is not)."""
        row = self.services.dao(ForgotPasswordDao, req).valid(code, _address(req))
        if row is None:
            raise falcon.HTTPNotFound(description=INVALID_CODE)
        resp.media = {
            "self": self.href("forgot_password.validate", code=code),
            "is_valid": True,
            "username": row.username,
            "links": self.links(req, "users.change_password", username=row.username),
        }

    def on_put_change_password(
        self, req: falcon.Request, resp: falcon.Response, target: User
    ) -> None:
        """Set a new password with a reset code; every code and session of the user ends."""
        body = req.get_media()
        self.services.dao(ForgotPasswordDao, req).reset_password(
            target, self.services.passwords.hash(body["new_password"])
        )
        username = target.username
        resp.media = {
            "self": self.href("users.change_password", username=username),
            "password_updated": True,
            "forgot_password_code_deleted": True,
            "links": self.links(req, "auth.token", "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        name="forgot_password.list",
        method="GET",
        template="/v2/forgot_password/{username}",
        resource=ForgotPassword,
        suffix=None,
        auth=Auth.OWNER,
        rel="codes",
        title="List your unexpired reset codes (expiry and hint only)",
        owner_param="username",
        target=VISIBLE_USER,
    ),
    Endpoint(
        name="forgot_password.request",
        method="POST",
        template="/v2/forgot_password/{username}",
        resource=ForgotPassword,
        suffix=None,
        auth=Auth.NONE,
        rel="reset",
        title="E-mail a password reset code to a username or e-mail address",
        statuses=(202, 429),
    ),
    Endpoint(
        name="forgot_password.validate",
        method="GET",
        template="/v2/forgot_password/validate/{code}",
        resource=ForgotPassword,
        suffix="validate",
        auth=Auth.NONE,
        rel="validate",
        title="Tell whether a reset code is valid",
        statuses=(429,),
    ),
    Endpoint(
        name="users.change_password",
        method="PUT",
        template="/v2/users/{username}/change_password",
        resource=ForgotPassword,
        suffix="change_password",
        auth=Auth.NONE,
        rel="change-password",
        title="Set a new password with an e-mailed reset code",
        schema="change-password",
        collection="users",
        statuses=(429,),
        target=RESET_USER,
    ),
)
