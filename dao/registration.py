"""Registration with an activation code: one transaction for the user, memberships and code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dao.base import Dao
from dao.codes import ActivationCodeDao
from dao.errors import Conflict, InvalidInput
from dao.groups import GroupDao
from dao.memberships import MembershipDao
from dao.throttles import Limit, ThrottleDao
from dao.users import UserDao
from domain.roles import MembershipStatus, SiteRole
from models import Code, Group, User

#: Wrong activation codes per client address before registration is refused for a while.
CODE_GUESSES_PER_ADDRESS = Limit(attempts=10, window=900, lockout=900)
TOO_MANY_GUESSES = "Too many invalid activation codes from this address; wait before trying again."
INVALID_CODE = "The activation code is invalid or expired, or was made for another e-mail address."

#: The profile fields a registration may set besides the required ones.
PROFILE_FIELDS = (
    "description",
    "class_year",
    "location",
    "favorite_event",
    "week_start",
    "subscribed",
    "profilepic_name",
)


class RegistrationDao(Dao):
    """Turn a valid activation code into an account with its first memberships."""

    def register(self, values: dict[str, Any], *, password_hash: str, address: str) -> User:
        """Create the user, join the code's group and team, spend the code; commit once.

        The new memberships are accepted when the code was made by an accepted admin of its
        group or by a site admin, and pending otherwise (CONTRACT §6). A taken username or
        e-mail is a Conflict that leaves the code unspent.
        """
        throttles = ThrottleDao(self.session, self.clock)
        key = f"register:address:{address}"
        throttles.check(key, TOO_MANY_GUESSES)
        code, group = self._code_and_group(values["activation_code"], values["email"])
        if code is None or group is None:
            limit = CODE_GUESSES_PER_ADDRESS
            throttles.record(key, limit=limit.attempts, window=limit.window, lockout=limit.lockout)
            raise InvalidInput(
                INVALID_CODE, errors=[{"path": "/activation_code", "message": "invalid or expired"}]
            )
        username = values["username"]
        users = UserDao(self.session, self.clock)
        if self.session.get(User, username) is not None:
            raise Conflict(f"The username '{username}' is taken.")
        if users.email_taken(values["email"]):
            raise Conflict(f"The e-mail address '{values['email']}' is already registered.")
        status = (
            MembershipStatus.ACCEPTED
            if self._made_by_admin(code, group)
            else MembershipStatus.PENDING
        )
        user = users.create(
            username=username,
            email=values["email"],
            password_hash=password_hash,
            first=values["first"],
            last=values["last"],
            activation_code=code.activation_code,
            commit=False,
            **{name: values[name] for name in PROFILE_FIELDS if values.get(name) is not None},
        )
        self.session.flush()  # memberships refer to the new user
        memberships = MembershipDao(self.session, self.clock)
        for team_name in GroupDao(self.session, self.clock).team_names([group.id]).values():
            memberships.join_team(team_name, username, status=status, by=username)
        memberships.join_group(group, username, status=status, by=username)
        self.session.delete(code)
        self.safe_commit(f"The username '{username}' or e-mail address is taken.")
        return user

    def _code_and_group(self, value: str, email: str) -> tuple[Code | None, Group | None]:
        code = ActivationCodeDao(self.session, self.clock).usable(value, email)
        if code is None or code.group_id is None:
            return code, None
        group = self.session.scalar(
            select(Group).where(Group.id == code.group_id, Group.deleted.is_(False))
        )
        return code, group

    def _made_by_admin(self, code: Code, group: Group) -> bool:
        creator = code.created_user
        if not creator:
            return False  # legacy codes carry no creator: their members wait for approval
        if MembershipDao(self.session, self.clock).is_group_admin(group.id, creator):
            return True
        role = self.session.scalar(
            select(User.role).where(User.username == creator, User.deleted.is_(False))
        )
        return role == SiteRole.ADMIN
