"""Forgot password: request a reset code by e-mail, list and validate codes, reset the password.

A reset code travels only by e-mail: no response ever contains one. A request answers the same
202 whether or not the account exists, and requests and wrong codes are throttled (429).
"""

from __future__ import annotations

import datetime as dt
import logging

import falcon

from api.access import authorize
from api.conditional import check_if_match
from api.links import caller
from api.mail import MailError
from api.registry import Auth, Collection, Endpoint
from api.security import check_password_rules
from dao.errors import InvalidInput
from dao.passwords import CODE_LIFETIME, ForgotPasswordDao, mask
from dao.users import UserDao
from models import User
from resources.base import Resource

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
            "self": f"/v2/forgot_password/{username}",
            "requested": True,
            "message": REQUESTED,
            "links": self.links(req, "forgot_password.validate", "users.change_password")
            + self.links(req, "api.root"),
        }

    def on_get(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """List your reset codes, named by username or e-mail: expiry and a hint, never codes."""
        user = self.services.dao(UserDao, req).get(username, viewer=caller(req))
        authorize(req, owner=user.username)  # the name may be an e-mail: check whose it is
        codes = self.services.dao(ForgotPasswordDao, req).active_codes(user)
        resp.media = {
            "self": f"/v2/forgot_password/{user.username}",
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
            "self": f"/v2/forgot_password/validate/{code}",
            "is_valid": True,
            "username": row.username,
            "links": self.links(req, "users.change_password", username=row.username),
        }

    def on_put_change_password(
        self, req: falcon.Request, resp: falcon.Response, username: str
    ) -> None:
        """Set a new password with a reset code; every code and session of the user ends."""
        body = req.get_media()
        check_password_rules(body["new_password"], field="new_password")
        resets = self.services.dao(ForgotPasswordDao, req)
        row = resets.valid(body["forgot_password_code"], _address(req))
        if row is None or row.username != username:
            raise InvalidInput(
                INVALID_CODE,
                errors=[{"path": "/forgot_password_code", "message": "invalid or expired"}],
            )
        user = self.services.dao(UserDao, req).get_by_username(username)
        # Never required: someone who forgot their password cannot read the user's ETag.
        check_if_match(req, user.version, required=False)
        resets.reset_password(user, self.services.passwords.hash(body["new_password"]))
        resp.media = {
            "self": f"/v2/users/{username}/change_password",
            "password_updated": True,
            "forgot_password_code_deleted": True,
            "links": self.links(req, "auth.token", "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        "forgot_password.list",
        "GET",
        "/v2/forgot_password/{username}",
        ForgotPassword,
        None,
        Auth.OWNER,
        "codes",
        "List your unexpired reset codes (expiry and hint only)",
        owner_param="username",
    ),
    Endpoint(
        "forgot_password.request",
        "POST",
        "/v2/forgot_password/{username}",
        ForgotPassword,
        None,
        Auth.NONE,
        "reset",
        "E-mail a password reset code to a username or e-mail address",
        statuses=(202, 429),
    ),
    Endpoint(
        "forgot_password.validate",
        "GET",
        "/v2/forgot_password/validate/{code}",
        ForgotPassword,
        "validate",
        Auth.NONE,
        "validate",
        "Tell whether a reset code is valid",
        statuses=(429,),
    ),
    Endpoint(
        "users.change_password",
        "PUT",
        "/v2/users/{username}/change_password",
        ForgotPassword,
        "change_password",
        Auth.NONE,
        "change-password",
        "Set a new password with an e-mailed reset code",
        schema="change-password",
        collection="users",
        statuses=(429,),
    ),
)
