"""The members' screens in another language, and a sound with each result, set in staff mode."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QSoundEffect
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.backends.base import Place
from kiosk.domain import Outcome, Reason, Status
from kiosk.flows.checkin import Screen, View
from kiosk.inputs.status import ReaderState
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, Language
from kiosk.ui.present import Tone
from kiosk.ui.sounds import QtPlayer
from kiosk.ui.staff.fields import SettingRow
from kiosk.ui.window import KioskWindow
from tests.fakes.backend import FakeBackend
from tests.fakes.sounds import FakePlayer
from tests.helpers.kiosk import Build, protected
from tests.helpers.screens import click, open_staff, setting_row, type_pin

PINS = itertools.count(10001)


def set_on_staff_screen(qtbot: QtBot, kiosk: KioskApp, key: str, button: str) -> None:
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Check-in"])
    click(qtbot, setting_row(screen, key).buttons[button])
    assert screen.message.text() == f"Saved {key}"
    click(qtbot, screen.close_button)


def check_in_with_pin(qtbot: QtBot, kiosk: KioskApp) -> None:
    """Type a new PIN on the keyboard (a digit opens the pad, even over the last result)."""
    QTest.keyClicks(kiosk.window, str(next(PINS)))
    with qtbot.waitSignal(kiosk.controller.finished):
        QTest.keyClick(kiosk.window, Qt.Key.Key_Return)


def test_the_language_changes_every_members_screen_at_once(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected())
    idle = kiosk.window.idle
    assert idle.pin.text() == "Enter PIN"
    set_on_staff_screen(qtbot, kiosk, "kiosk.language", "de")
    assert idle.pin.text() == "PIN eingeben"
    assert idle.prompt.text() == "Ein- oder auschecken"
    assert idle.states["reader"] == "● Leser: bereit"
    assert idle.states["backend"] == "● Check-in: online"
    idle.set_reader(ReaderState.NO_SERVICE)
    assert idle.notice.text() == "Kartenleser nicht verfügbar — bitte PIN verwenden"
    idle.set_reader(ReaderState.READY)
    assert idle.date.text().split()[0].rstrip(",") in {
        "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"
    }  # fmt: skip
    click(qtbot, idle.pin)
    assert kiosk.window.pin.title.text() == "Bitte PIN eingeben"
    assert kiosk.window.pin.keys["Clear"].text() == "Löschen"  # type: ignore[attr-defined]
    QTest.keyClicks(kiosk.window, "1")
    QTest.keyClick(kiosk.window, Qt.Key.Key_Return)  # too short
    assert kiosk.window.pin.message.text() == "Eine PIN hat 4 bis 8 Ziffern"
    type_pin(qtbot, kiosk, "2345")
    with qtbot.waitSignal(kiosk.controller.finished):
        click(qtbot, kiosk.window.pin.ok)
    assert kiosk.window.result.title.text() == "Willkommen, Ada"
    assert kiosk.window.result.detail.text() == "Sie sind eingecheckt"
    language = kiosk.window.staff.rows["kiosk.language"]
    assert isinstance(language, SettingRow)
    assert language.value is Language.DE
    set_on_staff_screen(qtbot, kiosk, "kiosk.language", "en")
    assert idle.pin.text() == "Enter PIN"
    assert idle.states["reader"] == "● Reader: ready"


def test_staff_mode_itself_stays_in_english(qtbot: QtBot, build: Build) -> None:
    kiosk = build(protected(kiosk__language="fr"))
    assert kiosk.window.idle.pin.text() == "Saisir le code"
    assert kiosk.window.ask.check_in.text() == "Arrivée"
    assert kiosk.window.busy.title.text() == "Vérification…"
    kiosk.staff.staff.request()
    assert kiosk.window.staff_pin.pad.title.text() == "Staff PIN"


def test_sounds_play_with_each_result_while_they_are_on(
    qtbot: QtBot, build: Build, backend: FakeBackend, player: FakePlayer
) -> None:
    kiosk = build(protected())
    check_in_with_pin(qtbot, kiosk)
    assert player.played == []  # off by default
    set_on_staff_screen(qtbot, kiosk, "kiosk.sounds", "true")
    assert player.prepared
    check_in_with_pin(qtbot, kiosk)
    backend.answer = lambda request: Outcome(Status.CHECKED_OUT, member="Ada Lovelace")
    check_in_with_pin(qtbot, kiosk)
    backend.answer = lambda request: Outcome(Status.REJECTED, reason=Reason.NO_VALID_PASS)
    check_in_with_pin(qtbot, kiosk)
    backend.answer = lambda request: Outcome(Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE)
    check_in_with_pin(qtbot, kiosk)
    assert player.played == [Tone.WELCOME, Tone.GOODBYE, Tone.REFUSED, Tone.PROBLEM]
    set_on_staff_screen(qtbot, kiosk, "kiosk.sounds", "false")
    check_in_with_pin(qtbot, kiosk)
    assert len(player.played) == 4


@pytest.mark.qt_log_ignore("PulseAudioService", "QSoundEffect: playback of this format")
def test_without_an_audio_device_the_sounds_stay_silent(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    player = QtPlayer()
    try:
        player.prepare()
        effect = player._effects[Tone.WELCOME]
        qtbot.waitUntil(lambda: effect.status() is not QSoundEffect.Status.Loading)
        if effect.status() is QSoundEffect.Status.Ready:
            pytest.skip("this machine has a working audio device")  # the silent path needs none
        with caplog.at_level(logging.WARNING, logger="kiosk.ui.sounds"):
            player.play(Tone.WELCOME)
            player.play(Tone.REFUSED)
        qtbot.waitUntil(lambda: player._effects[Tone.REFUSED].status() is QSoundEffect.Status.Error)
        with caplog.at_level(logging.WARNING, logger="kiosk.ui.sounds"):
            player.play(Tone.REFUSED)
        warnings = [r.message for r in caplog.records if r.name == "kiosk.ui.sounds"]
        assert warnings == ["sounds are on but cannot be played (no working audio device)"]
    finally:
        player.close()


def test_an_american_kiosk_shows_a_12_hour_clock(qtbot: QtBot) -> None:
    now = datetime(2026, 3, 2, 9, 48, tzinfo=UTC)
    config = with_value(Config(), "kiosk.locale", "en_US")
    window = KioskWindow(config, clock=lambda: now)
    qtbot.addWidget(window)
    window.set_place(Place("1", "Main Street", "UTC"))
    expire = now.replace(hour=18, minute=0)
    outcome = Outcome(Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire)
    window.show_view(View(Screen.RESULT, outcome, None, 5.0))
    assert window.result.detail.text().replace("\u202f", " ").startswith("Checked in until 6:00 PM")
    assert window.idle.clock.text().endswith(("AM", "PM"))
    window.apply(with_value(config, "kiosk.locale", "en_GB"))
    assert ":" in window.idle.clock.text()
    assert not window.idle.clock.text().endswith("M")


def test_a_member_turns_the_sound_on_for_their_own_result_where_staff_allow_it(
    qtbot: QtBot, build: Build, backend: FakeBackend, player: FakePlayer
) -> None:
    kiosk = build(protected())
    speaker = kiosk.window.idle.speaker
    assert not speaker.isVisible()  # staff have not allowed it
    set_on_staff_screen(qtbot, kiosk, "kiosk.sound_button", "true")
    assert speaker.isVisible()
    assert speaker.accessibleName() == "Sound off"
    click(qtbot, speaker)
    assert speaker.accessibleName() == "Sound on"
    assert player.prepared
    check_in_with_pin(qtbot, kiosk)
    assert player.played == [Tone.WELCOME]
    click(qtbot, kiosk.window.result.hold)  # Keep (the result does not sound again),
    click(qtbot, kiosk.window.result.hold)  # then Done: the member is through
    assert kiosk.controller.view.screen is Screen.IDLE
    assert not speaker.isChecked()  # the next member starts quiet
    check_in_with_pin(qtbot, kiosk)
    assert player.played == [Tone.WELCOME]
    set_on_staff_screen(qtbot, kiosk, "kiosk.sounds", "true")
    assert not speaker.isVisible()  # sounds are on for everyone: nothing to turn on
