"""The kiosk as a member meets it: clicks and key presses in, screens and event-log lines out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.domain import Action, Credential, CredentialKind, Outcome, Reason, Status
from kiosk.flows.checkin import Screen, View
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, Language, Mode
from kiosk.ui.member.idle import Method
from kiosk.ui.member.pinpad import BACKSPACE
from kiosk.ui.window import KioskWindow
from tests.fakes.backend import FakeBackend, IdentifyingBackend
from tests.helpers.kiosk import Build, events, settings
from tests.helpers.screens import click, dots_filled, texts, type_pin


def test_pin_by_clicks_checks_in_and_greets_by_first_name(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    expire = datetime.now(UTC) + timedelta(hours=3, minutes=5, seconds=30)
    backend.answer = lambda r: Outcome(
        Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire
    )
    kiosk = build()
    click(qtbot, kiosk.window.idle.pin)
    assert kiosk.window.view.screen is Screen.PIN
    type_pin(qtbot, kiosk, "12345")
    assert kiosk.window.pin.dots.count == 5
    with qtbot.waitSignal(
        kiosk.window.painted, check_params_cb=lambda v: v.screen is Screen.RESULT
    ):
        click(qtbot, kiosk.window.pin.ok)
    request = backend.requests[0]
    assert (request.credential.kind, request.credential.value) == (CredentialKind.PIN, "12345")
    assert request.credential.source == "pinpad"
    assert kiosk.window.result.title.text() == "Welcome, Ada"
    assert kiosk.window.result.detail.text().startswith("Checked in until ")
    assert kiosk.window.result.detail.text().endswith("3 h 5 min left")
    assert dots_filled(kiosk.window.pin) == 0


def test_digits_typed_at_idle_start_pin_entry_and_enter_submits(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    qtbot.keyClicks(kiosk.window, "2345")
    assert kiosk.window.view.screen is Screen.PIN
    qtbot.keyClick(kiosk.window, Qt.Key.Key_Backspace)
    qtbot.keyClicks(kiosk.window, "5", Qt.KeyboardModifier.KeypadModifier)
    qtbot.keyClicks(kiosk.window, "6")
    with qtbot.waitSignal(kiosk.controller.finished):
        qtbot.keyClick(kiosk.window, Qt.Key.Key_Return)
    assert backend.requests[0].credential.value == "23456"


def test_pin_pad_keys_clear_backspace_and_limits(qtbot: QtBot, build: Build) -> None:
    kiosk = build()
    kiosk.controller.open_pin()
    pad = kiosk.window.pin
    type_pin(qtbot, kiosk, "123456789")
    assert dots_filled(pad) == 8
    click(qtbot, pad.keys[BACKSPACE])
    assert dots_filled(pad) == 7
    click(qtbot, pad.keys["Clear"])
    assert dots_filled(pad) == 0
    type_pin(qtbot, kiosk, "123")
    assert not pad.ok.isEnabled()
    with qtbot.assertNotEmitted(pad.submitted):
        qtbot.keyClick(kiosk.window, Qt.Key.Key_Enter)
    assert "4 to 8 digits" in pad.message.text()
    qtbot.keyClick(kiosk.window, Qt.Key.Key_Escape)
    assert kiosk.window.view.screen is Screen.IDLE
    assert dots_filled(pad) == 0


def test_submit_on_reaching_the_configured_length(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    config = settings()
    config = type(config)(
        config.kiosk,
        type(config.pin)(length=4, submit_on_length=True),
        config.timeouts,
        config.backend,
    )
    kiosk = build(config)
    with qtbot.waitSignal(kiosk.controller.finished):
        qtbot.keyClicks(kiosk.window, "4321")
    assert backend.requests[0].credential.value == "4321"


def test_pin_pad_returns_to_idle_without_input(qtbot: QtBot, build: Build) -> None:
    kiosk = build(settings(pin=0.3))
    qtbot.keyClicks(kiosk.window, "12")
    with qtbot.waitSignal(kiosk.controller.view_changed, timeout=3000):
        pass
    assert kiosk.window.view.screen is Screen.IDLE
    assert dots_filled(kiosk.window.pin) == 0


def test_result_goes_back_to_idle_and_leaves_no_personal_data(
    qtbot: QtBot, build: Build, event_path: Path
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.CARD, "04A1B2"))
    assert "Ada" in texts(kiosk.window.result)
    with qtbot.waitSignal(
        kiosk.window.painted, timeout=3000, check_params_cb=lambda v: v.screen is Screen.IDLE
    ):
        pass
    assert "Ada" not in texts(kiosk.window.result)
    assert [e["name"] for e in events(event_path) if e["event"] == "screen"] == [
        "idle",
        "result",
        "idle",
    ]


@pytest.mark.parametrize("status", [Status.CHECKED_IN, Status.CHECKED_OUT, Status.QUEUED])
def test_every_status_is_rendered(
    qtbot: QtBot, build: Build, backend: FakeBackend, status: Status
) -> None:
    backend.answer = lambda r: Outcome(status, member="Ben Okafor")
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.CARD, "04"))
    title = kiosk.window.result.title.text()
    assert title.endswith(", Ben")
    assert title.split(",")[0] in {"Welcome", "Goodbye", "Thank you"}
    assert kiosk.window.result.detail.text()


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_is_rendered_in_plain_words_never_raw(
    qtbot: QtBot, build: Build, backend: FakeBackend, reason: Reason
) -> None:
    raw = "Traceback (most recent call last): KeyError 'Value' HTTP 500"
    backend.answer = lambda r: Outcome(Status.REJECTED, reason=reason, raw_message=raw)
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.CARD, "04"))
    shown = texts(kiosk.window.result)
    assert kiosk.window.result.title.text() == reason.message
    assert reason.hint in shown
    assert "Traceback" not in shown
    assert "HTTP" not in shown
    assert kiosk.window.result.title.property("tone") in {"refused", "problem", "info"}


def test_busy_screen_only_when_the_backend_is_slow(
    qtbot: QtBot, build: Build, backend: FakeBackend, event_path: Path
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.CARD, "01"))
    backend.delay = 0.5
    with qtbot.waitSignal(kiosk.window.painted, check_params_cb=lambda v: v.screen is Screen.BUSY):
        kiosk.controller.present(Credential(CredentialKind.CARD, "02"))
    assert kiosk.window.busy.spinner._timer.isActive()
    with qtbot.waitSignal(
        kiosk.window.painted, check_params_cb=lambda v: v.screen is Screen.RESULT
    ):
        pass
    assert not kiosk.window.busy.spinner._timer.isActive()
    screens = [e["name"] for e in events(event_path) if e["event"] == "screen"]
    assert screens[:4] == ["idle", "result", "busy", "result"]


def test_a_double_read_is_ignored_in_toggle_mode(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    card = Credential(CredentialKind.CARD, "04A1B2")
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(card)
    with qtbot.assertNotEmitted(kiosk.controller.finished, wait=300):
        kiosk.controller.present(Credential(CredentialKind.CARD, "04A1B2"))
    assert len(backend.requests) == 1
    assert kiosk.window.result.title.text() == "Welcome, Ada"


def test_ask_mode_buttons(qtbot: QtBot, build: Build, backend: FakeBackend) -> None:
    backend.answer = lambda r: Outcome(Status.CHECKED_OUT, member="Ada Lovelace")
    kiosk = build(settings(Mode.ASK))
    kiosk.controller.present(Credential(CredentialKind.CARD, "04"))
    assert kiosk.window.view.screen is Screen.ASK
    with qtbot.waitSignal(kiosk.controller.finished):
        click(qtbot, kiosk.window.ask.check_out)
    assert backend.requests[0].action is Action.OUT
    assert kiosk.window.result.title.text() == "Goodbye, Ada"


@pytest.mark.parametrize(
    ("language", "question"),
    [(Language.EN, "Ada, arriving or leaving?"), (Language.DE, "Ada, kommen oder gehen?")],
)
def test_ask_mode_asks_the_member_by_name(
    qtbot: QtBot, build: Build, language: Language, question: str
) -> None:
    config = with_value(settings(Mode.ASK), "kiosk.language", language.value)
    kiosk = build(config)
    backend = IdentifyingBackend()
    kiosk.controller.use_backend(backend)
    kiosk.controller.present(Credential(CredentialKind.CARD, "04"))
    qtbot.waitUntil(lambda: kiosk.window.ask.title.text() == question)
    assert backend.requests == []
    click(qtbot, kiosk.window.ask.cancel)
    kiosk.controller.present(Credential(CredentialKind.CARD, "05"))
    assert kiosk.window.ask.title.text() != question  # nobody named until the backend says


def test_close_requests_are_ignored_until_allowed(qtbot: QtBot, build: Build) -> None:
    kiosk = build()
    event = QCloseEvent()
    kiosk.window.closeEvent(event)
    assert not event.isAccepted()
    assert not kiosk.window.close()
    assert kiosk.window.isVisible()
    assert kiosk.window.contextMenuPolicy() is Qt.ContextMenuPolicy.NoContextMenu
    kiosk.window.allow_close = True
    assert kiosk.window.close()


def test_event_log_lines(
    qtbot: QtBot,
    build: Build,
    backend: FakeBackend,
    event_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    expire = datetime(2030, 1, 1, 17, 0, tzinfo=UTC)
    backend.answer = lambda r: Outcome(
        Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire
    )
    kiosk = build()
    qtbot.keyClicks(kiosk.window, "98765")
    with qtbot.waitSignal(
        kiosk.window.painted, check_params_cb=lambda v: v.screen is Screen.RESULT
    ):
        qtbot.keyClick(kiosk.window, Qt.Key.Key_Return)
    lines = events(event_path)
    names = [line["event"] for line in lines]
    assert names.index("ready") == names.index("screen") + 1
    assert "98765" not in event_path.read_text()
    assert "98765" not in caplog.text
    credential = next(line for line in lines if line["event"] == "credential")
    assert credential == {**credential, "kind": "pin", "source": "pinpad", "value": "•••••"}
    outcome = next(line for line in lines if line["event"] == "outcome")
    assert outcome["status"] == "checked_in"
    assert outcome["member"] == "Ada Lovelace"
    assert outcome["session_expire"] == "2030-01-01T17:00:00Z"
    assert 0 < outcome["latency_ms"] < 5000
    assert all(isinstance(line["t"], float) for line in lines)


def test_idle_shows_place_methods_and_backend_state(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build()
    qtbot.waitUntil(lambda: kiosk.window.idle.place.text() == "Demo Space")
    assert kiosk.window.idle.pin.isVisibleTo(kiosk.window)
    kiosk.window.set_methods({Method.TAP})
    assert not kiosk.window.idle.pin.isVisibleTo(kiosk.window)
    assert "Tap your card or phone" in texts(kiosk.window.idle)
    kiosk.window.idle.set_backend(False)
    assert "offline" in kiosk.window.idle.states["backend"]
    assert kiosk.window.idle.status.state == "bad"  # for staff: check-ins are kept, members
    assert not kiosk.window.idle.notice.isVisibleTo(kiosk.window)  # need not be told


def test_a_new_credential_on_the_result_screen_checks_at_once(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    names = iter(["Ada Lovelace", "Ben Okafor"])
    backend.answer = lambda r: Outcome(Status.CHECKED_IN, member=next(names))
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.CARD, "01"))
    assert kiosk.window.view.screen is Screen.RESULT
    with qtbot.waitSignal(kiosk.controller.finished):
        qtbot.keyClicks(kiosk.window, "11111")
        qtbot.keyClick(kiosk.window, Qt.Key.Key_Return)
    assert kiosk.window.result.title.text() == "Welcome, Ben"


def test_portrait_and_landscape_layouts_fit(qtbot: QtBot, build: Build) -> None:
    kiosk = build()
    for width, height in [(1280, 800), (800, 1280), (1920, 1080)]:
        kiosk.window.resize(width, height)
        qtbot.waitUntil(lambda: kiosk.window.width() == width)  # noqa: B023
        for screen in (Screen.IDLE, Screen.PIN, Screen.ASK):
            kiosk.window.show_view(View(screen))
            hint = kiosk.window.screens[screen].minimumSizeHint()
            assert hint.width() <= width, (screen, width, hint)
            assert hint.height() <= height, (screen, height, hint)
        for key in kiosk.window.pin.keys.values():
            assert min(key.width(), key.height()) >= 72 or not key.isVisible()


@pytest.mark.parametrize("language", list(Language))
def test_four_ways_to_check_in_fit_side_by_side_in_every_language(
    qtbot: QtBot, language: Language
) -> None:
    window = KioskWindow(with_value(Config(), "kiosk.language", language.value))
    qtbot.addWidget(window)
    window.set_methods({Method.PIN})
    window.set_methods(set(Method))  # the boxes shown before go
    window.show()
    idle = window.idle

    def cut_short() -> list[str]:
        """The buttons and captions that do not show whole."""
        captions = [c for c in idle.findChildren(QLabel) if c.property("role") == "way"]
        shown = [c for c in captions if c.isVisibleTo(window)]
        assert len(shown) == 2  # tap and scan
        return [
            *(b.text() for b in (idle.pin, idle.email) if b.width() < b.sizeHint().width()),
            *(c.text() for c in shown if c.height() < c.heightForWidth(c.width())),
        ]

    for width, height in [(1024, 600), (1280, 800), (800, 1280), (1920, 1080)]:
        window.resize(width, height)
        qtbot.waitUntil(lambda: idle.width() == width and not cut_short(), timeout=2000)  # noqa: B023
        assert idle.pin.isVisible()
        assert idle.email.isVisible()
    window.set_methods({Method.EMAIL})
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert idle.email.isVisible()  # kept, while the boxes it was in went
    assert not idle.pin.isVisible()
    window.allow_close = True


def test_unsupported_credential_kind_is_refused_locally(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    backend._kinds = frozenset({CredentialKind.PIN})
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.QR, "X"))
    assert kiosk.window.result.title.text() == Reason.UNSUPPORTED_CREDENTIAL.message
    assert backend.requests == []


def test_kiosk_mode_is_fullscreen_frameless_on_top_without_cursor(
    qtbot: QtBot, build: Build
) -> None:
    kiosk = build()
    kiosk.window.show_kiosk(windowed=False, hide_cursor=True)
    flags = kiosk.window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert kiosk.window.isFullScreen()
    assert kiosk.window.cursor().shape() is Qt.CursorShape.BlankCursor


@pytest.mark.parametrize(
    ("credential", "reason", "again"),
    [
        (Credential(CredentialKind.PIN, "12345", source="pinpad"), Reason.UNKNOWN_CREDENTIAL, True),
        (
            Credential(CredentialKind.CARD, "04A1B2C3", source="reader"),
            Reason.UNKNOWN_CREDENTIAL,
            False,
        ),
        (Credential(CredentialKind.PIN, "12345", source="pinpad"), Reason.NO_VALID_PASS, False),
        (Credential(CredentialKind.PIN, "12345", source="pinpad"), Reason.RATE_LIMITED, False),
    ],
)
def test_try_again_is_offered_only_after_a_typed_pin_or_email_not_recognised(
    qtbot: QtBot,
    build: Build,
    backend: FakeBackend,
    credential: Credential,
    reason: Reason,
    again: bool,
) -> None:
    backend.answer = lambda r: Outcome(Status.REJECTED, reason=reason)
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(credential)
    assert kiosk.window.result.again.isVisible() is again


def test_try_again_goes_straight_back_to_the_pad_in_the_members_language(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    backend.answer = lambda r: Outcome(Status.REJECTED, reason=Reason.UNKNOWN_CREDENTIAL)
    kiosk = build(with_value(settings(), "kiosk.language", "de"))
    click(qtbot, kiosk.window.idle.pin)
    type_pin(qtbot, kiosk, "12345")
    with qtbot.waitSignal(kiosk.controller.finished):
        click(qtbot, kiosk.window.pin.ok)
    assert kiosk.window.result.again.text() == "Erneut versuchen"
    click(qtbot, kiosk.window.result.again)
    assert kiosk.controller.view.screen is Screen.PIN
    assert kiosk.window.showing is kiosk.window.pin
    assert dots_filled(kiosk.window.pin) == 0
    assert not kiosk.window.result.again.isVisible()


def test_keep_holds_a_result_until_done_and_a_new_tap_still_goes_through(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    backend.answer = lambda r: Outcome(Status.REJECTED, reason=Reason.NO_VALID_PASS)
    kiosk = build(with_value(settings(result=5.0), "kiosk.language", "fr"))
    result = kiosk.window.result
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.PIN, "12345", source="pinpad"))
    assert result.hold.text() == "Garder"
    assert result.countdown.isVisible()
    click(qtbot, result.hold)
    view = kiosk.controller.view
    assert view.screen is Screen.RESULT
    assert view.kept
    assert view.seconds == 60.0  # ten times the result's 5 s
    assert not result.countdown.isVisible()
    assert result.hold.text() == "Terminé"
    assert result.accessibleName() == result.title.text()
    with qtbot.waitSignal(kiosk.controller.view_changed, timeout=3000) as shown:
        click(qtbot, result.hold)
    assert shown.args[0].screen is Screen.IDLE
    assert result.accessibleName() == ""  # gone with the words

    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.controller.present(Credential(CredentialKind.PIN, "12345", source="pinpad"))
    click(qtbot, result.hold)
    backend.answer = lambda r: Outcome(Status.CHECKED_IN, member="Ada Lovelace")
    with qtbot.waitSignal(kiosk.controller.finished):  # the next member does not wait
        kiosk.controller.present(Credential(CredentialKind.CARD, "04A1B2C3", source="reader"))
    assert not kiosk.controller.view.kept
    assert result.hold.text() == "Garder"


def test_a_member_can_check_in_with_the_keyboard_alone(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    backend.answer = lambda r: Outcome(Status.CHECKED_IN, member="Ada Lovelace")
    kiosk = build(settings(result=5.0))
    window = kiosk.window
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.setFocus()
    assert not isinstance(window.focusWidget(), QPushButton)  # no ring until Tab is pressed
    QTest.keyClick(window, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.idle.pin
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Return)
    assert kiosk.controller.view.screen is Screen.PIN
    assert not isinstance(window.focusWidget(), QPushButton)  # the new screen starts clean
    QTest.keyClick(window, Qt.Key.Key_Tab)  # to a key of the pad...
    assert isinstance(window.focusWidget(), QPushButton)
    QTest.keyClicks(window.focusWidget(), "12345")  # ...and a USB keypad's digits still go
    assert dots_filled(window.pin) == 5  # to the PIN
    for _ in range(20):
        if window.focusWidget() is window.pin.ok:
            break
        QTest.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    assert window.focusWidget() is window.pin.ok
    with qtbot.waitSignal(kiosk.controller.finished):
        QTest.keyClick(window.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.controller.view.screen is Screen.RESULT)
    QTest.keyClick(window, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.result.hold
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Space)
    assert kiosk.controller.view.kept
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert kiosk.controller.view.screen is Screen.IDLE


def test_escape_leaves_the_email_screen_from_its_field(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build(settings())
    kiosk.controller.open_email()
    assert kiosk.controller.view.screen is Screen.EMAIL
    QTest.keyClicks(kiosk.window.email.address, "ada@")
    QTest.keyClick(kiosk.window.email.address, Qt.Key.Key_Escape)
    assert kiosk.controller.view.screen is Screen.IDLE
    assert kiosk.window.email.address.text() == ""
