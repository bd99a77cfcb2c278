"""What a screen reader gets from the members' screens: a name for every control, in the
member's language, and each result, notice and message announced as it appears."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from kiosk.domain import Outcome, Reason, Status
from kiosk.flows.checkin import Screen, View
from kiosk.inputs.status import ReaderState
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, Language
from kiosk.ui.announce import QtAnnouncer
from kiosk.ui.window import KioskWindow
from scripts.screenshots import ATTEMPT, dispose, shown, states
from tests.fakes.announcer import RecordingAnnouncer

GLYPHS = set("⌫⇧●")  # drawn symbols a screen reader cannot say
MEMBER = [(name, view, extra) for name, view, extra in states() if not name.startswith("staff-")]


def _description(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Description) if face is not None else ""


def _name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    assert face is not None, widget.objectName()
    return face.text(QAccessible.Text.Name)


@pytest.mark.parametrize("language", [Language.EN, Language.DE])
def test_every_control_on_every_members_screen_has_a_name_and_says_what_it_does(
    qtbot: QtBot, language: Language
) -> None:
    nameless: list[str] = []
    for name, view, extra in MEMBER:
        config = extra.get("config", Config())
        assert isinstance(config, Config)
        config = with_value(config, "kiosk.language", language.value)
        window = shown(view, {**extra, "config": config}, 1280, 800)
        try:
            QApplication.processEvents()
            for widget in window.findChildren(QWidget):
                if not widget.isVisible() or not isinstance(widget, QAbstractButton | QLineEdit):
                    continue
                said = _name(widget).strip()
                if not said or set(said) <= GLYPHS:
                    nameless.append(f"{name}: {widget.objectName()} {said!r}")
                key = widget.objectName().startswith(("key-", "kb-"))  # a key says what it is
                field = isinstance(widget, QLineEdit)
                if not (key or field or _description(widget)):
                    nameless.append(f"{name}: {widget.objectName()} has no description")
        finally:
            dispose(window)
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not nameless, "\n".join(nameless)


def test_keys_drawn_as_symbols_are_named_in_the_members_language(qtbot: QtBot) -> None:
    window = KioskWindow(with_value(Config(), "kiosk.language", "fr"))
    qtbot.addWidget(window)
    assert _name(window.pin.keys["⌫"]) == "Effacer le dernier chiffre"
    assert _name(window.email.keyboard.keys["⇧"]) == "Majuscule"
    assert _name(window.email.address) == "Adresse e-mail"
    window.pin.press("1")
    window.pin.press("2")
    assert window.pin.dots.accessibleDescription() == "2 chiffres saisis"


def test_results_notices_and_messages_are_announced(qtbot: QtBot) -> None:
    heard = RecordingAnnouncer()
    window = KioskWindow(Config(), announcer=heard)
    qtbot.addWidget(window)
    outcome = Outcome(Status.REJECTED, reason=Reason.NO_VALID_PASS)
    window.show_view(View(Screen.RESULT, outcome, ATTEMPT, 5.0))
    assert heard.said[-1][0] == "result"
    assert heard.said[-1][1].startswith(window.result.title.text() + ". ")
    assert window.result.detail.text() in heard.said[-1][1]
    window.show_view(View(Screen.IDLE))

    window.idle.set_reader(ReaderState.NO_SERVICE)
    window.idle.set_reader(ReaderState.NO_SERVICE)  # said once, not at every refresh
    window.idle.set_backend(False)
    notices = [text for who, text in heard.said if who == "idle"]
    assert notices == ["Card reader unavailable — please use your PIN"]

    window.show_view(View(Screen.PIN))
    window.pin.press("1")
    window.pin.submit()
    assert heard.said[-1] == ("pin", "A PIN has 4 to 8 digits")


def test_the_qt_announcer_sets_the_words_and_raises_an_alert(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    QtAnnouncer().announce(widget, "Welcome, Ada")
    assert widget.accessibleDescription() == "Welcome, Ada"
