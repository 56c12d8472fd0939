"""Users: list and search, read, replace and patch your profile, soft delete, last login, lookup."""

from __future__ import annotations

from typing import Any

import falcon

from api.conditional import check_if_match, etag_for, send_etag
from api.links import Linker, caller, with_query
from api.paging import PAGING_QUERY, TEXT_FILTER_QUERY, page_from, set_link_header, text_filter_from
from api.patching import ACCEPT_PATCH, apply_patch
from api.registry import Auth, Collection, Endpoint
from api.security import check_password_rules
from dao.errors import NotFound
from dao.registration import RegistrationDao
from dao.throttles import ThrottleDao
from dao.users import EDITABLE_FIELDS, EmailChangeRequired, UserDao
from models import User
from resources.base import Resource

COLLECTION = Collection("users", key="user", prefix="/v2/users", title="users")
TOO_MANY_LOOKUPS = "Too many user lookups from this address; wait before asking again."

#: Links on a user, in the order shown; each appears only when the caller may use it.
USER_LINKS = (
    "users.item",
    "users.replace",
    "users.patch",
    "users.email",
    "users.email_change",
    "users.delete",
    "users.soft_delete",
    "auth.revoke_user",
    "users.update_last_login",
    "users.statistics",
    "users.flair",
    "users.notifications",
    "users.snapshot",
    "users.memberships",
    "users.update_memberships",
    "forgot_password.list",
)
#: Links on a user shown only to the user and to site admins: anyone may call them (a reset
#: code authorizes a password change), but only the user gets the code, by e-mail.
PRIVATE_USER_LINKS = ("users.change_password",)


def is_private_view(req: falcon.Request, username: str) -> bool:
    """Tell whether the caller sees this user's private fields (themselves or a site admin)."""
    user = caller(req)
    return user is not None and (user.username == username or user.is_admin)


def user_view(req: falcon.Request, linker: Linker, user: User) -> dict[str, Any]:
    """Represent a user; e-mail and role only for the user and site admins, never credentials."""
    path = f"/v2/users/{user.username}"
    view: dict[str, Any] = {
        "self": path,
        "username": user.username,
        "first": user.first,
        "last": user.last,
        "profilepic_name": user.profilepic_name,
        "description": user.description,
        "member_since": user.member_since,
        "class_year": user.class_year,
        "location": user.location,
        "favorite_event": user.favorite_event,
        "week_start": user.week_start,
        "subscribed": user.subscribed,
        "last_signin": user.last_signin,
        "deleted": bool(user.deleted),
        "this_user": path,
    }
    private = is_private_view(req, user.username)
    if private:
        view["email"] = user.email
        view["role"] = user.role
    view["links"] = linker.links(req, *USER_LINKS, username=user.username)
    if private:
        view["links"] += linker.links(req, *PRIVATE_USER_LINKS, username=user.username)
    return view


def editable_document(user: User) -> dict[str, Any]:
    """Return the editable profile as a document that PATCH applies to."""
    return {name: getattr(user, name) for name in EDITABLE_FIELDS}


class Users(Resource):
    """The users collection and its items."""

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List active users, paged, optionally filtered by text on username or name."""
        page = page_from(req)
        text = text_filter_from(req)
        filters = text.as_query()
        users, total = self.services.dao(UserDao, req).page(
            text, limit=page.limit, offset=page.offset
        )
        paging = page.links("/v2/users", total, **filters)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/users", **filters, limit=page.limit, offset=page.offset),
            "users": [user_view(req, self.linker, user) for user in users],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "users.lookup", "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Register with an activation code that was sent to your e-mail address."""
        body = req.get_media()
        check_password_rules(body["password"])
        user = self.services.dao(RegistrationDao, req).register(
            body,
            password_hash=self.services.passwords.hash(body["password"]),
            address=req.remote_addr or "unknown",
        )
        path = f"/v2/users/{user.username}"
        self.created(
            resp,
            path,
            {
                "self": "/v2/users",
                "added": True,
                "user": user_view(req, self.linker, user),
                "new_user": path,
                "links": self.links(req, "auth.token", "api.root"),
            },
        )

    def _item(self, req: falcon.Request, user: User) -> dict[str, Any]:
        return {
            "self": f"/v2/users/{user.username}",
            "user": user_view(req, self.linker, user),
            "links": self.links(req, "users.list", "api.root"),
        }

    def on_get(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Read one user by username, or by e-mail address."""
        user = self.services.dao(UserDao, req).get(username, viewer=caller(req))
        send_etag(req, resp, user.version, "p" if is_private_view(req, user.username) else "")
        resp.append_header("Accept-Patch", ACCEPT_PATCH)
        resp.media = self._item(req, user)

    def _update(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        username: str,
        document: dict[str, Any] | None,
    ) -> None:
        users = self.services.dao(UserDao, req)
        user = users.get_by_username(username)
        check_if_match(req, user.version, required=self.config.require_if_match)
        if document is None:  # PATCH: apply to the current profile, then check as PUT does
            document = apply_patch(req, editable_document(user))
            self.services.schemas.validate("user-update", document)
        try:
            updated = users.update_profile(user, document, by=req.context.user.username)
        except EmailChangeRequired as ex:  # point the client at the endpoint that can do it
            ex.links = self.links(req, "users.email_change", username=username)
            raise
        resp.etag = etag_for(user.version, "p")
        resp.media = {**self._item(req, user), "updated": updated}

    def on_put(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Replace your profile (fields left out become null)."""
        self._update(req, resp, username, req.get_media())

    def on_patch(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Change part of your profile with a merge patch or a JSON Patch."""
        self._update(req, resp, username, None)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Delete a user and everything they wrote, for good (disabled by default)."""
        users = self.services.dao(UserDao, req)
        user = users.get_by_username(username)
        check_if_match(req, user.version, required=self.config.require_if_match)
        users.hard_delete(user)
        self.no_content(resp)

    def on_delete_soft(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Delete your account (it can no longer log in) and end all your sessions."""
        users = self.services.dao(UserDao, req)
        user = users.get_by_username(username)
        check_if_match(req, user.version, required=self.config.require_if_match)
        users.soft_delete(user, by=req.context.user.username)
        self.no_content(resp)

    def on_put_last_login(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Stamp your last sign-in with the current time."""
        users = self.services.dao(UserDao, req)
        user = users.get_by_username(username)
        check_if_match(req, user.version, required=self.config.require_if_match)
        last_signin = users.touch_last_login(user)
        resp.media = {
            "self": f"/v2/users/{username}/update_last_login",
            "last_login_updated": True,
            "last_signin": last_signin,
            "links": self.links(req, "users.item", username=username),
        }

    def on_get_lookup(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        """Tell whether a username or e-mail address is registered (404 when it is not).

        It is public (a registration form asks it), so it is an enumeration oracle: every call
        counts against a budget per client address, known and unknown names alike, and the
        answer says only `exists`, nothing of the account.
        """
        config = self.config
        throttles = self.services.dao(ThrottleDao, req)
        key = f"lookup:address:{req.remote_addr or 'unknown'}"
        throttles.check(key, TOO_MANY_LOOKUPS)
        throttles.record(
            key,
            limit=config.lookup_limit,
            window=config.lookup_window,
            lockout=config.lookup_lockout,
        )
        if not self.services.dao(UserDao, req).exists(username):
            raise NotFound(f"There is no user '{username}'.")
        resp.media = {
            "self": f"/v2/users/lookup/{username}",
            "exists": True,
            "links": self.links(req, "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        "users.list",
        "GET",
        "/v2/users",
        Users,
        "collection",
        Auth.USER,
        "users",
        "List users (limit, offset, contains, starts_with, ends_with)",
        query={
            **PAGING_QUERY,
            **TEXT_FILTER_QUERY,
        },
        returns="user-list",
    ),
    Endpoint(
        "users.create",
        "POST",
        "/v2/users",
        Users,
        "collection",
        Auth.NONE,
        "create",
        "Register with an activation code",
        schema="user-create",
        statuses=(429,),
    ),
    Endpoint(
        "users.item",
        "GET",
        "/v2/users/{username}",
        Users,
        None,
        Auth.USER,
        "self",
        "Read a user by username or e-mail",
        returns="user-item",
    ),
    Endpoint(
        "users.replace",
        "PUT",
        "/v2/users/{username}",
        Users,
        None,
        Auth.OWNER,
        "edit",
        "Replace your profile",
        schema="user-update",
        owner_param="username",
        returns="user-item",
    ),
    Endpoint(
        "users.patch",
        "PATCH",
        "/v2/users/{username}",
        Users,
        None,
        Auth.OWNER,
        "patch",
        "Change part of your profile (merge patch or JSON Patch)",
        owner_param="username",
        returns="user-item",
    ),
    Endpoint(
        "users.delete",
        "DELETE",
        "/v2/users/{username}",
        Users,
        None,
        Auth.OWNER,
        "delete",
        "Delete a user for good",
        owner_param="username",
    ),
    Endpoint(
        "users.soft_delete",
        "DELETE",
        "/v2/users/soft/{username}",
        Users,
        "soft",
        Auth.OWNER,
        "delete",
        "Delete your account",
        owner_param="username",
    ),
    Endpoint(
        "users.update_last_login",
        "PUT",
        "/v2/users/{username}/update_last_login",
        Users,
        "last_login",
        Auth.OWNER,
        "update_last_login",
        "Stamp your last sign-in",
        owner_param="username",
        returns="last-login",
    ),
    Endpoint(
        "users.lookup",
        "GET",
        "/v2/users/lookup/{username}",
        Users,
        "lookup",
        Auth.NONE,
        "lookup",
        "Tell whether a username or e-mail is registered",
        statuses=(429,),
        returns="lookup",
    ),
)
