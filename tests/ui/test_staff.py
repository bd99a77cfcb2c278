"""Staff mode as staff meet it: the corner, the staff PIN, the lockout, and every setting.

Settings are changed by clicking the staff screens and are then looked for in the TOML file
that staff mode wrote, read back through the model.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.domain import Action
from kiosk.flows.checkin import Screen
from kiosk.flows.staff import Leave, StaffState
from kiosk.settings import staffcard, staffpin
from kiosk.settings.file import COUNTED, value_of
from kiosk.settings.model import load_config
from kiosk.settings.vault import Secret
from kiosk.ui.staff.fields import SecretRow, SettingRow
from kiosk.ui.staff.screen import PAGES
from tests.fakes.backend import FakeBackend
from tests.fakes.pcsc import FakePcsc
from tests.fakes.vault import MemoryVault
from tests.helpers import cards
from tests.helpers.kiosk import HASH, READER, STAFF_PIN, Build, events, protected, valid
from tests.helpers.screens import (
    click,
    lock_message,
    open_staff,
    place_buttons,
    press_corner,
    release_corner,
    setting_row,
    switch_backend,
    type_pin,
    type_staff_pin,
    type_text,
)


def test_holding_the_corner_3_s_asks_for_the_staff_pin(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    with qtbot.waitSignal(kiosk.window.corner.held, timeout=4000):
        press_corner(kiosk)
    release_corner(kiosk)
    assert kiosk.staff.staff.view.state is StaffState.AUTH
    assert kiosk.window.showing is kiosk.window.staff_pin
    assert kiosk.window.staff_pin.pad.title.text() == "Staff PIN"


def test_a_short_press_or_a_press_elsewhere_does_nothing(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    with qtbot.assertNotEmitted(kiosk.window.corner.held, wait=3500):
        press_corner(kiosk)
        qtbot.waitUntil(lambda: kiosk.window.corner.holding)
        release_corner(kiosk)
        press_corner(kiosk, QPoint(400, 300))
        assert not kiosk.window.corner.holding
        release_corner(kiosk, QPoint(400, 300))
    assert kiosk.window.showing is kiosk.window.idle


def test_the_right_pin_opens_staff_mode_and_close_goes_back(
    qtbot: QtBot, build: Build, event_path: Path
) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    with qtbot.waitSignal(kiosk.staff.staff.view_changed):
        click(qtbot, kiosk.window.staff.close_button)
    assert kiosk.window.showing is kiosk.window.idle
    states = [e["state"] for e in events(event_path) if e["event"] == "staff"]
    assert states == ["auth", "open", "closed"]
    assert STAFF_PIN not in event_path.read_text()


def test_five_wrong_pins_lock_staff_mode_with_a_countdown(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    staff = kiosk.staff.staff
    staff.request()
    for left in (4, 3, 2, 1):
        type_staff_pin(qtbot, kiosk, "1111")
        assert kiosk.window.staff_pin.pad.message.text() == (
            f"Wrong PIN · {left} {'try' if left == 1 else 'tries'} left"
        )
    type_staff_pin(qtbot, kiosk, "1111")
    assert staff.view.state is StaffState.LOCKED
    assert lock_message(kiosk.window.staff_pin) == "Too many wrong PINs · try again in 60 s"
    assert not kiosk.window.staff_pin.pad.keys["1"].isEnabled()
    type_staff_pin(qtbot, kiosk, STAFF_PIN)  # the keys are off: nothing reaches the gate
    assert staff.view.state is StaffState.LOCKED
    staff.enter_pin(STAFF_PIN)  # and the gate refuses even the right PIN while locked
    assert staff.view.state is StaffState.LOCKED
    with qtbot.waitSignal(kiosk.window.staff_pin._countdown.timeout, timeout=2000):
        pass
    assert lock_message(kiosk.window.staff_pin) == "Too many wrong PINs · try again in 59 s"


def test_staff_mode_closes_itself_when_left_alone(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    kiosk.staff.staff.idle_close = 0.3
    open_staff(qtbot, kiosk)
    with qtbot.waitSignal(
        kiosk.staff.staff.view_changed,
        check_params_cb=lambda v: v.state is StaffState.CLOSED,
        timeout=2000,
    ):
        pass
    assert kiosk.window.showing is kiosk.window.idle


def test_a_staff_card_opens_staff_mode_and_a_member_card_does_not(
    qtbot: QtBot, build: Build, pcsc: FakePcsc, backend: FakeBackend
) -> None:
    kiosk = build(protected(staff__cards=["04a1b2c3"]))
    staff = kiosk.staff.staff
    staff.request()
    with qtbot.waitSignal(staff.view_changed):
        pcsc.place(READER, cards.fake_card(cards.card(bytes.fromhex("0BADCAFE"))))
    assert staff.view.message == "This is not a staff card"
    pcsc.remove(READER)
    with qtbot.waitSignal(staff.view_changed, check_params_cb=lambda v: v.state is StaffState.OPEN):
        pcsc.place(READER, cards.fake_card(cards.card(bytes.fromhex("04A1B2C3"))))
    assert backend.requests == []  # no check-in while staff mode shows
    info = kiosk.window.staff.tap_result.text()
    assert "hex           04A1B2C3   ← in use" in info
    assert "wiegand26" in info


def test_no_check_ins_while_staff_mode_shows(
    qtbot: QtBot, build: Build, pcsc: FakePcsc, backend: FakeBackend
) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    with qtbot.waitSignal(kiosk.reader.tapped):
        pcsc.place(READER, cards.fake_card(cards.card(bytes.fromhex("04A1B2C3D4E5F6"))))
    assert backend.requests == []
    assert kiosk.controller.view.screen is Screen.IDLE
    assert "04A1B2C3D4E5F6" in kiosk.window.staff.tap_result.text()


def _new_value(row: SettingRow) -> tuple[str, Any]:
    """A button to press (or a text to type) that changes `row`'s setting, and the result."""
    spec, value = row.spec, row.value
    if spec.kind is bool:
        return ("false" if value else "true"), not value
    if spec.choices:
        assert isinstance(value, enum.Enum)
        current = value.value
        choice = next(c for c in spec.choices if c != current and c != "kadence")
        return choice, choice
    if isinstance(value, int | float):
        up = spec.hi is None or value < spec.hi
        return ("plus" if up else "minus"), None
    return "text", TEXTS[spec.key]


TEXTS: dict[str, Any] = {
    "kiosk.name": "Front desk",
    "kiosk.locale": "en_US",
    "backend.url": "http://checkin.lan:8750",
    "backend.db": "/srv/kiosk/checkin.db",
    "backend.ca_file": "/etc/kiosk/site-ca.pem",
    "backend.subdomain": "myspace",
    "backend.username": "admin@example.com",
    "backend.client_id": "client-1",
    "backend.pin_field": "PinCode",
    "reader.name_filter": "ACR122",
    "reader.phone_aid": "A0000000031010",
    "camera.device": "usb",
    "staff.cards": ("04A1B2C3", "0A0B0C0D"),
    "branding.logo": "/srv/kiosk/logo.png",
    "branding.accent": "#0b7a75",
    "branding.welcome": "Welcome to Harbour Works",
    "branding.background": "http://intranet.lan/lobby.jpg",
}


def test_every_setting_changed_on_screen_is_saved_and_read_back(
    qtbot: QtBot, build: Build, config_path: Path
) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    expected: dict[str, Any] = {}
    for title, keys in PAGES:
        _change_visible(qtbot, kiosk, title, keys, expected)
    # another backend is chosen through the wizard, which asks for its sign-in
    switch_backend(qtbot, kiosk, "nexudus", {"backend.subdomain": "otherspace"})
    _change_visible(qtbot, kiosk, "Backend", ("backend.subdomain", "backend.username"), expected)
    # the embedded server's settings show again when the backend is set back to it; choosing
    # Nexudus cleared the server address (it would win over the subdomain)
    switch_backend(qtbot, kiosk, "local", {})
    assert not kiosk.config.backend.url
    assert kiosk.window.staff.rows["backend.db"].isVisible()
    _change_visible(qtbot, kiosk, "Backend", ("backend.url",), expected)
    expected["backend.kind"] = kiosk.config.backend.kind
    saved = load_config(config_path)
    everything = {k for _, keys in PAGES for k in keys if k not in {s.value for s in Secret}}
    assert set(expected) == everything - {"backend.client_id"}  # Kadence comes in a later version
    for key, value in expected.items():
        assert value_of(saved, key) == value, key
    assert value_of(saved, "staff.pin_hash") == HASH


def _change_visible(
    qtbot: QtBot, kiosk: KioskApp, title: str, keys: tuple[str, ...], expected: dict[str, Any]
) -> None:
    """Change every setting shown on page `title` by clicking, noting what it became."""
    screen = kiosk.window.staff
    click(qtbot, screen.nav[title])
    for key in keys:
        row = screen.rows[str(key)]
        if isinstance(row, SecretRow) or not row.isVisible() or key == "backend.kind":
            continue
        before = row.value
        name, value = _new_value(row)
        if name == "text":
            click(qtbot, row.buttons["change"])
            assert screen.page == "entry"
            type_text(
                qtbot, kiosk.window.staff, ", ".join(value) if isinstance(value, tuple) else value
            )
        else:
            click(qtbot, row.buttons[name])
        assert screen.message.text() == f"Saved {key}", key
        assert row.value != before, key
        expected[key] = row.value
        if key in COUNTED:  # kept as hashes
            assert isinstance(row.value, tuple)
            assert all(staffcard.matches({card}, row.value) for card in value)
        elif value is not None:
            assert str(getattr(row.value, "value", row.value)) == str(value)


def test_backend_settings_show_for_their_backend(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Backend"])
    assert screen.rows["backend.url"].isVisible()
    assert not screen.rows["backend.subdomain"].isVisible()
    switch_backend(qtbot, kiosk, "nexudus", {"backend.subdomain": "myspace"})
    assert screen.rows["backend.subdomain"].isVisible()
    assert screen.rows[Secret.PASSWORD.value].isVisible()
    assert not screen.rows["backend.url"].isVisible()
    switch_backend(qtbot, kiosk, "kadence", {"backend.client_id": "kiosk-client"})
    assert screen.rows["backend.client_id"].isVisible()
    assert screen.rows[Secret.CLIENT_SECRET.value].isVisible()
    assert not screen.rows["backend.subdomain"].isVisible()
    assert kiosk.config.backend.kind.value == "kadence"


def test_a_change_applies_at_once(qtbot: QtBot, build: Build, backend: FakeBackend) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    click(qtbot, setting_row(kiosk.window.staff, "kiosk.mode").buttons["in"])
    click(qtbot, setting_row(kiosk.window.staff, "pin.length").buttons["plus"])
    click(qtbot, kiosk.window.staff.close_button)
    assert kiosk.window.pin.length == 6
    click(qtbot, kiosk.window.idle.pin)
    type_pin(qtbot, kiosk, "123456")
    with qtbot.waitSignal(kiosk.controller.finished):
        click(qtbot, kiosk.window.pin.ok)
    assert backend.requests[-1].action is Action.IN


def test_invalid_values_are_refused_with_a_message(
    qtbot: QtBot, build: Build, config_path: Path
) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Reader"])
    click(qtbot, setting_row(screen, "reader.phone_aid").buttons["change"])
    type_text(qtbot, kiosk.window.staff, "F04B")
    assert screen.message.text() == (
        "Not changed: reader.phone_aid = 'F04B' must be an AID of 5 to 16 bytes in hex, "
        "like F04B494F534B01"
    )
    assert kiosk.config.reader.phone_aid == "F04B494F534B01"
    assert not config_path.exists()


def test_secrets_go_to_the_vault_never_the_file(
    qtbot: QtBot, build: Build, config_path: Path, vault: MemoryVault, event_path: Path
) -> None:
    kiosk = build(protected(backend__subdomain="myspace", backend__kind="nexudus"))
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Backend"])
    row = screen.rows[Secret.PASSWORD.value]
    assert isinstance(row, SecretRow)
    assert row.shown.text() == "not set"
    click(qtbot, row.change)
    assert screen.entry.field.echoMode() is screen.entry.field.EchoMode.Password
    type_text(qtbot, kiosk.window.staff, "Hunter2pw")
    click(qtbot, setting_row(screen, "backend.username").buttons["change"])
    type_text(qtbot, kiosk.window.staff, "admin@example.com")
    assert load_config(config_path).backend.username == "admin@example.com"
    assert vault.staff_secrets == {Secret.PASSWORD: "Hunter2pw"}
    assert row.shown.text() == "set"
    assert "Hunter2pw" not in config_path.read_text()
    assert "Hunter2pw" not in event_path.read_text()
    assert "Hunter2pw" not in screen.message.text()


def test_without_a_staff_pin_the_kiosk_asks_for_one_first(
    qtbot: QtBot, build: Build, config_path: Path
) -> None:
    kiosk = build(valid())
    staff = kiosk.staff.staff
    staff.setup()
    assert kiosk.window.showing is kiosk.window.staff_pin
    assert not kiosk.window.staff_pin.pad.cancel.isVisible()
    staff.close()  # cannot be left unprotected
    assert staff.view.state is StaffState.SETUP
    type_staff_pin(qtbot, kiosk, "135792")
    assert kiosk.window.staff_pin.pad.title.text() == "Type the same PIN again"
    type_staff_pin(qtbot, kiosk, "135793")
    assert staff.view.message == "The two PINs differ · please start again"
    type_staff_pin(qtbot, kiosk, "135792")
    type_staff_pin(qtbot, kiosk, "135792")
    assert staff.view.state is StaffState.OPEN
    assert staffpin.verify_pin("135792", load_config(config_path).staff.pin_hash)
    assert "135792" not in config_path.read_text()


def test_staff_can_change_the_staff_pin_and_add_a_staff_card(
    qtbot: QtBot, build: Build, config_path: Path, pcsc: FakePcsc
) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Staff"])
    with qtbot.waitSignal(kiosk.reader.tapped):
        pcsc.place(READER, cards.fake_card(cards.card(bytes.fromhex("04A1B2C3"))))
    click(qtbot, screen.card_add)
    stored = load_config(config_path).staff.cards
    assert len(stored) == 1
    assert staffcard.is_hash(stored[0])
    assert staffcard.matches({"04a1b2c3"}, stored)
    assert screen.rows["staff.cards"].shown.text() == "1 set"
    click(qtbot, screen.findChild(type(screen.card_add), "change-staff-pin"))
    assert kiosk.window.showing is kiosk.window.staff_pin
    type_staff_pin(qtbot, kiosk, "975312")
    type_staff_pin(qtbot, kiosk, "975312")
    assert kiosk.window.showing is screen
    assert screen.message.text() == "The staff PIN is changed"
    assert staffpin.verify_pin("975312", load_config(config_path).staff.pin_hash)


@pytest.mark.parametrize(("button", "how"), [("exit", Leave.EXIT), ("restart", Leave.RESTART)])
def test_exit_and_restart(qtbot: QtBot, build: Build, button: str, how: Leave) -> None:
    kiosk = build(protected())
    asked: list[bool] = []
    kiosk.on_leave = lambda: asked.append(True)
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    widget = screen.findChild(type(screen.close_button), button)
    assert widget is not None
    click(qtbot, widget)
    if how is Leave.EXIT:  # asked first: members cannot check in until it is started again
        assert (kiosk.leaving, asked) == (None, [])
        assert widget.text() == "Tap again to exit"
        assert screen.message.text().startswith("Exit the kiosk?")
        click(qtbot, widget)
    assert (kiosk.leaving, asked) == (how, [True])


def test_exit_unconfirmed_is_forgotten(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    screen.exit_armed.setInterval(100)
    click(qtbot, screen.exit_button)
    with qtbot.waitSignal(screen.exit_armed.timeout, timeout=2000):
        pass
    assert screen.exit_button.text() == "Exit kiosk"
    click(qtbot, screen.exit_button)  # a first tap again: it asks, nothing more
    assert kiosk.leaving is None


def test_the_health_page_says_why_the_backend_cannot_be_reached(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    why = "the backend's certificate has expired by this kiosk's clock: check the kiosk's date"
    health = dataclasses.replace(kiosk.staff.health(), online=False, problem=why)
    kiosk.window.staff.show_health(health, lambda moment: moment.isoformat())
    assert f"FakeBackend · offline ({why}) · last answer" in kiosk.window.staff.health.text()


def test_health_and_who_is_in(qtbot: QtBot, build: Build, config_path: Path) -> None:
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Health"])
    qtbot.waitUntil(lambda: "Reader: ready" in screen.health.text())
    text = screen.health.text()
    assert f"Configuration: {config_path}" in text
    assert "Check-in backend: FakeBackend · online" in text
    assert "Secrets: memory" in text
    assert "Clock: not compared yet" in text  # the fake backend sends no Date
    kiosk.host.clock.skew = -200.0
    click(qtbot, screen.nav["Check-in"])
    click(qtbot, screen.nav["Health"])
    qtbot.waitUntil(lambda: "3 min 20 s ahead of the check-in backend" in screen.health.text())
    click(qtbot, screen.nav["Who's in"])
    qtbot.waitUntil(lambda: bool(screen.people.text()))
    assert screen.people.text() == "This backend does not offer this list."
    click(qtbot, screen.nav["Location"])
    qtbot.waitUntil(lambda: bool(place_buttons(screen)))
    click(qtbot, place_buttons(screen)["1"])
    assert kiosk.config.kiosk.location == "1"


def test_staff_keys_typed_on_a_keyboard_reach_the_staff_pad(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    kiosk.staff.staff.request()
    with qtbot.waitSignal(kiosk.staff.staff.view_changed):
        for digit in STAFF_PIN:
            QTest.keyClicks(kiosk.window, digit)
        QTest.keyClick(kiosk.window, Qt.Key.Key_Return)
    assert kiosk.staff.staff.view.state is StaffState.OPEN
    assert kiosk.controller.view.screen is Screen.IDLE  # the member PIN pad stayed shut


def test_the_staff_pad_shows_a_dot_per_digit_typed_and_asks_for_6_for_a_new_pin(
    qtbot: QtBot, build: Build
) -> None:
    """The staff PIN's length is not known: no empty rings; a new PIN needs 6 digits, while
    the PIN that opens may be a shorter one from an earlier version."""
    kiosk = build(protected())
    pad = kiosk.window.staff_pin.pad
    kiosk.staff.staff.request()
    assert (pad.dots.count, pad.dots.expected) == (0, 0)
    for digit in "2468":
        click(qtbot, pad.keys[digit])
    assert (pad.dots.count, pad.dots.expected) == (4, 0)
    assert pad.ok.isEnabled()  # an older 4-digit PIN may open
    click(qtbot, pad.keys["Clear"])
    type_staff_pin(qtbot, kiosk, STAFF_PIN)
    kiosk.window.ask_new_staff_pin()
    for digit in "24680":
        click(qtbot, pad.keys[digit])
    assert not pad.ok.isEnabled()
    pad.submit()
    assert pad.message.text() == "A PIN has 6 to 8 digits"
    click(qtbot, pad.keys["1"])
    assert pad.ok.isEnabled()
