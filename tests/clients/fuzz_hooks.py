"""Schemathesis hooks (loaded by the `schemathesis run` that test_schemathesis.py starts).

The fuzzer calls every operation with a site admin's token, so it may log itself out, revoke
its own sessions or delete its own account. The auth provider logs in again whenever a token is
refused, and first puts the account back (undeleted, known password, no login throttle) straight
in the database, so one lucky request cannot make the rest of the run anonymous.
"""

from __future__ import annotations

import os

import requests
import schemathesis
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from api.db import make_engine
from models import Throttle, User
from tests.factories import PASSWORD, password_hash

BASE_URL = os.environ["SPLITS_FUZZ_URL"]
DATABASE_URL = os.environ["SPLITS_FUZZ_DATABASE_URL"]
USERNAME = os.environ["SPLITS_FUZZ_USER"]


def restore_account() -> None:
    """Undelete the fuzzing account, reset its password and lift any login throttle."""
    engine = make_engine(DATABASE_URL)
    try:
        with Session(engine) as session:
            session.execute(
                update(User)
                .where(User.username == USERNAME)
                .values(deleted=False, password=password_hash(PASSWORD))
            )
            # Every login throttle: the fuzzer may have locked any spelling of the account.
            session.execute(delete(Throttle).where(Throttle.key.startswith("login:")))
            session.commit()
    finally:
        engine.dispose()


def log_in() -> requests.Response:
    """Ask the API for a token, as any client would."""
    return requests.post(
        f"{BASE_URL}/v2/auth/token",
        json={"username": USERNAME, "password": PASSWORD},
        timeout=10,
    )


@schemathesis.auth(refresh_interval=600)
class FreshToken:
    """A Bearer token for the fuzzing account; fetched again after any 401."""

    def get(self, case, context) -> str:
        """Log in (restoring the account first if the login is refused)."""
        response = log_in()
        if response.status_code != 200:
            restore_account()
            response = log_in()
        response.raise_for_status()
        return response.json()["access_token"]

    def set(self, case, data: str, context) -> None:
        """Send the token as a Bearer header."""
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
