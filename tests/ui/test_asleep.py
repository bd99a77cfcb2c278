"""The screen asleep (`display.sleep_after`): dark after the minutes without anyone, and woken
by whatever a member does first: a card on the reader (checked, its result shown), a touch
anywhere (the idle screen, no tile pressed), a digit (the PIN pad). Staff mode keeps it awake."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.flows.checkin import Screen
from kiosk.settings.file import with_value
from tests.fakes.pcsc import FakePcsc
from tests.helpers import cards
from tests.helpers.kiosk import HASH, READER, Build, settings
from tests.helpers.screens import open_staff
from tests.helpers.xvfb import read_events

SLEEP = 0.01  # minutes: dark 0.6 s after the last member


def _sleepy(build: Build) -> KioskApp:
    config = with_value(settings(), "display.sleep_after", SLEEP)
    config = with_value(config, "staff.pin_hash", HASH)
    return build(config)


def _dark(qtbot: QtBot, kiosk: KioskApp) -> None:
    if not kiosk.controller.asleep:
        with qtbot.waitSignal(kiosk.controller.asleep_changed, timeout=5000) as slept:
            pass
        assert slept.args == [True]
    assert kiosk.window.showing is kiosk.window.asleep


def test_without_anyone_the_screen_goes_dark(qtbot: QtBot, build: Build) -> None:
    kiosk = _sleepy(build)
    _dark(qtbot, kiosk)
    picture = kiosk.window.grab().toImage()
    middle = picture.pixelColor(picture.width() // 2, picture.height() // 2)
    assert middle == QColor(Qt.GlobalColor.black)
    assert kiosk.window.asleep.cursor().shape() is Qt.CursorShape.BlankCursor
    assert kiosk.controller.is_idle  # a restart may happen now


def test_a_card_on_a_dark_screen_is_checked_and_its_result_shown(
    qtbot: QtBot, build: Build, pcsc: FakePcsc
) -> None:
    kiosk = _sleepy(build)
    _dark(qtbot, kiosk)
    woke: list[bool] = []
    kiosk.controller.asleep_changed.connect(woke.append)
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        pcsc.place(READER, cards.fake_card(cards.card(bytes.fromhex("04A1B2C3"))))
    assert woke == [False]
    assert kiosk.controller.view.screen is Screen.RESULT
    assert kiosk.window.showing is kiosk.window.result


def test_a_touch_wakes_it_to_the_idle_screen_and_presses_nothing(
    qtbot: QtBot, build: Build
) -> None:
    kiosk = _sleepy(build)
    _dark(qtbot, kiosk)
    tile = kiosk.window.idle.pin  # where the finger lands is the PIN tile once awake
    spot = tile.mapTo(kiosk.window, tile.rect().center())
    with qtbot.waitSignal(kiosk.controller.asleep_changed, timeout=3000) as woke:
        qtbot.mouseClick(kiosk.window.asleep, Qt.MouseButton.LeftButton, pos=spot)
    assert woke.args == [False]
    assert kiosk.controller.view.screen is Screen.IDLE
    assert kiosk.window.showing is kiosk.window.idle
    _dark(qtbot, kiosk)  # and it sleeps again, counted from the touch


def test_a_digit_on_a_dark_screen_opens_the_pin_pad(qtbot: QtBot, build: Build) -> None:
    kiosk = _sleepy(build)
    _dark(qtbot, kiosk)
    qtbot.keyClicks(kiosk.window, "4")
    assert kiosk.controller.view.screen is Screen.PIN
    assert kiosk.window.showing is kiosk.window.pin
    assert kiosk.window.pin.dots.count == 1


def test_staff_mode_keeps_it_awake_and_closing_it_counts_from_then(
    qtbot: QtBot, build: Build
) -> None:
    kiosk = _sleepy(build)
    _dark(qtbot, kiosk)
    open_staff(qtbot, kiosk)
    assert not kiosk.controller.asleep  # staff's corner hold woke it
    qtbot.wait(round(SLEEP * 60_000 * 3))  # three times the sleep: an absence, waited out
    assert not kiosk.controller.asleep
    assert kiosk.window.showing is kiosk.window.staff
    kiosk.staff.staff.close()
    assert kiosk.window.showing is kiosk.window.idle
    _dark(qtbot, kiosk)


def test_the_event_log_says_when_the_screen_went_dark_and_woke(
    qtbot: QtBot, build: Build, event_path: Path
) -> None:
    kiosk = _sleepy(build)
    qtbot.waitUntil(lambda: _screens(event_path)[-1:] == ["asleep"], timeout=5000)
    before = len(_screens(event_path))
    qtbot.mousePress(kiosk.window.asleep, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    qtbot.waitUntil(lambda: _screens(event_path)[before:][:1] == ["idle"], timeout=3000)


def _screens(path: Path) -> list[str]:
    return [e["name"] for e in read_events(path) if e["event"] == "screen"]
