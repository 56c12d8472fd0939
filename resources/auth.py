"""Authentication: log in for tokens, refresh them with rotation, log out, revoke everything."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import falcon

from api.access import Lookup, Target
from api.errors import unauthorized
from api.metrics import LOGINS
from api.registry import Auth, Collection, Endpoint
from api.security import PASSWORD_MAX_BYTES, TokenService
from dao.auth import AuthDao, RefreshRefused
from dao.errors import InvalidInput, TooManyAttempts
from dao.throttles import ThrottleDao, account_key, identifier_key
from dao.users import UserDao
from domain.identity import Principal
from models import User
from resources.base import Resource
from resources.users import USER_WITHOUT_ETAG, user_view

COLLECTION = Collection("auth", key="auth", prefix="/v2/auth", title="authentication")
WRONG_CREDENTIALS = "The username or password is incorrect."
TOO_MANY_LOGINS = "Too many failed logins with this username or e-mail; wait before trying again."


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header.split(" ", 1)[1].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, IndexError) as ex:
        raise InvalidInput("The Basic credentials are not valid base64 of 'user:password'.") from ex
    identifier, separator, password = decoded.partition(":")
    if not separator or not identifier:
        raise InvalidInput("The Basic credentials must have the form 'user:password'.")
    return identifier, password


def load_session(lookup: Lookup) -> str | None:
    """Return the id of the caller's session (None for a token issued before sessions)."""
    return lookup.caller.session_id if lookup.caller else None


#: The caller's own session: it has no representation, so no ETag.
SESSION = Target(kind="session", load=load_session, version=None)


class Tokens(Resource):
    """Issue, refresh and revoke tokens."""

    def _credentials(self, req: falcon.Request) -> tuple[str, str]:
        header = req.get_header("Authorization") or ""
        if header.lower().startswith("basic "):
            return _basic_credentials(header)
        body = req.get_media()  # validated against auth-token.json by the middleware
        return body["username"], body["password"]

    def _grant(
        self, req: falcon.Request, user: User, session_id: str, refresh: str
    ) -> dict[str, Any]:
        config = self.config
        access = self.services.tokens.issue(
            username=user.username,
            email=user.email,
            name=f"{user.first} {user.last}",
            generation=user.token_generation or 0,
            session_id=session_id,
        )
        # The caller is this user from now on: links are filtered for them, not for anonymous.
        req.context.user = Principal(
            user.username, user.email, user.role, session_id, first=user.first, last=user.last
        )
        return {
            "self": self.href("auth.token"),
            "access_token": access.token,
            "token_type": "Bearer",
            "expires_in": access.expires_in,
            "refresh_token": refresh,
            "refresh_expires_in": config.refresh_token_ttl,
            "user": user_view(req, self.linker, user),
            "links": self.links(
                req, "users.item", "auth.refresh", "auth.logout", "api.root", username=user.username
            ),
        }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Exchange a username (or e-mail) and password for an access and a refresh token."""
        identifier, password = self._credentials(req)
        if len(password.encode()) > PASSWORD_MAX_BYTES:
            raise InvalidInput(
                f"Passwords are at most {PASSWORD_MAX_BYTES} bytes long.",
                errors=[{"path": "/password", "message": "longer than 72 bytes"}],
            )
        config = self.config
        auth = self.services.dao(AuthDao, req)
        throttles = self.services.dao(ThrottleDao, req)
        # The visible lock is keyed by the identifier as submitted, before it is resolved: its
        # 429 says nothing about which account (if any) the identifier names. See
        # docs/compatibility.md ("Authentication") for why the account stays protected.
        spelling = identifier_key("login", identifier)
        try:
            throttles.check(spelling, TOO_MANY_LOGINS)
        except TooManyAttempts:
            LOGINS.labels("throttled").inc()
            raise
        user = auth.find_login_user(identifier)
        # The account's silent budget, across all its spellings; an unknown identifier spends a
        # budget of its own, so both cases do the same work.
        account = (
            account_key("login", user.username)
            if user
            else identifier_key("login:unknown", identifier)
        )
        # Unknown users are checked against a dummy hash: both failures cost one bcrypt check.
        verified = self.services.passwords.verify(password, user.password if user else None)
        # Metrics are the operators' only: they may tell a silent lock from a wrong password.
        silently_locked = verified and throttles.blocked(account)
        if silently_locked:
            verified = False  # refused exactly like a wrong password: nothing to learn from it
        if not verified:
            window, lockout = config.login_window, config.login_lockout
            throttles.record(
                spelling, limit=config.login_max_failures, window=window, lockout=lockout
            )
            throttles.exhausted(
                account, limit=config.login_account_max_failures, window=window, lockout=lockout
            )
            LOGINS.labels("throttled" if silently_locked else "failure").inc()
            raise unauthorized(WRONG_CREDENTIALS, "invalid_grant")
        assert user is not None
        throttles.clear(spelling, account)
        refresh = TokenService.new_refresh_token()
        session_id = auth.start_session(
            user, ttl=config.refresh_token_ttl, token_digest=TokenService.digest(refresh)
        )
        auth.safe_commit()
        LOGINS.labels("success").inc()
        resp.set_header("Cache-Control", "no-store")
        resp.media = self._grant(req, user, session_id, refresh)

    def on_post_refresh(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Spend a refresh token for a new pair; a reused one revokes its whole session."""
        presented = req.get_media()["refresh_token"]
        new_refresh = TokenService.new_refresh_token()
        try:
            rotation = self.services.dao(AuthDao, req).rotate(
                TokenService.digest(presented),
                new_digest=TokenService.digest(new_refresh),
                new_token=new_refresh,
            )
        except RefreshRefused as ex:
            raise unauthorized(f"The refresh token is not valid: {ex}.", "invalid_grant") from ex
        resp.set_header("Cache-Control", "no-store")
        body = self._grant(req, rotation.user, rotation.session_id, rotation.refresh_token)
        body["self"] = self.href("auth.refresh")
        resp.media = body

    def on_delete(self, req: falcon.Request, resp: falcon.Response, target: str | None) -> None:
        """Log out: end the caller's session, so its refresh and access tokens stop working."""
        self.services.dao(AuthDao, req).revoke_session(target)
        self.no_content(resp)

    def on_delete_user(self, req: falcon.Request, resp: falcon.Response, target: User) -> None:
        """End every session of a user and invalidate all their access tokens (site admin)."""
        self.services.dao(UserDao, req).revoke_tokens(target)
        self.no_content(resp)


ENDPOINTS = (
    Endpoint(
        name="auth.token",
        method="POST",
        template="/v2/auth/token",
        resource=Tokens,
        suffix=None,
        auth=Auth.NONE,
        rel="login",
        title="Log in with a username or e-mail and a password (JSON body or HTTP Basic)",
        schema="auth-token",
        statuses=(200, 429),
        returns="token",
    ),
    Endpoint(
        name="auth.refresh",
        method="POST",
        template="/v2/auth/refresh",
        resource=Tokens,
        suffix="refresh",
        auth=Auth.NONE,
        rel="refresh",
        title="Exchange a refresh token for new tokens (the old one stops working)",
        schema="auth-refresh",
        statuses=(200,),
        returns="token",
    ),
    Endpoint(
        name="auth.logout",
        method="DELETE",
        template="/v2/auth/token",
        resource=Tokens,
        suffix=None,
        auth=Auth.USER,
        rel="logout",
        title="Log out: revoke this session's tokens",
        target=SESSION,
    ),
    Endpoint(
        name="auth.revoke_user",
        method="DELETE",
        template="/v2/auth/tokens/{username}",
        resource=Tokens,
        suffix="user",
        auth=Auth.ADMIN,
        rel="revoke",
        title="Revoke every session of a user",
        target=USER_WITHOUT_ETAG,
    ),
)
