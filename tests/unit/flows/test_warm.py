"""Keeping the backend's connection warm: the controller asks the backend how it is often
enough that an idle connection is never closed while members come, rarely after an hour
without one, and at once when a member is on their way (a touch, a key, a card arriving)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from pytestqt.qtbot import QtBot

from kiosk.flows.checkin import QUIET_AFTER, QUIET_PROBE_SECONDS, KioskController
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, TimeoutSettings
from tests.fakes.backend import FakeBackend
from tests.helpers.clock import Ticker


def kept(seconds: float) -> Config:
    fast = TimeoutSettings(result=1.0, pin=3.0, debounce=3.0, busy_delay=0.05)
    return with_value(dataclasses.replace(Config(), timeouts=fast), "backend.keep_alive", seconds)


def settle(qtbot: QtBot, aloop: asyncio.AbstractEventLoop, controller: KioskController) -> None:
    """Wait until no backend call of the controller runs."""
    done = aloop.create_task(controller.settled())
    qtbot.waitUntil(done.done)


@pytest.fixture
def clock() -> Ticker:
    return Ticker(1000.0)


@pytest.mark.parametrize(("keep", "every"), [(45.0, 30.0), (15.0, 10.0), (0.0, 30.0)])
def test_the_backend_is_asked_often_enough_to_keep_its_connection(
    aloop: asyncio.AbstractEventLoop, clock: Ticker, keep: float, every: float
) -> None:
    controller = KioskController(kept(keep), FakeBackend(), aloop, clock)
    assert controller.probe_interval() == every
    controller.close()


def test_after_an_hour_without_members_it_asks_rarely_and_a_touch_makes_it_ready(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, clock: Ticker
) -> None:
    backend = FakeBackend()
    controller = KioskController(kept(45.0), backend, aloop, clock)
    try:
        clock.advance(QUIET_AFTER + 1)
        assert controller.probe_interval() == QUIET_PROBE_SECONDS  # the night: no chatter
        controller.coming()  # a member touches the screen
        qtbot.waitUntil(lambda: backend.probes == 1)
        assert controller.probe_interval() == 30.0  # and the day begins again
        clock.advance(5)
        controller.coming()  # the next key: the connection was just made ready
        settle(qtbot, aloop, controller)
        assert backend.probes == 1
        clock.advance(31)
        controller.coming()  # half a minute later: it may have closed, ready it again
        qtbot.waitUntil(lambda: backend.probes == 2)
    finally:
        controller.close()


def test_with_keep_alive_off_a_touch_calls_nothing(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, clock: Ticker
) -> None:
    backend = FakeBackend()
    controller = KioskController(kept(0.0), backend, aloop, clock)
    clock.advance(QUIET_AFTER + 1)
    controller.coming()
    settle(qtbot, aloop, controller)
    assert backend.probes == 0
    controller.close()
