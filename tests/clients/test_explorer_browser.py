"""The /docs explorer in a real headless Chromium: log in, follow links, edit through a form.

Chromium is Debian's (scripts/browser.sh installs it; CI runs that script before the suite) and
Playwright drives it through `executable_path`: no browser is ever downloaded. The app is served
over real HTTP (wsgiref, see conftest.py). The tests skip only when Chromium cannot be installed.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from seeding.demo import ADMIN as DEMO_ADMIN
from seeding.demo import DemoDao
from tests.clients.conftest import LiveServer, start_live_server
from tests.factories import PASSWORD, password_hash

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


def _chromium() -> Path:
    """Return Debian's Chromium, installing it with the project's script when it is missing."""
    if not CHROMIUM.exists():
        try:
            subprocess.run(
                [str(ROOT / "scripts" / "browser.sh")], check=True, capture_output=True, timeout=900
            )
        except (OSError, subprocess.SubprocessError) as ex:
            pytest.skip(
                f"Chromium is not installed and scripts/browser.sh could not install it: {ex}"
            )
    if not CHROMIUM.exists():
        pytest.skip("scripts/browser.sh ran but /usr/bin/chromium is still missing")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Debian Chromium driven by Playwright."""
    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that records script errors; the test fails if there were any."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    context.close()
    # A refused request (401, 404) is logged by the browser as a console error: that is the
    # API answering, not the page failing, so only script errors count.
    script_errors = [error for error in errors if "Failed to load resource" not in error]
    assert not script_errors, script_errors


def _status(page: Page, code: int) -> None:
    expect(page.locator("#status")).to_have_attribute("data-status", str(code))


def _log_in(page: Page, live: LiveServer, username: str) -> None:
    page.goto(f"{live.url}/docs")
    _status(page, 200)
    expect(page.locator("#status")).to_contain_text("GET / ")
    # The login action comes from the root's links; its form from /v2/schemas/auth-token.json.
    page.locator('#links button[data-rel="login"]').click()
    form = page.locator("#action-form")
    form.locator('[name="username"]').fill(username)
    form.locator('[name="password"]').fill(PASSWORD)
    page.locator("#action-send").click()
    _status(page, 200)
    expect(page.locator("#whoami")).to_have_text(f"token: {username}")


def test_log_in_follow_links_to_your_profile_edit_it_and_see_the_change(page, live_server):
    live_server.make.user("alice", first="Alice", last="Ames", description="Miler")
    _log_in(page, live_server, "alice")
    page.locator('#links button[data-rel="root"]').click()
    _status(page, 200)
    page.locator('#links button[data-rel="me"]').click()
    expect(page.locator("#status")).to_contain_text("GET /v2/users/alice")
    _status(page, 200)
    # The edit action is a link of the embedded user; its form is filled from the user.
    page.locator('#body button[data-rel="edit"][data-href="/v2/users/alice"]').click()
    description = page.locator('#action-form [name="description"]')
    expect(description).to_have_value("Miler")
    expect(page.locator('#action-form [name="first"]')).to_have_value("Alice")
    description.fill("Sub-5 miler")
    expect(page.locator("#action-body")).to_have_value(re.compile(r'"description": "Sub-5 miler"'))
    page.locator("#action-send").click()
    expect(page.locator("#status")).to_contain_text("PUT /v2/users/alice")
    _status(page, 200)
    expect(page.locator("#body")).to_contain_text("Sub-5 miler")
    # Read it again through the user's self link: the change is stored.
    page.locator('#body button[data-rel="self"][data-href="/v2/users/alice"]').click()
    expect(page.locator("#status")).to_contain_text("GET /v2/users/alice")
    _status(page, 200)
    expect(page.locator("#body")).to_contain_text("Sub-5 miler")
    expect(page.locator("#body")).not_to_contain_text('Miler"')


def test_follow_links_to_a_log_edit_it_and_see_the_change(page, live_server):
    live_server.make.user("lena", first="Lena", last="Lopez")
    log = live_server.make.log(
        "lena", name="Hill repeats", distance=5, metric="miles", time="0:40:00"
    )
    _log_in(page, live_server, "lena")
    page.locator('#links button[data-rel="root"]').click()
    page.locator('#links button[data-method="GET"][data-href^="/v2/logs"]').first.click()
    expect(page.locator("#status")).to_contain_text("GET /v2/logs")
    _status(page, 200)
    href = f"/v2/logs/{log.log_id}"
    page.locator(f'#body button[data-rel="edit"][data-href="{href}"]').click()
    name = page.locator('#action-form [name="name"]')
    expect(name).to_have_value("Hill repeats")
    name.fill("Hill repeats x8")
    page.locator("#action-send").click()
    expect(page.locator("#status")).to_contain_text(f"PUT {href}")
    _status(page, 200)
    page.locator(f'#body button[data-rel="self"][data-href="{href}"]').first.click()
    expect(page.locator("#status")).to_contain_text(f"GET {href}")
    _status(page, 200)
    expect(page.locator("#body")).to_contain_text("Hill repeats x8")


def test_templated_links_ask_for_values_and_a_pasted_token_works(page, live_server):
    live_server.make.user("tom", first="Tom", last="Tran")
    page.goto(f"{live_server.url}/docs")
    _status(page, 200)
    token = page.evaluate(
        """async ([password]) => {
            const response = await fetch("/v2/auth/token", {method: "POST",
              headers: {"Content-Type": "application/json"},
              body: JSON.stringify({username: "tom", password})});
            return (await response.json()).access_token;
        }""",
        [PASSWORD],
    )
    page.locator("#token").fill(token)
    page.locator("#token-form button[type=submit]").click()
    expect(page.locator("#whoami")).to_have_text("token: pasted")
    page.locator('#links button[data-method="GET"][data-href="/v2/users"]').click()
    _status(page, 200)
    # users.lookup is templated: the explorer asks for {username}, offering values it has seen.
    page.locator('#links button[data-rel="lookup"]').click()
    field = page.locator('#action-form [data-field="username"]')
    field.fill("tom")
    page.locator("#action-send").click()
    expect(page.locator("#status")).to_contain_text("GET /v2/users/lookup/tom")
    _status(page, 200)
    page.locator("#forget").click()
    expect(page.locator("#whoami")).to_have_text("anonymous")


def test_user_text_is_shown_as_text_never_run_as_html(page, live_server):
    live_server.make.user(
        "mallory", first="Mal", last="Lory", description='<img src=x onerror="window.pwned=1">'
    )
    _log_in(page, live_server, "mallory")
    page.locator('#links button[data-rel="root"]').click()
    page.locator('#links button[data-rel="me"]').click()
    _status(page, 200)
    expect(page.locator("#body")).to_contain_text("<img src=x onerror=")
    assert page.locator("#body img").count() == 0
    assert page.evaluate("window.pwned") is None


# -- Pictures of training data, on the demo team -------------------------------------------------

OUTPUT = Path(os.environ.get("SPLITS_TEST_OUTPUT", ROOT / "var" / "test-output")) / "explorer"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server over a database holding the demo team (`python -m api seed --demo`)."""
    live, stop = start_live_server(tmp_path_factory.mktemp("demo"))
    try:
        with Session(live.engine) as session:
            # The admin's password is the test password here; the command generates one.
            DemoDao(session).load(password_hash(PASSWORD), password_hash("unknown password 1"))
        yield live
    finally:
        stop()


def _api_get(live: LiveServer, path: str) -> dict:
    """GET `path` as the demo admin, outside the browser, to know what the page must draw."""
    host, port = live.url.removeprefix("http://").split(":")

    def call(method: str, target: str, body: bytes | None, headers: dict[str, str]) -> dict:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request(method, target, body=body, headers=headers)
            answer = connection.getresponse()
            assert answer.status == 200, (target, answer.status)
            return dict(json.loads(answer.read()))
        finally:
            connection.close()

    credentials = json.dumps({"username": DEMO_ADMIN, "password": PASSWORD}).encode()
    token = call("POST", "/v2/auth/token", credentials, {"Content-Type": "application/json"})
    return call("GET", path, None, {"Authorization": f"Bearer {token['access_token']}"})


def _screenshot(page: Page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    page.locator("#picture").screenshot(path=str(path))
    print(f"\nscreenshot: {path}")
    return path


def _open_group(page: Page) -> tuple[str, str]:
    """Go to / (the address bar), follow groups -> the first group; return its path and id."""
    page.locator("#address").fill("/")
    page.locator("#address-form button[type=submit]").click()
    expect(page.locator("#status")).to_contain_text("GET / ")
    page.locator('#links button[data-rel="groups"]').click()
    expect(page.locator("#status")).to_contain_text("GET /v2/groups ")
    _status(page, 200)
    page.locator('#body button[data-rel="self"][data-href^="/v2/groups/"]').first.click()
    expect(page.locator("#status")).to_contain_text(re.compile(r"GET /v2/groups/\d+ "))
    _status(page, 200)
    group_path = page.locator("#address").input_value()
    return group_path, group_path.rsplit("/", 1)[1]


def test_a_groups_calendar_leaderboard_and_statistics_are_drawn(page, demo_server):
    _log_in(page, demo_server, DEMO_ADMIN)
    # Root -> groups -> the distance squad -> its leaderboard, by links only.
    group_path, group_id = _open_group(page)
    assert page.locator("#picture").is_hidden()  # a group itself has nothing to draw
    leaderboard_path = f"/v2/groups/leaderboard/{group_id}"
    page.locator(f'#body button[data-rel="leaderboard"][data-href="{leaderboard_path}"]').click()
    expect(page.locator("#status")).to_contain_text(f"GET {leaderboard_path} ")
    _status(page, 200)
    board = _api_get(demo_server, leaderboard_path)["leaderboard"]
    assert len(board) >= 3
    bars = page.locator("#picture g.bar")
    expect(bars).to_have_count(len(board))
    expect(bars.first).to_have_attribute("data-username", board[0]["username"])
    expect(bars.first.locator("rect.kind-run")).to_have_count(1)
    expect(page.locator("#body")).to_contain_text("miles_run")  # the JSON stays
    _screenshot(page, "leaderboard-bars.png")

    # The same group again, then its statistics: a small chart of four periods.
    assert _open_group(page) == (group_path, group_id)
    statistics = f"/v2/groups/statistics/{group_id}"
    page.locator(f'#body button[data-rel="statistics"][data-href="{statistics}"]').click()
    expect(page.locator("#status")).to_contain_text(f"GET {statistics} ")
    _status(page, 200)
    expect(page.locator("#picture figure.statistics")).to_be_visible()
    expect(page.locator("#picture g.period")).to_have_count(4)
    expect(page.locator("#body")).to_contain_text("miles_all_time")

    # Its range view (this year, from the statistics' links): one cell per day.
    range_link = page.locator('#links button[data-rel="range_view"]')
    range_path = range_link.get_attribute("data-href")
    assert range_path
    range_link.click()
    expect(page.locator("#status")).to_contain_text(f"GET {range_path} ")
    _status(page, 200)
    view = _api_get(demo_server, range_path)["range_view"]
    start, end = range_path.split("/")[-2:]
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    assert len(view) > 50
    expect(page.locator("#picture rect.day")).to_have_count(days)
    expect(page.locator("#picture rect.day.logged")).to_have_count(len(view))
    busiest = max(view, key=lambda day: day["miles"])
    cell = page.locator(f'#picture rect.day[data-date="{busiest["date"]}"]')
    expect(cell).to_have_class(re.compile(r"\blv4\b"))
    expect(cell.locator("title")).to_have_text(re.compile(rf"feel {busiest['feel']}$"))
    _screenshot(page, "range-view-calendar.png")
