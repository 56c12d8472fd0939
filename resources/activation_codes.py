"""Activation codes: group admins invite someone by e-mail; the code lets them register.

A code is visible only to its creator, the accepted admins of its group and site admins, never
to an account because of its e-mail (`dao.codes.may_see`); everyone else gets 404, the same
answer as for a code that does not exist, so codes cannot be probed.
"""

from __future__ import annotations

import logging
from typing import Any

import falcon

from api.access import authorize
from api.conditional import check_if_match, send_etag
from api.links import Linker, caller, with_query
from api.mail import MailError
from api.paging import PAGING_QUERY, page_from, set_link_header
from api.registry import Auth, Collection, Endpoint
from dao.codes import ActivationCodeDao
from dao.groups import GroupDao
from dao.memberships import MembershipDao
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
    owner = req.context.user.username  # only shown to callers who may see and delete it
    return {
        "self": f"/v2/activation_code/{code.activation_code}",
        "activation_code": code.activation_code,
        "email": code.email,
        "group_id": code.group_id,
        "expiration_date": code.expiration_date,
        "deleted": bool(code.deleted),
        "links": linker.links(req, *CODE_LINKS, owner=owner, code=code.activation_code)
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


class ActivationCodes(Resource):
    """Create, read and delete activation codes."""

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """List the codes you created or whose group you administer, paged (site admins: all)."""
        page = page_from(req)
        codes, total = self.services.dao(ActivationCodeDao, req).page_visible(
            req.context.user, limit=page.limit, offset=page.offset
        )
        paging = page.links("/v2/activation_code", total)
        set_link_header(resp, paging)
        resp.media = {
            "self": with_query("/v2/activation_code", limit=page.limit, offset=page.offset),
            "activation_codes": [code_view(req, self.linker, code) for code in codes],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "links": paging + self.links(req, "api.root"),
        }

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Invite an e-mail address into a group (its accepted admins and site admins)."""
        body = req.get_media()
        group = self.services.dao(GroupDao, req).get_for_body(body["group_id"])
        user = req.context.user
        authorize(
            req,
            group_admin=self.services.dao(MembershipDao, req).is_group_admin(
                group.id, user.username
            ),
        )
        code = self.services.dao(ActivationCodeDao, req).create(
            body["email"], group, by=user.username
        )
        try:
            self.services.mailer.send(
                code.email or "", INVITATION_SUBJECT, invitation(group, code, user.username)
            )
        except MailError as ex:  # the creator has the code in the answer and can pass it on
            log.error("could not e-mail activation code to the invitee: %s", ex)
        path = f"/v2/activation_code/{code.activation_code}"
        self.created(
            resp,
            path,
            {
                "self": "/v2/activation_code",
                "added": True,
                "activation_code": code_view(req, self.linker, code),
                "links": self.links(req, "activation_code.list")
                + self.links(req, "groups.item", key=group.id),
            },
        )

    def _code(self, req: falcon.Request, code: str) -> Code:
        return self.services.dao(ActivationCodeDao, req).get_visible(code, caller(req))

    def on_get(self, req: falcon.Request, resp: falcon.Response, code: str) -> None:
        """Read a code you created or whose group you administer."""
        row = self._code(req, code)
        send_etag(req, resp, row.version, req.context.user.username)
        resp.media = {
            "self": f"/v2/activation_code/{code}",
            "activation_code": code_view(req, self.linker, row),
            "links": self.links(req, "activation_code.list", "api.root"),
        }

    def on_get_exists(self, req: falcon.Request, resp: falcon.Response, code: str) -> None:
        """Tell whether a code you may see exists (404 when not)."""
        row = self._code(req, code)
        resp.media = {
            "self": f"/v2/activation_code/exists/{code}",
            "matching_code_exists": True,
            "links": self.links(req, "activation_code.item", code=row.activation_code),
        }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, code: str) -> None:
        """Delete a code you created or received, for good."""
        row = self._code(req, code)
        authorize(req, owner=req.context.user.username)
        check_if_match(req, row.version, required=self.config.require_if_match)
        self.services.dao(ActivationCodeDao, req).delete(row)
        self.no_content(resp)

    def on_delete_soft(self, req: falcon.Request, resp: falcon.Response, code: str) -> None:
        """Withdraw a code you created or received (it can no longer be used)."""
        row = self._code(req, code)
        authorize(req, owner=req.context.user.username)
        check_if_match(req, row.version, required=self.config.require_if_match)
        self.services.dao(ActivationCodeDao, req).soft_delete(row, by=req.context.user.username)
        self.no_content(resp)


ENDPOINTS = (
    Endpoint(
        "activation_code.list",
        "GET",
        "/v2/activation_code",
        ActivationCodes,
        "collection",
        Auth.USER,
        "activation_codes",
        "List the activation codes you created or administer",
        query=PAGING_QUERY,
    ),
    Endpoint(
        "activation_code.create",
        "POST",
        "/v2/activation_code",
        ActivationCodes,
        "collection",
        Auth.GROUP_ADMIN,
        "create",
        "Invite an e-mail address into a group (group admins)",
        schema="activation-code-create",
    ),
    Endpoint(
        "activation_code.item",
        "GET",
        "/v2/activation_code/{code}",
        ActivationCodes,
        None,
        Auth.USER,
        "self",
        "Read an activation code you created or administer",
    ),
    Endpoint(
        "activation_code.delete",
        "DELETE",
        "/v2/activation_code/{code}",
        ActivationCodes,
        None,
        Auth.OWNER,
        "delete",
        "Delete an activation code you created or administer",
    ),
    Endpoint(
        "activation_code.exists",
        "GET",
        "/v2/activation_code/exists/{code}",
        ActivationCodes,
        "exists",
        Auth.USER,
        "exists",
        "Tell whether an activation code you may see exists",
    ),
    Endpoint(
        "activation_code.soft_delete",
        "DELETE",
        "/v2/activation_code/soft/{code}",
        ActivationCodes,
        "soft",
        Auth.OWNER,
        "withdraw",
        "Withdraw an activation code you created or administer",
    ),
)
