"""Users: list, read, replace, patch, delete (disabled), soft delete, last login, lookup."""

from __future__ import annotations

import pytest

CREDENTIALS = ("password", "salt", "activation_code")


def assert_no_credentials(text: str) -> None:
    for key in CREDENTIALS:
        assert f'"{key}"' not in text
    assert "$2b$" not in text and "$2a$" not in text


def profile(**overrides):
    body = {
        "first": "Alice",
        "last": "Ames",
        "email": "alice@example.com",
        "profilepic_name": None,
        "description": "Miler",
        "class_year": 2019,
        "location": "Riverdale",
        "favorite_event": "1500m",
        "week_start": "sunday",
        "subscribed": "Y",
    }
    body.update(overrides)
    return body


# -- list ---------------------------------------------------------------------------------------


def test_list_needs_a_token(client):
    result = client.simulate_get("/v2/users")
    assert result.status_code == 401
    assert result.headers["www-authenticate"].startswith("Bearer")


def test_list_pages_with_total_links_and_link_header(client, runners, make):
    for n in range(5):
        make.user(f"runner{n}")
    result = client.simulate_get(
        "/v2/users", params={"limit": 3, "offset": 3}, headers=runners["alice"]
    )
    assert result.status_code == 200
    body = result.json
    assert body["self"] == "/v2/users?limit=3&offset=3"
    assert body["total"] == 8 and len(body["users"]) == 3
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["prev"] == "/v2/users?limit=3&offset=0"
    assert rels["next"] == "/v2/users?limit=3&offset=6"
    assert rels["last"] == "/v2/users?limit=3&offset=6"
    assert '</v2/users?limit=3&offset=6>; rel="next"' in result.headers["link"]
    for user in body["users"]:
        assert user["self"] == user["this_user"] == f"/v2/users/{user['username']}"
    assert_no_credentials(result.text)


def test_last_page_has_no_next(client, runners):
    body = client.simulate_get("/v2/users", params={"limit": 200}, headers=runners["alice"]).json
    rels = {link["rel"] for link in body["links"]}
    assert "next" not in rels and "prev" not in rels


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("contains", "ob", ["bob"]),
        ("starts_with", "Al", ["alice"]),
        ("ends_with", "min", ["root"]),
        ("contains", "%", []),
        ("contains", "_", []),
    ],
)
def test_text_filters(client, runners, param, value, expected):
    body = client.simulate_get("/v2/users", params={param: value}, headers=runners["alice"]).json
    assert [user["username"] for user in body["users"]] == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "1000000"},
        {"limit": "0"},
        {"limit": "abc"},
        {"offset": "-1"},
        {"contains": "x" * 51},
    ],
)
def test_bad_paging_or_filters_are_400(client, runners, params):
    result = client.simulate_get("/v2/users", params=params, headers=runners["alice"])
    assert result.status_code == 400
    assert result.json["detail"]


def test_email_is_private_to_the_user_and_admins(client, runners):
    others = client.simulate_get("/v2/users", headers=runners["bob"]).json["users"]
    alice_seen_by_bob = next(user for user in others if user["username"] == "alice")
    assert "email" not in alice_seen_by_bob
    mine = client.simulate_get("/v2/users/alice", headers=runners["alice"]).json["user"]
    assert mine["email"] == "alice@example.com"
    admin = client.simulate_get("/v2/users/alice", headers=runners["root"]).json["user"]
    assert admin["email"] == "alice@example.com"


# -- read ---------------------------------------------------------------------------------------


def test_get_by_username_or_email(client, runners):
    by_name = client.simulate_get("/v2/users/alice", headers=runners["bob"])
    assert by_name.status_code == 200
    assert by_name.json["self"] == "/v2/users/alice"
    assert by_name.json["user"]["member_since"].count("-") == 2
    # E-mail is private: a look-up by e-mail is for the user themselves and site admins (others
    # get the 404 of an unknown user; tests/resources/test_enumeration.py).
    for who in ("alice", "root"):
        by_email = client.simulate_get("/v2/users/alice@example.com", headers=runners[who])
        assert by_email.json["user"]["username"] == "alice"
    assert (
        client.simulate_get("/v2/users/alice@example.com", headers=runners["bob"]).status_code
        == 404
    )
    assert_no_credentials(by_name.text)


def test_get_unknown_user_is_404(client, runners):
    assert client.simulate_get("/v2/users/nobody", headers=runners["alice"]).status_code == 404


def test_get_needs_a_token(client, runners):
    assert client.simulate_get("/v2/users/alice").status_code == 401


def test_action_links_appear_only_for_those_who_may_use_them(client, runners):
    def actions(headers):
        user = client.simulate_get("/v2/users/alice", headers=headers).json["user"]
        return {(link["method"], link["href"]) for link in user["links"] if link["method"] != "GET"}

    own = actions(runners["alice"])
    assert ("PUT", "/v2/users/alice") in own and ("PATCH", "/v2/users/alice") in own
    assert ("DELETE", "/v2/users/soft/alice") in own
    assert ("DELETE", "/v2/users/alice") not in own  # disabled: never shown
    assert actions(runners["bob"]) == set()
    # A site admin may do all the owner may, and also revoke the user's sessions.
    assert actions(runners["root"]) == own | {("DELETE", "/v2/auth/tokens/alice")}


def test_etag_and_if_none_match(client, runners):
    first = client.simulate_get("/v2/users/alice", headers=runners["bob"])
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.simulate_get(
        "/v2/users/alice", headers={**runners["bob"], "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.text == ""
    # The owner's representation differs (e-mail, actions), so its tag differs too.
    assert client.simulate_get("/v2/users/alice", headers=runners["alice"]).headers["etag"] != etag


# -- replace ------------------------------------------------------------------------------------


def test_owner_replaces_the_profile(client, runners):
    result = client.simulate_put("/v2/users/alice", json=profile(), headers=runners["alice"])
    assert result.status_code == 200, result.json
    assert result.json["updated"] is True
    assert result.json["user"]["location"] == "Riverdale"
    assert result.json["user"]["week_start"] == "sunday"
    assert_no_credentials(result.text)
    same = client.simulate_put("/v2/users/alice", json=profile(), headers=runners["alice"])
    assert same.status_code == 200 and same.json["updated"] is False


def test_put_nulls_fields_left_out(client, runners):
    client.simulate_put("/v2/users/alice", json=profile(), headers=runners["alice"])
    body = {"first": "Alice", "last": "Ames", "email": "alice@example.com"}
    user = client.simulate_put("/v2/users/alice", json=body, headers=runners["alice"]).json["user"]
    assert user["location"] is None and user["class_year"] is None


def test_put_accepts_an_echoed_representation_and_ignores_read_only_fields(client, runners):
    current = client.simulate_get("/v2/users/alice", headers=runners["alice"]).json["user"]
    current.update(first="Alicia", username="mallory", role="admin")
    result = client.simulate_put("/v2/users/alice", json=current, headers=runners["alice"])
    assert result.status_code == 200, result.json
    assert result.json["user"]["first"] == "Alicia"
    assert result.json["user"]["username"] == "alice" and result.json["user"]["role"] == "user"


def test_another_user_may_not_replace_a_profile(client, runners):
    result = client.simulate_put("/v2/users/alice", json=profile(), headers=runners["bob"])
    assert result.status_code == 403


def test_site_admin_may_replace_any_profile(client, runners):
    result = client.simulate_put(
        "/v2/users/alice", json=profile(location="HQ"), headers=runners["root"]
    )
    assert result.status_code == 200 and result.json["user"]["location"] == "HQ"


def test_put_needs_a_token(client, runners):
    assert client.simulate_put("/v2/users/alice", json=profile()).status_code == 401


def test_put_on_an_unknown_user_is_404_for_an_admin(client, runners):
    assert (
        client.simulate_put("/v2/users/nobody", json=profile(), headers=runners["root"]).status_code
        == 404
    )


def test_put_reports_every_invalid_field(client, runners):
    bad = profile(email="not-an-email", class_year="1999", week_start="tuesday", surprise=1)
    del bad["first"]
    result = client.simulate_put("/v2/users/alice", json=bad, headers=runners["alice"])
    assert result.status_code == 400
    paths = {error["path"] for error in result.json["errors"]}
    assert {"/first", "/email", "/class_year", "/week_start", "/surprise"} <= paths


def test_put_with_a_taken_email_is_refused_and_changes_nothing(client, runners):
    # A PUT never changes the e-mail (docs/compatibility.md); a taken one is 409 at the
    # e-mail change endpoint (tests/resources/test_email_change.py).
    result = client.simulate_put(
        "/v2/users/alice", json=profile(email="BOB@example.com"), headers=runners["alice"]
    )
    assert result.status_code == 400
    assert ("POST", "/v2/users/alice/email") in {
        (k["method"], k["href"]) for k in result.json["links"]
    }
    mine = client.simulate_get("/v2/users/alice", headers=runners["alice"]).json["user"]
    assert mine["email"] == "alice@example.com"


def test_put_with_a_stale_if_match_is_412(client, runners):
    etag = client.simulate_get("/v2/users/alice", headers=runners["alice"]).headers["etag"]
    ok = client.simulate_put(
        "/v2/users/alice", json=profile(), headers={**runners["alice"], "If-Match": etag}
    )
    assert ok.status_code == 200 and ok.headers["etag"] != etag
    stale = client.simulate_put(
        "/v2/users/alice",
        json=profile(location="Elsewhere"),
        headers={**runners["alice"], "If-Match": etag},
    )
    assert stale.status_code == 412


def test_if_match_can_be_made_mandatory(config, session_factory, runners):
    import dataclasses

    from falcon import testing

    from api.app import create_app

    strict = testing.TestClient(
        create_app(
            dataclasses.replace(config, require_if_match=True), session_factory=session_factory
        )
    )
    assert (
        strict.simulate_put("/v2/users/alice", json=profile(), headers=runners["alice"]).status_code
        == 428
    )


# -- patch --------------------------------------------------------------------------------------


def test_merge_patch(client, runners):
    client.simulate_put("/v2/users/alice", json=profile(), headers=runners["alice"])
    result = client.simulate_patch(
        "/v2/users/alice",
        body='{"location": "Hilltop", "description": null}',
        headers={**runners["alice"], "Content-Type": "application/merge-patch+json"},
    )
    assert result.status_code == 200, result.json
    user = result.json["user"]
    assert (
        user["location"] == "Hilltop" and user["description"] is None and user["class_year"] == 2019
    )


def test_json_patch(client, runners):
    result = client.simulate_patch(
        "/v2/users/alice",
        body='[{"op": "replace", "path": "/first", "value": "Ally"}]',
        headers={**runners["alice"], "Content-Type": "application/json-patch+json"},
    )
    assert result.status_code == 200 and result.json["user"]["first"] == "Ally"


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/merge-patch+json", '{"week_start": "friday"}', 400),
        ("application/merge-patch+json", '{"first": null}', 400),
        ("application/merge-patch+json", "[1]", 400),
        ("application/json-patch+json", '[{"op": "remove", "path": "/nothing"}]', 400),
        ("application/json-patch+json", '{"op": "add"}', 400),
        (
            "application/json-patch+json",
            '[{"op": "replace", "path": "/username", "value": "x"}]',
            400,
        ),
        ("application/json", '{"first": "A"}', 415),
    ],
)
def test_bad_patches(client, runners, content_type, body, status):
    result = client.simulate_patch(
        "/v2/users/alice", body=body, headers={**runners["alice"], "Content-Type": content_type}
    )
    assert result.status_code == status, result.json


def test_patch_is_owner_only(client, runners):
    headers = {"Content-Type": "application/merge-patch+json"}
    assert client.simulate_patch("/v2/users/alice", body="{}", headers=headers).status_code == 401
    assert (
        client.simulate_patch(
            "/v2/users/alice", body="{}", headers={**headers, **runners["bob"]}
        ).status_code
        == 403
    )
    assert (
        client.simulate_patch(
            "/v2/users/alice", body="{}", headers={**headers, **runners["root"]}
        ).status_code
        == 200
    )


def test_item_advertises_accept_patch(client, runners):
    result = client.simulate_get("/v2/users/alice", headers=runners["alice"])
    assert "application/merge-patch+json" in result.headers["accept-patch"]


# -- delete -------------------------------------------------------------------------------------


def test_hard_delete_is_disabled_for_everyone(client, runners):
    assert client.simulate_delete("/v2/users/alice").status_code == 401
    for who in ("alice", "bob", "root"):
        assert client.simulate_delete("/v2/users/alice", headers=runners[who]).status_code == 403


def test_hard_delete_when_enabled_removes_the_user(config, session_factory, runners, db):
    import dataclasses

    from falcon import testing

    from api.app import create_app
    from models import User

    enabled = testing.TestClient(
        create_app(dataclasses.replace(config, disabled_routes=()), session_factory=session_factory)
    )
    assert enabled.simulate_delete("/v2/users/bob", headers=runners["alice"]).status_code == 403
    assert enabled.simulate_delete("/v2/users/bob", headers=runners["bob"]).status_code == 204
    db.expire_all()
    assert db.get(User, "bob") is None


def test_soft_delete_yourself(client, runners, login):
    assert client.simulate_delete("/v2/users/soft/alice", headers=runners["bob"]).status_code == 403
    assert client.simulate_delete("/v2/users/soft/alice").status_code == 401
    result = client.simulate_delete("/v2/users/soft/alice", headers=runners["alice"])
    assert result.status_code == 204 and result.text == ""
    assert client.simulate_get("/v2/users/alice", headers=runners["bob"]).status_code == 404
    assert client.simulate_get("/v2/types", headers=runners["alice"]).status_code == 401
    again = client.simulate_post(
        "/v2/auth/token", json={"username": "alice", "password": "correct horse battery"}
    )
    assert again.status_code == 401


def test_admin_soft_deletes_anyone_and_unknown_is_404(client, runners):
    assert client.simulate_delete("/v2/users/soft/bob", headers=runners["root"]).status_code == 204
    assert client.simulate_delete("/v2/users/soft/bob", headers=runners["root"]).status_code == 404


# -- last login and lookup ----------------------------------------------------------------------


def test_update_last_login(client, runners):
    result = client.simulate_put("/v2/users/alice/update_last_login", headers=runners["alice"])
    assert result.status_code == 200 and result.json["last_login_updated"] is True
    assert result.json["last_signin"].endswith("Z")
    assert (
        client.simulate_put("/v2/users/alice/update_last_login", headers=runners["bob"]).status_code
        == 403
    )
    assert client.simulate_put("/v2/users/alice/update_last_login").status_code == 401
    assert (
        client.simulate_put(
            "/v2/users/nobody/update_last_login", headers=runners["root"]
        ).status_code
        == 404
    )


def test_lookup_is_public(client, runners):
    found = client.simulate_get("/v2/users/lookup/alice@example.com")
    assert found.status_code == 200 and found.json["exists"] is True
    assert client.simulate_get("/v2/users/lookup/nobody").status_code == 404


def test_non_numeric_or_odd_usernames_never_500(client, runners):
    for name in ("%00", "a" * 300, "' OR 1=1 --", "😀"):
        assert client.simulate_get(f"/v2/users/{name}", headers=runners["alice"]).status_code == 404


@pytest.mark.parametrize(
    "email",
    ["Þ¢@v\x87.tJrWN", "a..b@example.com", ".a@example.com", "a@-x.io", "a@x_y.io", "a b@x.io"],
)
def test_an_email_must_be_a_plain_address(client, runners, email):
    # Found by schemathesis: the format check accepted control characters and non-ASCII.
    result = client.simulate_put(
        "/v2/users/alice", headers=runners["alice"], json=profile(email=email)
    )
    assert result.status_code == 400
    assert result.json["errors"][0]["path"] == "/email"


def test_if_none_match_compares_weakly_as_gzip_proxies_weaken_etags(client, runners):
    etag = client.simulate_get("/v2/users/alice", headers=runners["bob"]).headers["etag"]
    again = client.simulate_get(
        "/v2/users/alice", headers={**runners["bob"], "If-None-Match": f"W/{etag}"}
    )
    assert again.status_code == 304
