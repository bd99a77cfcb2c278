"""A member on their way, before any credential: a touch on the idle screen, a card arriving on
the reader (said before its UID is read) and a scanner's first key are each said, and the
kiosk hands them to the controller (`coming`), which readies the backend's connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.domain import CredentialKind
from kiosk.passes import Issuer, Subject
from tests.fakes.pcsc import FakePcsc
from tests.helpers import cards
from tests.helpers.kiosk import READER, Build


def test_a_touch_on_the_idle_screen_says_a_member_is_coming(qtbot: QtBot, build: Build) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.window.idle_touched, timeout=2000):
        qtbot.mousePress(kiosk.window.idle, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))


def test_a_card_arriving_is_said_before_it_is_read(
    qtbot: QtBot, build: Build, pcsc: FakePcsc
) -> None:
    kiosk = build()
    heard: list[tuple[str, object]] = []
    kiosk.reader.arriving.connect(lambda reader: heard.append(("arriving", reader)))
    kiosk.reader.tapped.connect(lambda credential: heard.append(("tapped", credential.kind)))
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        pcsc.place(READER, cards.fake_card(cards.card(bytes.fromhex("04A1B2C3"))))
    assert heard == [("arriving", READER), ("tapped", CredentialKind.CARD)]


def test_a_scanners_first_key_is_said_once(qtbot: QtBot, build: Build) -> None:
    kiosk = build()
    assert kiosk.wedge is not None
    started: list[bool] = []
    kiosk.wedge.started.connect(lambda: started.append(True))
    code = Issuer.generate().issue(Subject.member(7), datetime.now(UTC), timedelta(days=1))
    window = kiosk.window.windowHandle()
    assert isinstance(window, QWindow)
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        for ms, char in enumerate(code + "\r"):
            key = Qt.Key.Key_Return if char == "\r" else Qt.Key(ord(char.upper()))
            event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, char)
            event.setTimestamp(100_000 + 3 * ms)  # 3 ms a key, as a scanner types
            QApplication.sendEvent(window, event)
    assert started == [True]
