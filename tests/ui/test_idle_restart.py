"""When the kiosk may restart (after an upgrade, or to turn the screen): only at idle."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.flows.checkin import Screen
from kiosk.settings.file import with_value
from tests.fakes.backend import FakeBackend
from tests.helpers.kiosk import Build, protected, settings
from tests.helpers.screens import click, open_staff


def test_idle_only_on_the_idle_screen_with_nothing_in_flight_and_staff_mode_closed(
    qtbot: QtBot, build: Build, backend: FakeBackend
) -> None:
    kiosk = build(protected())
    assert kiosk.is_idle
    click(qtbot, kiosk.window.idle.pin)
    assert not kiosk.is_idle  # a member is typing
    backend.delay = 0.2
    with qtbot.waitSignal(
        kiosk.window.painted, check_params_cb=lambda view: view.screen is Screen.RESULT
    ):
        kiosk.present_pin("12345")
        assert not kiosk.is_idle  # the check-in is on its way
    assert not kiosk.is_idle  # the member reads the result
    kiosk.controller.done()
    assert kiosk.is_idle
    open_staff(qtbot, kiosk)
    assert not kiosk.is_idle


def test_a_new_rotation_asks_the_session_to_start_again(build: Build) -> None:
    kiosk = build()
    asked: list[int] = []
    kiosk.on_display_change = lambda: asked.append(1)
    kiosk.apply(with_value(settings(), "kiosk.name", "Front desk"))
    assert asked == []
    kiosk.apply(with_value(kiosk.config, "display.rotation", "90"))
    assert asked == [1]
