"""UserDao lookups: by username or e-mail, and without reading what no profile shows."""

from __future__ import annotations

from sqlalchemy import inspect

from dao.users import UserDao


def test_find_by_username_reads_no_credential_or_audit_column(db, make, count_queries):
    make.user("pat")
    db.expunge_all()
    with count_queries() as statements:
        user = UserDao(db).find("pat")
    assert user is not None and user.username == "pat"
    (select,) = [statement for statement in statements if statement.startswith("SELECT")]
    for column in ("password", "salt", "activation_code", "created_date", "modified_app"):
        assert f"users.{column}" not in select
        assert column in inspect(user).unloaded
    assert user.password  # still there when a caller needs it, loaded on first touch


def test_find_falls_back_to_the_e_mail_whatever_its_case(db, make):
    make.user("pat", email="Pat.Runner@Example.com")
    users = UserDao(db)
    assert users.find("pat.runner@example.COM").username == "pat"
    assert users.find("nobody@example.com") is None
    assert users.find("Pat.Runner") is None  # no '@': only the username is tried
