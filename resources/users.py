"""Users: list and search, read, replace and patch your profile, soft delete, last login, lookup."""

from __future__ import annotations

from typing import Any

import falcon

from api.access import Lookup, Scope, Target
from api.links import Linker, caller
from api.paging import PAGING_QUERY, TEXT_FILTER_QUERY, page_from, text_filter_from
from api.registry import Auth, Collection, Endpoint
from api.security import check_password_rules
from dao.errors import NotFound
from dao.registration import RegistrationDao
from dao.throttles import ThrottleDao
from dao.users import EDITABLE_FIELDS, EmailChangeRequired, UserDao
from models import User
from resources.base import Deletable, Editable

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
    path = linker.href("users.item", username=user.username)
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


def load_user(lookup: Lookup) -> User:
    """Load the active user a URL names by username."""
    return lookup.dao(UserDao).get_by_username(lookup.params["username"])


def load_visible_user(lookup: Lookup) -> User:
    """Load the user a URL names by username, or by an e-mail address the caller may match."""
    return lookup.dao(UserDao).get(lookup.params["username"], viewer=lookup.caller)


def _own(row: User) -> Scope:
    return Scope(owner=row.username)


#: A user's account is theirs.
USER = Target(kind="user", load=load_user, scope=_own)
#: The same, named by username or e-mail, for reads.
VISIBLE_USER = Target(kind="user", load=load_visible_user, scope=_own)
#: A user's sessions or memberships: no representation of their own, so no ETag.
USER_WITHOUT_ETAG = Target(kind="user", load=load_user, scope=_own, version=None)


class Users(Editable, Deletable):
    """The users collection and its items."""

    update_schema = "user-update"

    def represent(self, req: falcon.Request, target: User) -> dict[str, Any]:
        """Return the user with links to the list and the root."""
        return {
            "self": self.href("users.item", username=target.username),
            "user": user_view(req, self.linker, target),
            "links": self.links(req, "users.list", "api.root"),
        }

    def variant(self, req: falcon.Request, target: User) -> str:
        """Tell the private view (e-mail, role, private links) from the public one."""
        return "p" if is_private_view(req, target.username) else ""

    def editable(self, target: User) -> dict[str, Any]:
        """Return the editable profile (`editable_document`)."""
        return editable_document(target)

    def replace(self, req: falcon.Request, target: User, document: dict[str, Any]) -> bool:
        """Write the profile; a different e-mail is refused with a link to the e-mail change."""
        try:
            return self.services.dao(UserDao, req).update_profile(
                target, document, by=req.context.user.username
            )
        except EmailChangeRequired as ex:  # point the client at the endpoint that can do it
            ex.links = self.links(req, "users.email_change", username=target.username)
            raise

    def remove(self, req: falcon.Request, target: User) -> None:
        """Delete the user and everything they wrote, for good (disabled by default)."""
        self.services.dao(UserDao, req).hard_delete(target)

    def retire(self, req: falcon.Request, target: User) -> None:
        """Deactivate the account (it can no longer log in) and end all its sessions."""
        self.services.dao(UserDao, req).soft_delete(target, by=req.context.user.username)

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List active users, paged, optionally filtered by text on username or name."""
        page = page_from(req)
        text = text_filter_from(req)
        users, total = self.services.dao(UserDao, req).page(
            text, limit=page.limit, offset=page.offset
        )
        resp.media = page.envelope(
            resp,
            "users",
            [user_view(req, self.linker, user) for user in users],
            total,
            path=self.href("users.list"),
            query=text.as_query(),
            links=self.links(req, "users.lookup", "api.root"),
        )

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Register with an activation code that was sent to your e-mail address."""
        body = req.get_media()
        check_password_rules(body["password"])
        user = self.services.dao(RegistrationDao, req).register(
            body,
            password_hash=self.services.passwords.hash(body["password"]),
            address=req.remote_addr or "unknown",
        )
        path = self.href("users.item", username=user.username)
        self.created(
            resp,
            path,
            {
                "self": self.href("users.list"),
                "added": True,
                "user": user_view(req, self.linker, user),
                "new_user": path,
                "links": self.links(req, "auth.token", "api.root"),
            },
        )

    def on_put_last_login(self, req: falcon.Request, resp: falcon.Response, target: User) -> None:
        """Stamp your last sign-in with the current time."""
        last_signin = self.services.dao(UserDao, req).touch_last_login(target)
        resp.media = {
            "self": self.href("users.update_last_login", username=target.username),
            "last_login_updated": True,
            "last_signin": last_signin,
            "links": self.links(req, "users.item", username=target.username),
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
            "self": self.href("users.lookup", username=username),
            "exists": True,
            "links": self.links(req, "api.root"),
        }


ENDPOINTS = (
    Endpoint(
        name="users.list",
        method="GET",
        template="/v2/users",
        resource=Users,
        suffix="collection",
        auth=Auth.USER,
        rel="users",
        title="List users (limit, offset, contains, starts_with, ends_with)",
        query={
            **PAGING_QUERY,
            **TEXT_FILTER_QUERY,
        },
        returns="user-list",
    ),
    Endpoint(
        name="users.create",
        method="POST",
        template="/v2/users",
        resource=Users,
        suffix="collection",
        auth=Auth.NONE,
        rel="create",
        title="Register with an activation code",
        schema="user-create",
        statuses=(429,),
    ),
    Endpoint(
        name="users.item",
        method="GET",
        template="/v2/users/{username}",
        resource=Users,
        suffix=None,
        auth=Auth.USER,
        rel="self",
        title="Read a user by username or e-mail",
        returns="user-item",
        target=VISIBLE_USER,
    ),
    Endpoint(
        name="users.replace",
        method="PUT",
        template="/v2/users/{username}",
        resource=Users,
        suffix=None,
        auth=Auth.OWNER,
        rel="edit",
        title="Replace your profile",
        schema="user-update",
        owner_param="username",
        returns="user-item",
        target=USER,
    ),
    Endpoint(
        name="users.patch",
        method="PATCH",
        template="/v2/users/{username}",
        resource=Users,
        suffix=None,
        auth=Auth.OWNER,
        rel="patch",
        title="Change part of your profile (merge patch or JSON Patch)",
        owner_param="username",
        returns="user-item",
        target=USER,
    ),
    Endpoint(
        name="users.delete",
        method="DELETE",
        template="/v2/users/{username}",
        resource=Users,
        suffix=None,
        auth=Auth.OWNER,
        rel="delete",
        title="Delete a user for good",
        owner_param="username",
        target=USER,
    ),
    Endpoint(
        name="users.soft_delete",
        method="DELETE",
        template="/v2/users/soft/{username}",
        resource=Users,
        suffix="soft",
        auth=Auth.OWNER,
        rel="delete",
        title="Delete your account",
        owner_param="username",
        target=USER,
    ),
    Endpoint(
        name="users.update_last_login",
        method="PUT",
        template="/v2/users/{username}/update_last_login",
        resource=Users,
        suffix="last_login",
        auth=Auth.OWNER,
        rel="update_last_login",
        title="Stamp your last sign-in",
        owner_param="username",
        returns="last-login",
        target=USER,
    ),
    Endpoint(
        name="users.lookup",
        method="GET",
        template="/v2/users/lookup/{username}",
        resource=Users,
        suffix="lookup",
        auth=Auth.NONE,
        rel="lookup",
        title="Tell whether a username or e-mail is registered",
        statuses=(429,),
        returns="lookup",
    ),
)
