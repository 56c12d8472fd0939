"""Activation codes: made by group admins, seen by creator, group admins and site admins only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from models import Code


def create(client, club, caller="coach", **body):
    body = {"email": "newbie@example.com", "group_id": club.varsity.id, **body}
    return client.simulate_post("/v2/activation_code", json=body, headers=club[caller])


# -- create -------------------------------------------------------------------------------------


def test_group_admin_creates_a_code_that_is_mailed(mail_client, club, mailbox, db):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = create(mail_client, club)
    assert result.status_code == 201, result.json
    code = result.json["activation_code"]
    assert re.fullmatch(r"[A-Z0-9]{8}", code["activation_code"])
    assert (
        result.headers["location"]
        == code["self"]
        == f"/v2/activation_code/{code['activation_code']}"
    )
    assert result.json["added"] is True and result.json["self"] == "/v2/activation_code"
    assert code["email"] == "newbie@example.com" and code["group_id"] == club.varsity.id
    expires = dt.datetime.fromisoformat(code["expiration_date"].rstrip("Z"))
    assert dt.timedelta(days=13, hours=23) < expires - before <= dt.timedelta(days=14, minutes=1)
    assert (
        mailbox.code_for("newbie@example.com", r"activation code: ([A-Z0-9]{8})")
        == code["activation_code"]
    )
    row = db.scalar(select(Code).where(Code.activation_code == code["activation_code"]))
    assert row.created_user == "coach"


def test_codes_differ(client, club):
    first = create(client, club).json["activation_code"]["activation_code"]
    second = create(client, club).json["activation_code"]["activation_code"]
    assert first != second


def test_site_admin_creates_codes_for_any_group(client, club):
    assert create(client, club, "root", group_id=club.hill.id).status_code == 201


@pytest.mark.parametrize("caller", ["alice", "bob", "carol"])
def test_non_admins_may_not_create_codes(client, club, caller):
    assert create(client, club, caller).status_code == 403


def test_pending_admin_may_not_create_codes(client, club, make, login):
    make.user("pat")
    make.group_member(club.alumni, "pat", status="pending", role="admin")
    result = client.simulate_post(
        "/v2/activation_code",
        json={"email": "x@example.com", "group_id": club.alumni.id},
        headers=login("pat"),
    )
    assert result.status_code == 403


def test_admin_of_another_group_may_not_create_codes(client, club):
    assert create(client, club, group_id=club.alumni.id).status_code == 403


def test_create_needs_a_token(client, club):
    result = client.simulate_post(
        "/v2/activation_code", json={"email": "x@example.com", "group_id": club.varsity.id}
    )
    assert result.status_code == 401


def test_unknown_group_is_400(client, club):
    result = create(client, club, "root", group_id=999999)
    assert result.status_code == 400 and result.json["errors"][0]["path"] == "/group_id"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email"},
        {"group_id": "1"},
        {"group_id": 0},
        {"activation_code": "MINE0001"},
        {"expiration_date": "2999-01-01"},
        {"email": "a" * 45 + "@x.com"},
    ],
)
def test_bad_bodies_are_400(client, club, body):
    result = create(client, club, **body)
    assert result.status_code == 400 and result.json["errors"]


def test_mail_failure_still_creates_the_code(config, session_factory, club):
    from falcon import testing

    from api.app import create_app
    from api.mail import Mailer
    from tests.smtp import free_port

    dead = Mailer.from_url(f"smtp://127.0.0.1:{free_port()}", config.mail_from)
    client = testing.TestClient(create_app(config, session_factory=session_factory, mailer=dead))
    assert create(client, club).status_code == 201


# -- read ---------------------------------------------------------------------------------------


@pytest.fixture
def invite(club, make, runners):
    """A code made by coach for bob's address."""
    return make.code("bob@example.com", club.varsity, created_user="coach", code="BOBCODE1")


@pytest.fixture
def dana(club, make, login):
    """An accepted admin of varsity who did not make the code."""
    make.user("dana")
    make.group_member(club.varsity, "dana", role="admin")
    return login("dana")


@pytest.mark.parametrize("caller", ["coach", "dana", "root"])
def test_creator_group_admin_and_site_admin_read_a_code(client, club, invite, dana, caller):
    club.headers["dana"] = dana
    result = client.simulate_get("/v2/activation_code/BOBCODE1", headers=club[caller])
    assert result.status_code == 200
    code = result.json["activation_code"]
    assert code["activation_code"] == "BOBCODE1" and code["email"] == "bob@example.com"
    assert code["deleted"] is False and result.headers["etag"]
    methods = {(link["method"], link["href"]) for link in code["links"]}
    assert ("DELETE", "/v2/activation_code/BOBCODE1") in methods
    assert ("DELETE", "/v2/activation_code/soft/BOBCODE1") in methods


@pytest.mark.parametrize("caller", ["alice", "carol", "bob"])
def test_others_get_404_as_for_a_missing_code(client, club, invite, caller):
    # bob's e-mail is the code's address: an account's e-mail does not show invitations.
    seen = client.simulate_get("/v2/activation_code/BOBCODE1", headers=club[caller])
    missing = client.simulate_get("/v2/activation_code/NOSUCH01", headers=club[caller])
    assert seen.status_code == missing.status_code == 404
    assert seen.json["detail"].replace("BOBCODE1", "?") == missing.json["detail"].replace(
        "NOSUCH01", "?"
    )
    assert (
        client.simulate_get("/v2/activation_code/exists/BOBCODE1", headers=club[caller]).status_code
        == 404
    )


def test_codes_match_without_regard_to_case(client, club, invite):
    assert (
        client.simulate_get("/v2/activation_code/bobcode1", headers=club["coach"]).status_code
        == 200
    )


@pytest.mark.parametrize("address", ["alice@example.com", "ALICE@Example.COM"])
def test_an_account_with_the_codes_email_neither_sees_nor_withdraws_it(client, club, make, address):
    """Audit issue 11.2: codes followed the caller's (mutable) e-mail; now they never do."""
    make.code(address, club.varsity, created_user="coach", code="ALICE001")
    alice = club["alice"]
    assert client.simulate_get("/v2/activation_code/ALICE001", headers=alice).status_code == 404
    listed = client.simulate_get("/v2/activation_code", headers=alice).json["activation_codes"]
    assert listed == []
    for path in ("/v2/activation_code/soft/ALICE001", "/v2/activation_code/ALICE001"):
        assert client.simulate_delete(path, headers=alice).status_code == 404
    assert (
        client.simulate_get("/v2/activation_code/ALICE001", headers=club["coach"]).status_code
        == 200
    )


def test_group_admins_list_their_groups_codes_and_no_others(client, club, invite, dana, make):
    make.code("x@example.com", club.hill, created_user="root", code="HILLCODE")
    listed = client.simulate_get("/v2/activation_code", headers=dana).json
    assert [c["activation_code"] for c in listed["activation_codes"]] == ["BOBCODE1"]
    assert listed["total"] == 1
    everything = client.simulate_get("/v2/activation_code", headers=club["root"]).json
    assert {"BOBCODE1", "HILLCODE"} <= {
        c["activation_code"] for c in everything["activation_codes"]
    }


def test_a_pending_or_demoted_admin_does_not_see_the_groups_codes(
    client, club, invite, make, login
):
    make.user("eve")
    make.group_member(club.varsity, "eve", role="admin", status="pending")
    eve = login("eve")
    assert client.simulate_get("/v2/activation_code/BOBCODE1", headers=eve).status_code == 404
    assert client.simulate_get("/v2/activation_code", headers=eve).json["total"] == 0


def test_exists(client, club, invite):
    result = client.simulate_get("/v2/activation_code/exists/BOBCODE1", headers=club["coach"])
    assert result.status_code == 200
    assert result.json == {
        **result.json,
        "self": "/v2/activation_code/exists/BOBCODE1",
        "matching_code_exists": True,
    }
    assert (
        client.simulate_get(
            "/v2/activation_code/exists/ZZZZZZZZ", headers=club["coach"]
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "path", ["/v2/activation_code/BOBCODE1", "/v2/activation_code/exists/BOBCODE1"]
)
def test_reads_need_a_token(client, club, invite, path):
    assert client.simulate_get(path).status_code == 401


def test_over_long_code_is_404_not_500(client, club):
    assert (
        client.simulate_get("/v2/activation_code/" + "A" * 300, headers=club["root"]).status_code
        == 404
    )


# -- delete -------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["coach", "dana", "root"])
def test_hard_delete(client, club, invite, dana, caller, db):
    club.headers["dana"] = dana
    result = client.simulate_delete("/v2/activation_code/BOBCODE1", headers=club[caller])
    assert result.status_code == 204 and result.text == ""
    assert db.scalar(select(Code).where(Code.activation_code == "BOBCODE1")) is None
    assert (
        client.simulate_get("/v2/activation_code/BOBCODE1", headers=club["root"]).status_code == 404
    )


@pytest.mark.parametrize("caller", ["coach", "dana", "root"])
def test_soft_delete(client, club, invite, dana, caller, db):
    club.headers["dana"] = dana
    result = client.simulate_delete("/v2/activation_code/soft/BOBCODE1", headers=club[caller])
    assert result.status_code == 204
    row = db.scalar(select(Code).where(Code.activation_code == "BOBCODE1"))
    db.refresh(row)
    assert row.deleted is True and row.deleted_user == caller
    assert (
        client.simulate_get("/v2/activation_code/BOBCODE1", headers=club["root"]).status_code == 404
    )
    assert (
        client.simulate_delete(
            "/v2/activation_code/soft/BOBCODE1", headers=club["root"]
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "path", ["/v2/activation_code/BOBCODE1", "/v2/activation_code/soft/BOBCODE1"]
)
def test_others_may_not_delete(client, club, invite, path):
    for caller in ("alice", "bob"):  # bob is the addressee: his e-mail grants nothing
        assert client.simulate_delete(path, headers=club[caller]).status_code == 404
    assert client.simulate_delete(path).status_code == 401
    assert (
        client.simulate_get("/v2/activation_code/BOBCODE1", headers=club["coach"]).status_code
        == 200
    )


def test_activation_code_links_document(client):
    endpoints = client.simulate_get("/v2/activation_code/links").json["endpoints"]
    pairs = {(e["link"], e["verb"]) for e in endpoints}
    assert pairs >= {
        ("/v2/activation_code", "POST"),
        ("/v2/activation_code/{code}", "GET"),
        ("/v2/activation_code/{code}", "DELETE"),
        ("/v2/activation_code/exists/{code}", "GET"),
        ("/v2/activation_code/soft/{code}", "DELETE"),
    }
