"""Activation codes: group admins invite someone by e-mail; the code lets them register.

A code is visible only to its creator, the accepted admins of its group and site admins, never
to an account because of its e-mail (`dao.codes.may_see`); everyone else gets 404, the same
answer as for a code that does not exist, so codes cannot be probed.
"""

from __future__ import annotations

import logging
from typing import Any

import falcon

from api.access import Access, Lookup, Scope, Target
from api.conditional import send_etag
from api.links import Linker
from api.mail import MailError
from api.paging import PAGING_QUERY, page_from
from api.registry import Auth, Collection, Endpoint
from dao.codes import ActivationCodeDao
from dao.groups import GroupDao
from models import Code, Group
from resources.base import Resource

log = logging.getLogger(__name__)

COLLECTION = Collection(
    "activation_code", key="activation_code", prefix="/v2/activation_code", title="activation codes"
)
CODE_LINKS = (
    "activation_code.item",
    "activation_code.exists",
    "activation_code.delete",
    "activation_code.soft_delete",
)
INVITATION_SUBJECT = "Your invitation to Splits"


def code_view(req: falcon.Request, linker: Linker, code: Code) -> dict[str, Any]:
    """Represent a code (legacy Code fields) for someone who may see it."""
    return {
        "self": linker.href("activation_code.item", code=code.activation_code),
        "activation_code": code.activation_code,
        "email": code.email,
        "group_id": code.group_id,
        "expiration_date": code.expiration_date,
        "deleted": bool(code.deleted),
        "links": linker.links(req, *CODE_LINKS, target=code, code=code.activation_code)
        + linker.links(req, "groups.item", key=code.group_id),
    }


def invitation(group: Group, code: Code, inviter: str) -> str:
    """Return the text of the e-mail that carries an activation code."""
    title = group.group_title or group.group_name
    return (
        f"{inviter} invited you to join {title} on Splits.\n\n"
        f"Register with this activation code: {code.activation_code}\n"
        "(POST /v2/users with a username, your name, this e-mail address, a password\n"
        "and the code).\n"
        f"The code expires on {code.expiration_date:%Y-%m-%d %H:%M} UTC.\n"
    )


def load_code(lookup: Lookup) -> Code:
    """Load the code a URL names if the caller may see it; else 404, whether or not it exists."""
    return lookup.dao(ActivationCodeDao).get_visible(lookup.params["code"], lookup.caller)


def load_group(lookup: Lookup) -> Group:
    """Load the group a new code is for, named by the body's `group_id`."""
    return lookup.dao(GroupDao).get_for_body(lookup.body()["group_id"])


#: A code is its creator's, and its group's admins manage it too.
CODE = Target(
    kind="activation_code",
    load=load_code,
    scope=lambda row: Scope(owner=row.created_user, group_id=row.group_id),
)
#: A code is created by an admin of the group it invites into.
INVITING_GROUP = Target(
    kind="group", load=load_group, scope=lambda row: Scope(group_id=row.id), version=None
)


class ActivationCodes(Resource):
    """Create, read and delete activation codes."""

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List the codes you created or whose group you administer, paged (site admins: all)."""
        page = page_from(req)
        codes, total = self.services.dao(ActivationCodeDao, req).page_visible(
            req.context.user, limit=page.limit, offset=page.offset
        )
        Access.of(req).know_groups(code.group_id for code in codes if code.group_id)
        resp.media = page.envelope(
            resp,
            "activation_codes",
            [code_view(req, self.linker, code) for code in codes],
            total,
            path=self.href("activation_code.list"),
            links=self.links(req, "api.root"),
        )

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response, target: Group) -> None:
        """Invite an e-mail address into a group (its accepted admins and site admins)."""
        body = req.get_media()
        user = req.context.user
        code = self.services.dao(ActivationCodeDao, req).create(
            body["email"], target, by=user.username
        )
        try:
            self.services.mailer.send(
                code.email or "", INVITATION_SUBJECT, invitation(target, code, user.username)
            )
        except MailError as ex:  # the creator has the code in the answer and can pass it on
            log.error("could not e-mail activation code to the invitee: %s", ex)
        self.created(
            resp,
            self.href("activation_code.item", code=code.activation_code),
            {
                "self": self.href("activation_code.list"),
                "added": True,
                "activation_code": code_view(req, self.linker, code),
                "links": self.links(req, "activation_code.list")
                + self.links(req, "groups.item", key=target.id),
            },
        )

    def on_get(self, req: falcon.Request, resp: falcon.Response, target: Code) -> None:
        """Read a code you created or whose group you administer."""
        send_etag(req, resp, target.version, req.context.user.username)
        resp.media = {
            "self": self.href("activation_code.item", code=target.activation_code),
            "activation_code": code_view(req, self.linker, target),
            "links": self.links(req, "activation_code.list", "api.root"),
        }

    def on_get_exists(self, req: falcon.Request, resp: falcon.Response, target: Code) -> None:
        """Tell whether a code you may see exists (404 when not)."""
        resp.media = {
            "self": self.href("activation_code.exists", code=target.activation_code),
            "matching_code_exists": True,
            "links": self.links(req, "activation_code.item", code=target.activation_code),
        }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, target: Code) -> None:
        """Delete a code you created or manage, for good."""
        self.services.dao(ActivationCodeDao, req).delete(target)
        self.no_content(resp)

    def on_delete_soft(self, req: falcon.Request, resp: falcon.Response, target: Code) -> None:
        """Withdraw a code you created or manage (it can no longer be used)."""
        self.services.dao(ActivationCodeDao, req).soft_delete(target, by=req.context.user.username)
        self.no_content(resp)


ENDPOINTS = (
    Endpoint(
        name="activation_code.list",
        method="GET",
        template="/v2/activation_code",
        resource=ActivationCodes,
        suffix="collection",
        auth=Auth.USER,
        rel="activation_codes",
        title="List the activation codes you created or administer",
        query=PAGING_QUERY,
    ),
    Endpoint(
        name="activation_code.create",
        method="POST",
        template="/v2/activation_code",
        resource=ActivationCodes,
        suffix="collection",
        auth=Auth.GROUP_ADMIN,
        rel="create",
        title="Invite an e-mail address into a group (group admins)",
        schema="activation-code-create",
        target=INVITING_GROUP,
    ),
    Endpoint(
        name="activation_code.item",
        method="GET",
        template="/v2/activation_code/{code}",
        resource=ActivationCodes,
        suffix=None,
        auth=Auth.USER,
        rel="self",
        title="Read an activation code you created or administer",
        target=CODE,
    ),
    Endpoint(
        name="activation_code.delete",
        method="DELETE",
        template="/v2/activation_code/{code}",
        resource=ActivationCodes,
        suffix=None,
        auth=Auth.OWNER,
        rel="delete",
        title="Delete an activation code you created or administer",
        target=CODE,
    ),
    Endpoint(
        name="activation_code.exists",
        method="GET",
        template="/v2/activation_code/exists/{code}",
        resource=ActivationCodes,
        suffix="exists",
        auth=Auth.USER,
        rel="exists",
        title="Tell whether an activation code you may see exists",
        target=CODE,
    ),
    Endpoint(
        name="activation_code.soft_delete",
        method="DELETE",
        template="/v2/activation_code/soft/{code}",
        resource=ActivationCodes,
        suffix="soft",
        auth=Auth.OWNER,
        rel="withdraw",
        title="Withdraw an activation code you created or administer",
        target=CODE,
    ),
)
