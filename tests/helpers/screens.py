"""Driving the kiosk's screens as a person would: clicks, the pads, the corner, the keyboard.

Widgets are found by what they show (their public buttons and rows), never through
accessors the package keeps only for tests.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.ui.keyboard import BACKSPACE, LAYER, SHIFT, Keyboard
from kiosk.ui.member.pinpad import PinScreen
from kiosk.ui.staff.auth import StaffPinScreen
from kiosk.ui.staff.fields import SecretRow, SettingRow
from kiosk.ui.staff.form import Form, PlaceList
from tests.helpers.kiosk import STAFF_PIN

CORNER = QPoint(10, 10)


def click(qtbot: QtBot, button: QWidget | None) -> None:
    """A left click on `button`, which must be there."""
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def texts(widget: QWidget) -> str:
    """Every label's text under `widget`, in order."""
    return " | ".join(label.text() for label in widget.findChildren(QLabel))


def type_pin(qtbot: QtBot, kiosk: KioskApp, digits: str) -> None:
    """Tap `digits` on the member PIN pad."""
    for digit in digits:
        click(qtbot, kiosk.window.pin.keys[digit])


def dots_filled(pad: PinScreen) -> int:
    """How many of the PIN pad's dots are filled (what the member sees)."""
    return pad.dots.count


def type_staff_pin(qtbot: QtBot, kiosk: KioskApp, digits: str) -> None:
    """Tap `digits` and OK on the staff PIN pad."""
    pad = kiosk.window.staff_pin.pad
    for digit in digits:
        click(qtbot, pad.keys[digit])
    click(qtbot, pad.ok)


def lock_message(screen: StaffPinScreen) -> str:
    """The words under the staff PIN pad (the countdown during a lockout)."""
    return screen.pad.message.text()


def open_staff(qtbot: QtBot, kiosk: KioskApp) -> None:
    """Ask for staff mode and type the right staff PIN."""
    kiosk.staff.staff.request()
    assert kiosk.window.showing is kiosk.window.staff_pin
    with qtbot.waitSignal(kiosk.staff.staff.view_changed):
        type_staff_pin(qtbot, kiosk, STAFF_PIN)
    assert kiosk.window.showing is kiosk.window.staff


def press_corner(kiosk: KioskApp, at: QPoint = CORNER) -> None:
    """Put a finger down at `at` (the staff corner by default)."""
    handle = kiosk.window.windowHandle()
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)


def release_corner(kiosk: KioskApp, at: QPoint = CORNER) -> None:
    """Lift the finger at `at`."""
    handle = kiosk.window.windowHandle()
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)


def setting_row(form: Form, key: str) -> SettingRow:
    """The editor of setting `key` on `form`."""
    row = form.rows[key]
    assert isinstance(row, SettingRow), f"{key} is a secret, not a setting"
    return row


def secret_row(form: Form, key: str) -> SecretRow:
    """The editor of secret `key` on `form`."""
    row = form.rows[key]
    assert isinstance(row, SecretRow), f"{key} is a setting, not a secret"
    return row


def place_buttons(screen: QWidget) -> dict[str, QPushButton]:
    """The location buttons shown on `screen`, by location id."""
    places = screen.findChild(PlaceList)
    assert places is not None, "no location list on this screen"
    return places.buttons


def type_text(qtbot: QtBot, form: Form, text: str) -> None:
    """Type on a staff screen's on-screen keyboard, as staff without a keyboard would."""
    keyboard = form.entry.keyboard
    field = form.entry.field
    for _ in range(len(field.text())):
        click(qtbot, keyboard.keys[BACKSPACE])
    for char in text:
        press_key(qtbot, keyboard, char)
    click(qtbot, form.entry.ok)


def press_key(qtbot: QtBot, keyboard: Keyboard, char: str) -> None:
    """Type `char` on the on-screen keyboard as a person would: to the digits and symbols
    and back, and shift, as needed."""
    name = "space" if char == " " else char.lower() if char.isalpha() else char
    key = keyboard.keys[name]
    if not key.isVisibleTo(keyboard):
        click(qtbot, keyboard.keys[LAYER])
    assert key.isVisibleTo(keyboard), f"no key {char!r} on either side of the keyboard"
    if char.isalpha() and char.isupper() != keyboard.shifted:
        click(qtbot, keyboard.keys[SHIFT])
    click(qtbot, key)


def finish_wizard(qtbot: QtBot, kiosk: KioskApp) -> None:
    """Press Next until the wizard is done (at most its four steps)."""
    wizard = kiosk.window.wizard
    for _ in range(4):
        if kiosk.window.showing is not wizard:
            return
        qtbot.waitUntil(wizard.next_button.isEnabled)
        click(qtbot, wizard.next_button)
    assert kiosk.window.showing is not wizard, wizard.message.text()


def switch_backend(qtbot: QtBot, kiosk: KioskApp, kind: str, typed: dict[str, str]) -> None:
    """Choose backend `kind` on the Backend page; the wizard asks for `typed` and a location."""
    click(qtbot, kiosk.window.staff.nav["Backend"])
    click(qtbot, setting_row(kiosk.window.staff, "backend.kind").buttons[kind])
    wizard = kiosk.window.wizard
    assert kiosk.window.showing is wizard
    for key, text in typed.items():
        click(qtbot, setting_row(wizard, key).buttons["change"])
        type_text(qtbot, wizard, text)
    finish_wizard(qtbot, kiosk)
    assert kiosk.window.showing is kiosk.window.staff
    assert kiosk.window.staff.page == "Backend"
