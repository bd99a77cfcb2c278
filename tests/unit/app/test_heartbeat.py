"""The kiosk's heartbeat: what it reports, settings applied once per version, a problem said
at the next beat, silence towards backends that do not listen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from kiosk import __version__
from kiosk.app.heartbeat import Heartbeat
from kiosk.backends.base import Backend, BackendUnavailableError, KioskReport, RemoteSettings
from kiosk.domain import Delivery
from tests.fakes.backend import FakeBackend
from tests.helpers.clock import Ticker

LAST = datetime(2026, 3, 2, 9, 55, tzinfo=UTC)


class Listening(FakeBackend):
    """A fake backend that hears heartbeats and answers with `settings`."""

    def __init__(self, settings: RemoteSettings) -> None:
        super().__init__(lambda request: None)  # type: ignore[arg-type,return-value]
        self.settings = settings
        self.heard: list[KioskReport] = []
        self.away = False

    async def heartbeat(self, report: KioskReport) -> RemoteSettings:
        if self.away:
            raise BackendUnavailableError("connection refused", Delivery.NOT_SENT)
        self.heard.append(report)
        return self.settings


class Kiosk:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def report(self) -> tuple[str, bool, int, datetime | None]:
        return "ready (ACS ACR122U)", True, 3, LAST


def _recording(applied: list[dict[str, str]]) -> Callable[[dict[str, str]], str]:
    """Applies settings by keeping them; no problem."""

    def apply(values: dict[str, str]) -> str:
        applied.append(values)
        return ""

    return apply


def _run(beat: Heartbeat) -> bool:
    return asyncio.run(beat.beat())


def test_a_beat_reports_how_the_kiosk_is() -> None:
    backend, ticker = Listening(RemoteSettings(0)), Ticker()
    heart = Heartbeat(Kiosk(backend), lambda values: "", monotonic=ticker)
    ticker.advance(125)
    assert _run(heart)
    assert backend.heard == [
        KioskReport(__version__, "ready (ACS ACR122U)", "online", 3, LAST, 125, 0, "", 30)
    ]


def test_settings_are_applied_once_per_version() -> None:
    backend = Listening(RemoteSettings(2, (("kiosk.mode", "in"),)))
    applied: list[dict[str, str]] = []
    heart = Heartbeat(Kiosk(backend), _recording(applied))
    _run(heart)
    _run(heart)
    assert applied == [{"kiosk.mode": "in"}]
    assert backend.heard[1].applied == 2
    backend.settings = RemoteSettings(3, (("kiosk.mode", "out"),))
    _run(heart)
    assert applied[-1] == {"kiosk.mode": "out"}


def test_a_problem_is_said_at_the_next_beat() -> None:
    backend = Listening(RemoteSettings(1, (("kiosk.mode", "sideways"),)))
    heart = Heartbeat(Kiosk(backend), lambda values: "kiosk.mode: not a mode")
    _run(heart)
    _run(heart)
    assert (backend.heard[1].applied, backend.heard[1].problem) == (1, "kiosk.mode: not a mode")


def test_a_server_that_is_away_is_tried_again_at_the_next_beat() -> None:
    backend = Listening(RemoteSettings(1, (("kiosk.mode", "in"),)))
    applied: list[dict[str, str]] = []
    heart = Heartbeat(Kiosk(backend), _recording(applied))
    backend.away = True
    assert _run(heart) is False
    assert applied == []
    backend.away = False
    assert _run(heart)
    assert applied == [{"kiosk.mode": "in"}]


def test_a_backend_that_does_not_listen_hears_nothing() -> None:
    backend = FakeBackend(lambda request: None)  # type: ignore[arg-type,return-value]
    heart = Heartbeat(Kiosk(backend), lambda values: pytest.fail("nothing to apply"))
    assert _run(heart) is False
    assert heart.beats == 0


def test_at_night_the_heartbeat_comes_every_five_minutes_and_says_so() -> None:
    backend, night = Listening(RemoteSettings(0)), [False]
    heart = Heartbeat(Kiosk(backend), lambda values: "", quiet=lambda: night[0])
    assert heart.interval() == 30.0
    night[0] = True  # no member for an hour
    assert heart.interval() == 300.0
    assert _run(heart)
    assert backend.heard[-1].every == 300  # the server keeps it online for as long


def test_asleep_one_heartbeat_says_so_and_the_next_comes_when_it_wakes() -> None:
    backend, dark = Listening(RemoteSettings(0)), [True]
    heart = Heartbeat(Kiosk(backend), lambda values: "", every=0.01, asleep=lambda: dark[0])

    async def heard(count: int) -> None:
        while len(backend.heard) < count:
            await asyncio.sleep(0.005)

    async def night_and_morning() -> None:
        beating = asyncio.create_task(heart.run())
        await asyncio.wait_for(heard(1), 5)
        await asyncio.sleep(0.3)  # thirty beats' time, awake: an absence, waited out
        assert [r.asleep for r in backend.heard] == [True]
        dark[0] = False
        heart.nudge()  # the screen woke
        await asyncio.wait_for(heard(3), 5)  # at once, then every `every` again
        beating.cancel()

    asyncio.run(night_and_morning())
    assert [r.asleep for r in backend.heard[:3]] == [True, False, False]


def test_asleep_a_heartbeat_not_heard_is_sent_again_until_it_is() -> None:
    backend = Listening(RemoteSettings(0))
    tried = asyncio.Event()

    class Telling(Kiosk):
        def report(self) -> tuple[str, bool, int, datetime | None]:
            tried.set()  # a beat is being made
            return super().report()

    heart = Heartbeat(Telling(backend), lambda values: "", every=0.01, asleep=lambda: True)
    backend.away = True  # the server is away as the screen goes dark

    async def night() -> None:
        beating = asyncio.create_task(heart.run())
        await tried.wait()  # the first one, not heard
        backend.away = False
        while not backend.heard:
            await asyncio.sleep(0.005)
        beating.cancel()

    asyncio.run(asyncio.wait_for(night(), 5))
    assert [r.asleep for r in backend.heard] == [True]
