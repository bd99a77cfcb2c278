"""A keyboard-wedge scanner at the kiosk: key events with controlled timing into its window."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.domain import Credential, CredentialKind, Reason
from kiosk.flows.checkin import Screen
from kiosk.inputs.codes import LAYOUTS
from kiosk.inputs.reader import ReadFailure
from kiosk.inputs.wedge import WedgeFilter
from kiosk.passes import Issuer, Subject
from kiosk.settings.model import WedgeSettings
from kiosk.ui.member.idle import Method
from tests.fakes.backend import FakeBackend
from tests.helpers.kiosk import Build, events, settings

PASS = Issuer.generate().issue(Subject.member(7), datetime.now(UTC), timedelta(days=1))
KEYS = {"\r": Qt.Key.Key_Return, "\t": Qt.Key.Key_Tab}


class Keyboard:
    """Types into the kiosk's window as the windowing system would, with event times in ms."""

    def __init__(self, kiosk: KioskApp) -> None:
        window = kiosk.window.windowHandle()
        assert isinstance(window, QWindow)
        self.window = window
        self.ms = 100_000

    def type(self, text: str, every: int) -> None:
        for char in text:
            self.ms += every
            key = KEYS.get(char) or (
                Qt.Key(ord(char.upper())) if char.isascii() and char.isalnum() else Qt.Key.Key_Any
            )
            event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, char)
            event.setTimestamp(self.ms)
            QApplication.sendEvent(self.window, event)

    def scan(self, text: str, suffix: str = "\r") -> None:
        """A scanner: 3 ms a key."""
        self.type(text + suffix, 3)


def test_a_scanned_pass_is_checked_in(
    qtbot: QtBot, build: Build, backend: FakeBackend, event_path: Path
) -> None:
    kiosk = build()
    assert Method.SCAN not in kiosk.window.idle.methods  # no scanner seen yet
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        Keyboard(kiosk).scan(PASS)
    [request] = backend.requests
    assert (request.credential.kind, request.credential.value) == (CredentialKind.QR, PASS)
    assert request.credential.source == "wedge"
    assert kiosk.controller.view.screen is Screen.RESULT
    assert Method.SCAN in kiosk.window.idle.methods  # a scanner is evidently here
    logged = [e for e in events(event_path) if e["event"] == "credential"]
    assert logged[0]["kind"] == "qr"
    assert PASS not in event_path.read_text()


def test_a_scanner_without_suffix_is_checked_in_after_the_pause(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        Keyboard(kiosk).scan(PASS, suffix="")
    assert [r.credential.value for r in backend.requests] == [PASS]


def test_human_typing_still_reaches_the_pin_pad(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.window.pin.submitted, timeout=3000) as submitted:
        Keyboard(kiosk).type("12345\r", every=120)
    assert submitted.args == ["12345"]
    assert kiosk.wedge is not None
    assert kiosk.wedge.scans == 0


def test_a_burst_while_the_pin_pad_is_open_is_a_scan_not_digits(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    keyboard = Keyboard(kiosk)
    with qtbot.waitSignal(kiosk.window.pin.touched, timeout=3000):
        keyboard.type("9", every=200)  # a person opens the pad with a digit
    assert kiosk.controller.view.screen is Screen.PIN
    with qtbot.waitSignal(kiosk.controller.view_changed, timeout=3000) as changed:
        keyboard.scan("12345678")  # another system's numeric code
    outcome = changed.args[0].outcome
    assert outcome.reason is Reason.NOT_A_PASS
    assert backend.requests == []
    assert kiosk.window.pin._digits == []  # the scan typed nothing into the pad


def test_a_url_is_not_a_pass_and_never_reaches_the_backend(
    qtbot: QtBot, build: Build, backend: FakeBackend, event_path: Path
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.view_changed, timeout=3000) as changed:
        Keyboard(kiosk).scan("https://example.com/t/42")
    view = changed.args[0]
    assert view.outcome.reason is Reason.NOT_A_PASS
    assert view.outcome.reason.message == "This code is not a check-in pass"
    assert backend.requests == []
    [failed] = [e for e in events(event_path) if e["event"] == "read_failed"]
    assert failed["reason"] == "not_a_pass"
    assert "example.com" not in event_path.read_text()


def test_a_layout_mismatch_is_explained_to_staff_and_the_member_asked_to_retry(
    qtbot: QtBot, build: Build, backend: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk = build()
    layout = next(iter(LAYOUTS))
    arrived = {v: chr(k) for k, v in LAYOUTS[layout].items()}
    mangled = "".join(arrived.get(ord(c), c) for c in PASS)
    with (
        caplog.at_level(logging.WARNING, logger="kiosk.inputs.wedge"),
        qtbot.waitSignal(kiosk.controller.view_changed, timeout=3000) as changed,
    ):
        Keyboard(kiosk).scan(mangled)
    outcome = changed.args[0].outcome
    assert (outcome.reason.message, outcome.reason.hint) == (
        "Could not read this code",
        "Please try again.",
    )
    assert layout in caplog.text
    assert backend.requests == []


def test_two_passes_back_to_back(qtbot: QtBot, build: Build, backend: FakeBackend) -> None:
    other = Issuer.generate().issue(Subject.member(8), datetime.now(UTC), timedelta(days=1))
    kiosk = build(settings(result=5.0))
    assert kiosk.wedge is not None
    got: list[str] = []
    kiosk.wedge.scanned.connect(lambda credential: got.append(credential.value))
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        Keyboard(kiosk).scan(PASS + other, suffix="")
    assert got == [PASS, other]


def test_the_wedge_can_be_switched_off(qtbot: QtBot, build: Build, backend: FakeBackend) -> None:
    config = settings()
    config = type(config)(**{**config.__dict__, "wedge": WedgeSettings(enabled=False)})
    kiosk = build(config)
    assert kiosk.wedge is None
    with qtbot.waitSignal(kiosk.window.pin.touched, timeout=3000):
        Keyboard(kiosk).scan("12345")  # without the filter, digits open the PIN pad
    assert backend.requests == []


def test_a_scan_held_up_by_a_starved_event_loop_is_not_cut_in_two(
    qtbot: QtBot, build: Build
) -> None:
    """On a busy machine the pause timer can fire long after it was due while the rest of the
    scan (stamped 3 ms a key by the X server) still waits in the queue: the filter looks once
    more before it decides, and the scan arrives whole."""
    kiosk = build()
    now = [1000.0]
    wedge = WedgeFilter(WedgeSettings(gap_ms=30), clock=lambda: now[0], parent=kiosk.window)
    scanned: list[Credential] = []
    failed: list[ReadFailure] = []
    wedge.scanned.connect(scanned.append)
    wedge.failed.connect(failed.append)
    keyboard = Keyboard(kiosk)
    window = keyboard.window

    def key(char: str) -> None:
        keyboard.ms += 3
        code = Qt.Key.Key_Return if char == "\r" else Qt.Key(ord(char.upper()))
        event = QKeyEvent(QEvent.Type.KeyPress, code, Qt.KeyboardModifier.NoModifier, char)
        event.setTimestamp(keyboard.ms)
        assert wedge.eventFilter(window, event)  # held, not typed into the screen

    for char in PASS[:20]:
        key(char)
    now[0] += 2.0  # the kiosk was starved for two seconds
    wedge._paused()  # the timer fires, long after it was due
    assert (scanned, failed) == ([], [])  # not decided yet: the rest may be queued
    for char in PASS[20:] + "\r":
        key(char)
    assert [c.value for c in scanned] == [PASS]
    assert failed == []
    for char in "ABCDEFGH":  # a burst that really ended, on a loop held up for good
        key(char)
    for _ in range(2):
        now[0] += 1.5
        wedge._paused()  # put off while the loop is held up, 2 s at most
        assert failed == []
    now[0] += 1.5
    wedge._paused()  # then decided: it reads as nothing, and no rest comes
    qtbot.waitUntil(lambda: [f.reason for f in failed] == [Reason.NOT_A_PASS], timeout=3000)
    assert len(scanned) == 1


def test_a_scan_cut_by_pauses_into_pieces_is_read_whole(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    """A Bluetooth scanner's radio, or a busy machine, can stop a burst for longer than the
    gap: the first piece reads as nothing, so it waits for its rest; a piece too short to be a
    scan (three keys, then another pause) is part of that rest, not typing for the PIN pad."""
    kiosk = build()
    keyboard = Keyboard(kiosk)
    failed: list[ReadFailure] = []
    assert kiosk.wedge is not None
    kiosk.wedge.failed.connect(failed.append)
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000) as done:
        keyboard.type(PASS[:40], 3)
        keyboard.ms += 400  # a pause: the detector's gap is 30 ms
        keyboard.type(PASS[40:43], 3)
        keyboard.ms += 400
        keyboard.type(PASS[43:] + "\r", 3)
    assert done.args[0].credential.value == PASS
    assert failed == []
    assert backend.requests[0].credential.value == PASS
    assert kiosk.controller.view.screen is not Screen.PIN  # nothing was typed into the pad


def test_a_cut_scan_whose_rest_never_comes_is_said_once(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    assert kiosk.wedge is not None
    failed: list[ReadFailure] = []
    kiosk.wedge.failed.connect(failed.append)
    with qtbot.waitSignal(kiosk.wedge.failed, timeout=3000):
        Keyboard(kiosk).scan("HELLO-WORLD-NOT-A-PASS", suffix="")  # a scanner with no Enter
    assert [f.reason for f in failed] == [Reason.NOT_A_PASS]
    assert backend.requests == []
    with qtbot.waitSignal(kiosk.window.pin.touched, timeout=3000):
        Keyboard(kiosk).type("1", 200)  # a person, after it: typing again
