"""A Nexudus admin with two-factor sign-in, as staff meet it: the kiosk built from its config
over a replayed Nexudus, staff mode and the setup wizard asking for the code, and staff typing
it on the on-screen keyboard."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.backends.base import BackendError
from kiosk.settings.model import BackendKind, BackendSettings, Config
from kiosk.settings.vault import Secret
from tests.fakes.vault import MemoryVault
from tests.helpers.kiosk import Build, protected
from tests.helpers.nexudus_cloud import ADMIN, PASSWORD, SUBDOMAIN, TOTP, FakeNexudus
from tests.helpers.screens import click, finish_wizard, open_staff, place_buttons, type_text

ASKS = "Nexudus asks for this admin's two-factor code"


@pytest.fixture
def cloud() -> FakeNexudus:
    return FakeNexudus(two_factor=True)


@pytest.fixture
def backend() -> None:  # built from the config, over `http`
    return None


@pytest.fixture
def http(cloud: FakeNexudus) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler))


@pytest.fixture
def vault() -> MemoryVault:
    vault = MemoryVault()
    vault.set(Secret.PASSWORD, PASSWORD)
    return vault


def nexudus() -> Config:
    config = protected()
    backend = BackendSettings(kind=BackendKind.NEXUDUS, subdomain=SUBDOMAIN, username=ADMIN)
    reader = dataclasses.replace(config.reader, enabled=False)
    return dataclasses.replace(config, backend=backend, reader=reader)


def codes_sent(cloud: FakeNexudus) -> list[str | None]:
    """The `totp` of every password sign-in, in order."""
    forms = [parse_qs(r.content.decode()) for r in cloud.requests if r.url.path == "/api/token"]
    return [f.get("totp", [None])[0] for f in forms if f.get("grant_type") == ["password"]]


def test_staff_type_the_code_where_the_locations_wait_for_it(
    qtbot: QtBot,
    build: Build,
    cloud: FakeNexudus,
    caplog: pytest.LogCaptureFixture,
    event_path: Path,
    config_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk = build(nexudus())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Location"])
    qtbot.waitUntil(lambda: ASKS in screen.places_note.text(), timeout=5000)
    assert screen.places_code.isVisible()
    assert not place_buttons(screen)
    # a code of the wrong shape is refused on the spot, without asking Nexudus
    asked = len(cloud.requests)
    click(qtbot, screen.places_code)
    assert screen.page == "entry"
    type_text(qtbot, screen, "4829")
    assert screen.message.text() == "A two-factor code is the 6 digits the authenticator app shows"
    assert len(cloud.requests) == asked
    assert screen.page == "Location"
    # the right one signs in, and the list comes
    click(qtbot, screen.places_code)
    type_text(qtbot, screen, f"{TOTP[:3]} {TOTP[3:]}")
    qtbot.waitUntil(lambda: bool(place_buttons(screen)), timeout=5000)
    assert screen.message.text() == "Signed in with the two-factor code"
    assert not screen.places_code.isVisible()
    assert codes_sent(cloud) == [None, TOTP]
    click(qtbot, place_buttons(screen)["1204"])
    assert kiosk.config.kiosk.location == "1204"
    assert TOTP not in caplog.text
    assert TOTP not in event_path.read_text()
    assert TOTP not in config_path.read_text()  # used once, never kept


def test_a_code_nexudus_does_not_take_asks_again(
    qtbot: QtBot, build: Build, cloud: FakeNexudus
) -> None:
    kiosk = build(nexudus())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Backend"])
    assert screen.backend_code.isVisible()
    click(qtbot, screen.findChild(type(screen.places_code), "backend-code"))
    type_text(qtbot, screen, "000000")
    want = "Nexudus did not take that code; type the current one"
    qtbot.waitUntil(lambda: screen.message.text() == want, timeout=5000)
    click(qtbot, screen.nav["Location"])
    qtbot.waitUntil(lambda: want in screen.places_note.text(), timeout=5000)
    assert screen.places_code.isVisible()
    assert codes_sent(cloud) == [None, "000000"]  # and not again until staff type a code


def test_the_wizard_asks_for_the_code_at_the_location_step(
    qtbot: QtBot, build: Build, cloud: FakeNexudus
) -> None:
    kiosk = build(nexudus())
    open_staff(qtbot, kiosk)
    click(qtbot, kiosk.window.staff.findChild(type(kiosk.window.staff.close_button), "wizard"))
    wizard = kiosk.window.wizard
    assert kiosk.window.showing is wizard
    click(qtbot, wizard.next_button)  # the backend: Nexudus, as configured
    click(qtbot, wizard.next_button)  # its sign-in, already typed
    qtbot.waitUntil(lambda: ASKS in wizard.places_note.text(), timeout=5000)
    assert wizard.places_code.isVisible()
    click(qtbot, wizard.places_code)
    type_text(qtbot, wizard, TOTP)
    qtbot.waitUntil(lambda: bool(place_buttons(wizard)), timeout=5000)
    assert not wizard.places_code.isVisible()
    finish_wizard(qtbot, kiosk)
    assert kiosk.config.kiosk.location == "1204"
    assert codes_sent(cloud)[-1] == TOTP


def test_only_nexudus_offers_the_code(qtbot: QtBot, build: Build) -> None:
    kiosk: KioskApp = build(dataclasses.replace(nexudus(), backend=BackendSettings()))
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Backend"])
    assert not screen.backend_code.isVisible()
    with pytest.raises(BackendError) as refused:
        kiosk.use_code(TOTP)
    assert str(refused.value) == "Only a Nexudus admin sign-in takes a two-factor code"
