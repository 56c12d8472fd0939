"""Activation codes: invitations to register into one group, made by that group's admins.

A code is seen (and withdrawn) by its creator, the group's accepted admins and site admins, and
used by whoever has the e-mail it was sent to: registration needs the code, for that address.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string

from sqlalchemy import delete, func, or_, select

from dao.base import APP_NAME, Dao
from dao.errors import Conflict, NotFound
from dao.memberships import MembershipDao
from domain.identity import Principal
from domain.roles import MemberRole, MembershipStatus
from models import Code, Group, GroupMember

CODE_ALPHABET = string.ascii_uppercase + string.digits
CODE_LENGTH = 8  # the column holds 8; legacy made 6, Splits uses all 8 (36^8 ≈ 2.8e12 codes)
CODE_LIFETIME = dt.timedelta(days=14)
MAX_CODE_LENGTH = 8
_CREATE_ATTEMPTS = 5


def new_code(length: int = CODE_LENGTH) -> str:
    """Return a fresh code of upper-case letters and digits from a cryptographic RNG."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def may_see(code: Code, caller: Principal | None, *, group_admin: bool = False) -> bool:
    """Tell whether `caller` may read or delete `code`.

    Its creator, the accepted admins of its group (`group_admin`) and site admins may; nobody
    by e-mail: an account's e-mail says nothing about who reads the invited address's mail, and
    the invitee has no account yet (they register with the code from the e-mail).
    """
    if caller is None:
        return False
    if caller.is_admin or group_admin:
        return True
    return code.created_user is not None and code.created_user == caller.username


class ActivationCodeDao(Dao):
    """Create, read, and delete activation codes; find the code a registration presents."""

    def find(self, code: str) -> Code | None:
        """Return the active (not soft-deleted) code, matched without regard to case, or None."""
        if not code or len(code) > MAX_CODE_LENGTH:
            return None
        # Legacy MySQL matched codes case-insensitively, and legacy codes may be lower-case.
        return self.session.scalar(
            select(Code)
            .where(func.lower(Code.activation_code) == code.lower(), Code.deleted.is_(False))
            .limit(1)
        )

    def get_visible(self, code: str, caller: Principal | None) -> Code:
        """Return the code if the caller may see it, else NotFound (whether or not it exists)."""
        row = self.find(code)
        if row is not None and caller is not None and not caller.is_admin:
            group_admin = row.group_id is not None and MembershipDao(
                self.session, self.clock
            ).is_group_admin(row.group_id, caller.username)
        else:
            group_admin = False
        if row is None or not may_see(row, caller, group_admin=group_admin):
            raise NotFound(f"There is no activation code '{code}' that you may see.")
        return row

    def page_visible(self, caller: Principal, *, limit: int, offset: int) -> tuple[list[Code], int]:
        """Return a page of the active codes the caller made or may manage as a group admin.

        Site admins see all of them; nobody sees a code because of their e-mail (`may_see`).
        """
        query = select(Code).where(Code.deleted.is_(False))
        if not caller.is_admin:
            administered = select(GroupMember.group_id).where(
                GroupMember.username == caller.username,
                GroupMember.user == MemberRole.ADMIN,
                GroupMember.status == MembershipStatus.ACCEPTED,
            )
            query = query.where(
                or_(Code.created_user == caller.username, Code.group_id.in_(administered))
            )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(Code.expiration_date.desc(), Code.activation_code)
            .limit(limit)
            .offset(offset)
        ).all()
        return list(rows), total

    def create(self, email: str, group: Group, *, by: str) -> Code:
        """Insert a new code for `email` into `group`, valid for 14 days, and commit."""
        now = self.clock()
        for _ in range(_CREATE_ATTEMPTS):
            value = new_code()
            if self.session.get(Code, value) is not None:
                continue  # astronomically rare; pick another
            row = Code(
                activation_code=value,
                email=email,
                group_id=group.id,
                expiration_date=now + CODE_LIFETIME,
                deleted=False,
                created_date=now,
                created_user=by,
                created_app=APP_NAME,
            )
            self.session.add(row)
            self.safe_commit("The activation code collided with another; try again.")
            return row
        raise Conflict("Could not pick an unused activation code; try again.")

    def usable(self, code: str, email: str) -> Code | None:
        """Return the code if it is active, unexpired and addressed to `email`, else None."""
        row = self.find(code)
        if row is None or row.expiration_date is None or row.expiration_date <= self.clock():
            return None
        if not row.email or row.email.lower() != email.lower():
            return None
        return row

    def delete(self, row: Code) -> None:
        """Remove the code for good and commit."""
        self.session.execute(delete(Code).where(Code.activation_code == row.activation_code))
        self.safe_commit()

    def soft_delete(self, row: Code, *, by: str) -> None:
        """Flag the code deleted (it can no longer be used or read) and commit."""
        now = self.clock()
        row.deleted = True
        row.deleted_date, row.deleted_user, row.deleted_app = now, by, APP_NAME
        row.modified_date, row.modified_user, row.modified_app = now, by, APP_NAME
        self.safe_commit()
