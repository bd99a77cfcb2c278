"""A member's check-in goes out on a connection already open, however long the kiosk stood
idle: the whole kiosk against the server through a proxy that counts connections, with a short
`backend.keep_alive` so that "long" is seconds here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import build_app
from kiosk.domain import Status
from kiosk.inputs.reader import NullSource
from kiosk.inputs.status import ReaderState
from kiosk.settings.file import with_value
from kiosk.settings.model import Config
from kiosk.settings.vault import Secret
from tests.fakes.vault import MemoryVault
from tests.helpers.clock import FakeClock
from tests.helpers.delayproxy import DelayProxy
from tests.helpers.server import demo_server, device_token

KEEP = 6.0  # seconds an idle connection is kept: the controller calls every 4 s


def test_a_check_in_after_a_long_idle_spell_needs_no_new_connection(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, tmp_path: Path, clock: FakeClock
) -> None:
    with (
        demo_server(tmp_path / "checkin.db", clock) as running,
        DelayProxy(running.url, 0.0) as proxy,
    ):
        vault = MemoryVault()
        vault.set(Secret.DEVICE_TOKEN, device_token(running))
        config = with_value(with_value(Config(), "kiosk.location", "1"), "backend.keep_alive", KEEP)
        kiosk = build_app(config, aloop, backend_url=proxy.url, source=NullSource(ReaderState.OFF),
                          config_path=tmp_path / "kiosk.toml", vault=lambda: vault)  # fmt: skip
        qtbot.addWidget(kiosk.window)
        sent: list[str] = []

        async def count(request: httpx.Request) -> None:
            sent.append(request.url.path)

        assert kiosk.host.http is not None
        kiosk.host.http.event_hooks["request"].append(count)
        try:
            kiosk.controller.start()
            with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as first:
                kiosk.present_pin("12345")
            assert first.args[1].status is Status.CHECKED_IN
            opened = proxy.connections
            probes = sent.count("/health")
            # idle for longer than the keep-alive: the controller's calls hold the connection
            qtbot.waitUntil(lambda: sent.count("/health") >= probes + 2, timeout=30000)
            settled = aloop.create_task(kiosk.controller.settled())  # that call answered
            qtbot.waitUntil(settled.done)
            with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as second:
                kiosk.present_pin("12345")
            assert second.args[1].status is Status.CHECKED_OUT
            assert proxy.connections == opened, sent
        finally:
            closing = aloop.create_task(kiosk.aclose())
            qtbot.waitUntil(closing.done, timeout=10000)


def test_asleep_the_kiosk_makes_no_request_until_a_touch_wakes_it(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, tmp_path: Path, clock: FakeClock
) -> None:
    with demo_server(tmp_path / "checkin.db", clock) as running:
        vault = MemoryVault()
        vault.set(Secret.DEVICE_TOKEN, device_token(running))
        config = with_value(with_value(Config(), "kiosk.location", "1"), "backend.keep_alive", 3.0)
        config = with_value(config, "display.sleep_after", 0.03)  # dark 1.8 s after a member
        kiosk = build_app(config, aloop, backend_url=running.url,
                          source=NullSource(ReaderState.OFF), config_path=tmp_path / "kiosk.toml",
                          vault=lambda: vault)  # fmt: skip
        qtbot.addWidget(kiosk.window)
        kiosk.heartbeat.every = 0.5  # awake, a heartbeat every 0.5 s and a probe every 2 s
        sent: list[str] = []

        async def count(request: httpx.Request) -> None:
            sent.append(request.url.path)

        assert kiosk.host.http is not None
        kiosk.host.http.event_hooks["request"].append(count)
        store = running.server.store
        device = next(d.id for d in store.devices())
        try:
            kiosk.controller.start()
            kiosk.loops.run(kiosk.heartbeat.run(), "heartbeat")
            with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as checked:
                kiosk.present_pin("12345")
            assert checked.args[1].status is Status.CHECKED_IN
            with qtbot.waitSignal(kiosk.controller.asleep_changed, timeout=10000) as dark:
                pass
            assert dark.args == [True]
            qtbot.waitUntil(lambda: store.heartbeats()[device].heartbeat.asleep)  # said once
            settled = aloop.create_task(kiosk.controller.settled())
            qtbot.waitUntil(settled.done)
            quiet = len(sent)
            qtbot.wait(3000)  # an absence of requests, waited out: 6 beats' and a probe's time
            assert sent[quiet:] == []
            with qtbot.waitSignal(kiosk.controller.asleep_changed, timeout=5000) as woke:
                qtbot.mousePress(kiosk.window.asleep, Qt.MouseButton.LeftButton)
            assert woke.args == [False]
            # the connection made ready at once, and the server told it is awake
            qtbot.waitUntil(lambda: "/health" in sent[quiet:], timeout=5000)
            qtbot.waitUntil(lambda: not store.heartbeats()[device].heartbeat.asleep, timeout=5000)
        finally:
            closing = aloop.create_task(kiosk.aclose())
            qtbot.waitUntil(closing.done, timeout=10000)
