"""The setup wizard as staff meet it on a first start, and from staff mode, over the fake backend.

The embedded server's path (adding the first location to a real database) is in
tests/server/test_first_start.py.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.backends.base import Place
from kiosk.backends.registry import Choice
from kiosk.flows.checkin import Screen
from kiosk.flows.staff import StaffState
from kiosk.flows.wizard import Step
from kiosk.settings import staffpin
from kiosk.settings.model import BackendKind, load_config
from kiosk.settings.vault import Secret
from tests.fakes.backend import FakeBackend
from tests.fakes.vault import MemoryVault
from tests.helpers.kiosk import Build, events, protected, valid
from tests.helpers.screens import (
    click,
    finish_wizard,
    open_staff,
    place_buttons,
    secret_row,
    setting_row,
    type_staff_pin,
    type_text,
)


def first_start(qtbot: QtBot, build: Build) -> KioskApp:
    """A kiosk started with no configuration file: the staff PIN, then the wizard."""
    kiosk = build(valid())
    kiosk.first_start = True
    kiosk.staff.staff.setup(guided=kiosk.first_start)  # as start() does
    assert kiosk.window.showing is kiosk.window.staff_pin
    type_staff_pin(qtbot, kiosk, "135792")
    type_staff_pin(qtbot, kiosk, "135792")
    assert kiosk.window.showing is kiosk.window.wizard
    return kiosk


def step(kiosk: KioskApp) -> Step:
    return kiosk.staff.wizard.view.step


def next_(qtbot: QtBot, kiosk: KioskApp) -> None:
    wizard = kiosk.window.wizard
    qtbot.waitUntil(wizard.next_button.isEnabled)
    click(qtbot, wizard.next_button)


def test_first_start_the_staff_pin_then_the_embedded_server_preselected(
    qtbot: QtBot, build: Build, config_path: Path, event_path: Path
) -> None:
    kiosk = first_start(qtbot, build)
    wizard = kiosk.window.wizard
    assert step(kiosk) is Step.BACKEND
    assert wizard.options[Choice.EMBEDDED].property("selected") == "yes"
    assert wizard.message.text() == "The staff PIN is set"
    assert not wizard.back_button.isVisible()  # a first start cannot leave the wizard
    next_(qtbot, kiosk)  # the embedded server needs no sign-in
    assert step(kiosk) is Step.LOCATION
    qtbot.waitUntil(lambda: bool(place_buttons(wizard)))
    assert list(place_buttons(wizard)) == ["1"]
    assert not wizard.creating.isVisible()  # only the kiosk's own server takes new locations
    click(qtbot, setting_row(wizard, "kiosk.name").buttons["change"])
    type_text(qtbot, wizard, "Front desk")
    assert step(kiosk) is Step.LOCATION
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.READY
    assert "Members check in to: Demo Space (#1)" in wizard.summary.text()
    assert "This kiosk is called: Front desk" in wizard.summary.text()
    assert wizard.next_button.text() == "Start the kiosk"
    next_(qtbot, kiosk)
    assert kiosk.staff.staff.view.state is StaffState.CLOSED
    assert kiosk.window.showing is kiosk.window.idle
    saved = load_config(config_path)
    assert (saved.kiosk.location, saved.kiosk.name) == ("1", "Front desk")
    assert saved.backend.kind is BackendKind.LOCAL
    assert not saved.backend.url
    assert staffpin.verify_pin("135792", saved.staff.pin_hash)
    states = [e["state"] for e in events(event_path) if e["event"] == "staff"]
    assert states == ["setup", "wizard", "closed"]


def test_nexudus_asks_for_its_subdomain_and_keeps_the_password_secret(
    qtbot: QtBot, build: Build, config_path: Path, vault: MemoryVault
) -> None:
    kiosk = first_start(qtbot, build)
    wizard = kiosk.window.wizard
    click(qtbot, wizard.options[Choice.NEXUDUS])
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.SIGN_IN
    shown = {key for key, row in wizard.rows.items() if row.isVisible()}
    assert shown == {"backend.subdomain", "backend.username", Secret.PASSWORD.value}
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.SIGN_IN  # not without a subdomain
    assert wizard.message.text() == "Type the Nexudus subdomain first"
    assert wizard.message.property("state") == "bad"
    click(qtbot, setting_row(wizard, "backend.subdomain").buttons["change"])
    type_text(qtbot, wizard, "My Space")
    assert wizard.message.text().startswith("Not changed: backend.subdomain = 'My Space' must be")
    click(qtbot, setting_row(wizard, "backend.subdomain").buttons["change"])
    type_text(qtbot, wizard, "myspace")
    click(qtbot, setting_row(wizard, "backend.username").buttons["change"])
    type_text(qtbot, wizard, "admin@example.com")
    click(qtbot, secret_row(wizard, Secret.PASSWORD.value).change)
    type_text(qtbot, wizard, "Hunter2pw")
    assert secret_row(wizard, Secret.PASSWORD.value).shown.text() == "set"
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.LOCATION
    assert kiosk.config.backend.kind is BackendKind.NEXUDUS
    assert kiosk.config.backend.base_url == "https://myspace.spaces.nexudus.com"
    finish_wizard(qtbot, kiosk)
    saved = load_config(config_path)
    assert (saved.backend.subdomain, saved.backend.username) == ("myspace", "admin@example.com")
    assert saved.kiosk.location == "1"  # the only location, pinned
    assert vault.staff_secrets == {Secret.PASSWORD: "Hunter2pw"}
    assert "Hunter2pw" not in config_path.read_text()


def test_back_goes_one_step_back_and_kadence_asks_for_its_api_key(
    qtbot: QtBot, build: Build
) -> None:
    kiosk = first_start(qtbot, build)
    wizard = kiosk.window.wizard
    assert wizard.options[Choice.KADENCE].isEnabled()
    click(qtbot, wizard.options[Choice.KADENCE])
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.SIGN_IN
    assert wizard.rows["backend.client_id"].isVisible()
    assert wizard.rows[Secret.CLIENT_SECRET.value].isVisible()
    assert not wizard.rows["backend.subdomain"].isVisible()
    region = setting_row(wizard, "backend.region")
    assert region.isVisible()
    click(qtbot, region.buttons["us"])
    assert kiosk.config.backend.region.value == "us"
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.SIGN_IN  # not without the client id
    assert wizard.message.text() == "Type the Kadence client id first"
    click(qtbot, wizard.back_button)
    click(qtbot, wizard.options[Choice.SERVER])
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.SIGN_IN
    assert wizard.rows["backend.url"].isVisible()
    click(qtbot, setting_row(wizard, "backend.url").buttons["change"])
    type_text(qtbot, wizard, "http://checkin.lan:8750")
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.LOCATION
    for expected in (Step.SIGN_IN, Step.BACKEND):
        click(qtbot, wizard.back_button)
        assert step(kiosk) is expected
    click(qtbot, wizard.options[Choice.EMBEDDED])
    next_(qtbot, kiosk)
    assert step(kiosk) is Step.LOCATION  # the embedded server skips the sign-in…
    click(qtbot, wizard.back_button)
    assert step(kiosk) is Step.BACKEND  # …both ways
    assert kiosk.config.backend.url == ""  # the address is dropped with the server


def test_a_backend_without_locations_says_why_and_the_kiosk_still_starts(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    backend.online = False
    kiosk = first_start(qtbot, build)
    wizard = kiosk.window.wizard
    next_(qtbot, kiosk)
    qtbot.waitUntil(lambda: "cannot be listed" in wizard.places_note.text())
    assert wizard.places_note.text() == (
        "The backend's locations cannot be listed: the fake backend is offline"
    )
    backend.online = True
    click(qtbot, wizard.findChild(type(wizard.next_button), "wizard-reload"))
    qtbot.waitUntil(lambda: bool(place_buttons(wizard)))
    backend._places = [Place("1", "Demo Space"), Place("7", "Harbour Annex")]
    click(qtbot, wizard.findChild(type(wizard.next_button), "wizard-reload"))
    qtbot.waitUntil(lambda: "7" in place_buttons(wizard))
    click(qtbot, place_buttons(wizard)["7"])
    assert kiosk.config.kiosk.location == "7"
    assert place_buttons(wizard)["7"].property("selected") == "yes"
    next_(qtbot, kiosk)
    assert "Members check in to: Harbour Annex (#7)" in wizard.summary.text()


def test_staff_mode_runs_the_wizard_again_and_comes_back(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    staff = kiosk.window.staff
    click(qtbot, staff.findChild(type(staff.close_button), "wizard"))
    wizard = kiosk.window.wizard
    assert kiosk.window.showing is wizard
    assert wizard.back_button.text() == "Staff mode"
    click(qtbot, wizard.back_button)
    assert kiosk.window.showing is staff
    assert kiosk.staff.staff.view.state is StaffState.OPEN
    click(qtbot, staff.findChild(type(staff.close_button), "wizard"))
    next_(qtbot, kiosk)
    next_(qtbot, kiosk)
    assert wizard.next_button.text() == "Back to staff mode"
    next_(qtbot, kiosk)
    assert kiosk.window.showing is staff
    assert kiosk.controller.view.screen is Screen.IDLE


def test_the_wizard_closes_when_left_alone_once_a_pin_protects_the_kiosk(
    qtbot: QtBot, build: Build
) -> None:
    kiosk = first_start(qtbot, build)
    staff = kiosk.staff.staff
    staff.idle_close = 0.05
    staff.touched()
    with qtbot.waitSignal(staff.view_changed):
        pass
    assert staff.view.state is StaffState.CLOSED
    assert kiosk.window.showing is kiosk.window.idle
