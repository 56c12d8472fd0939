"""Pure rules of activation and reset codes: alphabet, visibility, expiry, e-mail match, masking."""

from __future__ import annotations

import datetime as dt

from dao.codes import CODE_ALPHABET, ActivationCodeDao, may_see, new_code
from dao.passwords import mask
from domain.identity import Principal
from models import Code

NOW = dt.datetime(2024, 3, 1, 12, 0, 0)


def test_new_codes_are_eight_upper_case_letters_or_digits():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(CODE_ALPHABET) for code in codes)


def test_who_may_see_a_code():
    code = Code(activation_code="X", email="Kid@Example.com", created_user="coach")
    assert may_see(code, Principal("coach", "c@example.com", "user"))
    assert may_see(code, Principal("admin2", "a2@example.com", "user"), group_admin=True)
    assert may_see(code, Principal("root", None, "admin"))
    # Never by e-mail: an account's e-mail can be changed, and the invitee has no account.
    assert not may_see(code, Principal("kid", "kid@example.COM", "user"))
    assert not may_see(code, Principal("other", "other@example.com", "user"))
    assert not may_see(code, None)
    assert not may_see(
        Code(activation_code="Y", email=None, created_user=None), Principal("x", None, "user")
    )


def test_usable_checks_expiry_and_email(db, make):
    make.team("t")
    group = make.group("g", team="t")
    make.code("kid@example.com", group, code="KIDCODE1")
    dao = ActivationCodeDao(db, clock=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    assert dao.usable("kidcode1", "KID@example.com") is not None
    assert dao.usable("KIDCODE1", "other@example.com") is None
    later = ActivationCodeDao(
        db, clock=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=15)
    )
    assert later.usable("KIDCODE1", "kid@example.com") is None


def test_mask_keeps_only_the_last_two_characters():
    assert mask("ABCD1234") == "******34"
