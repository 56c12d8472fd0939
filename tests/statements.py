"""What a request asked the database, without the test's own savepoints."""

from __future__ import annotations

_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def after_the_caller(statements: list[str]) -> list[str]:
    """Return the statements a request ran after looking up its caller (the first one).

    The savepoints that join each request's session to the test's transaction are left out.
    """
    work = [s for s in statements if not s.lstrip().upper().startswith(_BOOKKEEPING)]
    assert work and "auth_sessions" in work[0], work[:1]  # the caller and their token's session
    return work[1:]
