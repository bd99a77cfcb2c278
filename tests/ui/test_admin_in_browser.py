"""The web admin in a real browser (headless Chromium through Selenium) beside a real kiosk
built in this process, both over the real server on a loopback port: staff sign in, add a
member with a PIN, the member checks in on the kiosk's pad and shows in Who's in without a
reload, staff check them out, export CSV, print the member's pass."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from pytestqt.qtbot import QtBot
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from kiosk import passes
from kiosk.backends.base import Backend
from kiosk.server.reports import CHECKIN_COLUMNS, Days, checkin_rows, checkins, to_csv
from kiosk.server.runner import ServerThread
from kiosk.settings.model import BackendKind, BackendSettings, Config
from scripts.admin_screenshots import EMAIL as SHOT_EMAIL
from scripts.admin_screenshots import PAGES, SIZES, demo_admin_server
from scripts.admin_screenshots import PASSWORD as SHOT_PASSWORD
from tests.helpers import browser
from tests.helpers.clock import FakeClock, Ticker
from tests.helpers.kiosk import Build, settings
from tests.helpers.screens import click, texts, type_pin
from tests.helpers.server import demo_server
from tests.helpers.webadmin import CHEAP, EMAIL, PASSWORD, add_desk_admin, kiosk_client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def server(tmp_path: Path, clock: FakeClock, ticker: Ticker) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "checkin.db", clock, passwords=CHEAP, monotonic=ticker) as running:
        add_desk_admin(running)
        yield running


@pytest.fixture
def backend(
    server: ServerThread, qtbot: QtBot, aloop: asyncio.AbstractEventLoop
) -> Iterator[Backend]:  # the one `build` checks with
    with kiosk_client(server, qtbot, aloop) as client:
        yield client


@pytest.fixture
def chromium() -> Iterator[WebDriver]:
    with browser.chromium() as driver:
        yield driver


def _kiosk_config(server: ServerThread) -> Config:
    config = settings()
    location = str(server.server.store.location("Demo Space").id)
    return dataclasses.replace(
        config,
        backend=BackendSettings(kind=BackendKind.LOCAL, url=server.url),
        reader=dataclasses.replace(config.reader, enabled=False),
        kiosk=dataclasses.replace(config.kiosk, location=location),
    )


def test_staff_see_a_member_they_added_check_in_and_check_them_out(
    qtbot: QtBot, build: Build, server: ServerThread, chromium: WebDriver, ticker: Ticker
) -> None:
    url, store = server.url, server.server.store
    chromium.get(url + "/admin/members")
    assert "/admin/signin?next=" in chromium.current_url  # no session: sign in first

    for _ in range(5):  # a neighbour guessing the desk's password
        browser.sign_in(chromium, url, EMAIL, "not the password")
    assert "Too many attempts" in chromium.find_element(By.CSS_SELECTOR, ".error").text
    ticker.advance(600)

    browser.sign_in(chromium, url, EMAIL, PASSWORD)
    browser.wait_for(chromium, "h1", "Who's in")
    chromium.get(url + "/admin/members")
    chromium.find_element(By.LINK_TEXT, "Add member").click()
    for name, value in (("name", "Hedy Lamarr"), ("email", "hedy@example.com"), ("pin", "424242")):
        chromium.find_element(By.NAME, name).send_keys(value)
    Select(chromium.find_element(By.NAME, "plan")).select_by_visible_text("Resident")
    browser.submit(
        chromium, chromium.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    )
    browser.wait_for(chromium, ".note", "Hedy Lamarr is enrolled.")
    member_page = chromium.current_url.split("?")[0]

    chromium.get(url + "/admin/whosin")
    browser.wait_for(chromium, "#live", "Nobody is in.")
    kiosk = build(_kiosk_config(server))
    with qtbot.waitSignal(kiosk.controller.finished, timeout=5000):
        click(qtbot, kiosk.window.idle.pin)
        type_pin(qtbot, kiosk, "424242")
        click(qtbot, kiosk.window.pin.ok)
    assert "Welcome, Hedy" in texts(kiosk.window.result)
    checked_in = time.monotonic()
    browser.wait_for(chromium, "#live table.present", "Hedy Lamarr", timeout=5)  # no reload
    assert time.monotonic() - checked_in < 5

    browser.submit(chromium, chromium.find_element(By.CSS_SELECTOR, "table.present button"))
    browser.wait_for(chromium, ".note", "Hedy Lamarr is checked out.")
    record = store.checkins(member_id=_member(server, "hedy@example.com")).records[0]
    assert record.to_time is not None

    local_day = record.from_time.astimezone(ZoneInfo(record.business_timezone)).date()
    day = local_day.isoformat()
    exported = chromium.execute_async_script(
        "fetch(arguments[0]).then(r => r.text()).then(arguments[1])",
        f"/admin/export/checkins.csv?start={day}&end={day}",
    )
    assert "Hedy Lamarr" in exported
    expected = to_csv(checkin_rows(checkins(store, Days(local_day, local_day))), CHECKIN_COLUMNS)
    assert exported == expected

    chromium.get(member_page + "/pass")
    browser.as_printed(chromium)
    printed = browser.screenshot(chromium, full_page=False)
    browser.as_printed(chromium, False)
    found = zxingcpp.read_barcodes(printed)
    assert len(found) == 1
    verified = passes.Verifier([server.server.keys.issuer.public_key]).verify(
        found[0].text, datetime.now(UTC)
    )
    assert verified.subject == passes.Subject.member(_member(server, "hedy@example.com"))
    assert chromium.find_element(By.CSS_SELECTOR, ".bar").is_displayed() is True


def test_a_form_stripped_of_its_csrf_token_is_refused(
    server: ServerThread, chromium: WebDriver
) -> None:
    browser.sign_in(chromium, server.url, EMAIL, PASSWORD)
    browser.wait_for(chromium, "h1", "Who's in")
    ada = _member(server, "ada@example.com")
    chromium.get(f"{server.url}/admin/members/{ada}")
    chromium.execute_script(
        "document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())"
    )
    browser.submit(
        chromium, chromium.find_element(By.CSS_SELECTOR, "form[action$='/active'] button")
    )
    browser.wait_for(chromium, ".error", "This form has expired")
    assert server.server.store.member(ada).active


def _member(server: ServerThread, email: str) -> int:
    found = server.server.store.find_member(email=email)
    assert found is not None
    return found.id


def test_every_admin_page_fits_the_screen_across(tmp_path: Path) -> None:
    """Nothing runs off the side of a phone or a desktop: no page scrolls sideways, and no
    visible control sticks out of the screen."""
    with demo_admin_server(tmp_path) as running, browser.chromium() as driver:
        browser.sign_in(driver, running.url, SHOT_EMAIL, SHOT_PASSWORD)
        for size, (width, height) in SIZES.items():
            browser.resize(driver, (width, height))  # a phone's browser may zoom out: the
            for name, path in PAGES:  # screen's width, not the window's, is the measure
                driver.get(running.url + path)
                wide = driver.execute_script(
                    "return [document.documentElement.scrollWidth,"
                    " [...document.querySelectorAll('a, button, input, select, label')]"
                    ".filter(e => e.offsetParent && e.getBoundingClientRect().right >"
                    f" {width} + 1).map(e => e.outerHTML.slice(0, 80))]"
                )
                assert wide[0] <= width, f"{name} scrolls sideways at {size}: {wide}"
                assert not wide[1], f"{name} at {size}: {wide[1]}"
