"""A kiosk built in this process beats against the real server: the web admin shows it online,
and settings staff set there (mode, language, welcome line) reach the kiosk at its next
heartbeat, are saved in its settings file, and show in its staff mode as set remotely."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from markupsafe import escape
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp
from kiosk.backends.base import Backend
from kiosk.server.runner import ServerThread
from kiosk.settings.model import (
    BackendKind,
    BackendSettings,
    Config,
    Language,
    Mode,
    load_config,
)
from tests.helpers.clock import FakeClock
from tests.helpers.kiosk import Build, valid
from tests.helpers.screens import click, texts, type_pin
from tests.helpers.server import demo_server
from tests.helpers.webadmin import CHEAP, Desk, add_desk_admin, kiosk_client


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "server" / "checkin.db", FakeClock(), passwords=CHEAP) as running:
        add_desk_admin(running)
        yield running


@pytest.fixture
def backend(
    server: ServerThread, qtbot: QtBot, aloop: asyncio.AbstractEventLoop
) -> Iterator[Backend]:  # the one `build` checks with
    with kiosk_client(server, qtbot, aloop) as client:
        yield client


@pytest.fixture
def desk(server: ServerThread) -> Iterator[Desk]:
    browser = Desk(server)
    assert browser.sign_in().status_code == 303
    yield browser
    browser.close()


def _config(server: ServerThread) -> Config:
    config = valid()
    return dataclasses.replace(
        config,
        backend=BackendSettings(kind=BackendKind.LOCAL, url=server.url),
        reader=dataclasses.replace(config.reader, enabled=False),
    )


def _beat(qtbot: QtBot, kiosk: KioskApp, aloop: asyncio.AbstractEventLoop) -> bool:
    task = aloop.create_task(kiosk.heartbeat.beat())
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


def _device(server: ServerThread) -> int:
    return next(d.id for d in server.server.store.devices() if d.name == "Front desk")


def test_settings_set_in_the_web_admin_reach_the_kiosk(
    qtbot: QtBot,
    build: Build,
    server: ServerThread,
    desk: Desk,
    aloop: asyncio.AbstractEventLoop,
    config_path: Path,
) -> None:
    kiosk = build(_config(server))
    assert _beat(qtbot, kiosk, aloop)
    assert "Online" in desk.get("/admin/kiosks/live").text
    pushed = desk.post(
        f"/admin/kiosks/{_device(server)}/settings", "/admin/kiosks",
        **{"kiosk.mode": "in", "kiosk.language": "fr", "branding.welcome": "Bonjour, Demo Space"},
    )  # fmt: skip
    assert pushed.status_code == 303

    with qtbot.waitSignal(kiosk.staff.staff.config_changed):
        assert _beat(qtbot, kiosk, aloop)
    assert kiosk.config.kiosk.mode is Mode.IN
    assert kiosk.config.kiosk.language is Language.FR
    assert "Bonjour, Demo Space" in texts(kiosk.window.idle)
    saved = load_config(config_path)
    assert (saved.kiosk.mode, saved.branding.welcome) == (Mode.IN, "Bonjour, Demo Space")

    kiosk.staff.show_config()
    remote = kiosk.window.staff.findChild(QLabel, "remote-kiosk.mode")
    assert remote is not None
    assert not remote.isHidden()
    untouched = kiosk.window.staff.findChild(QLabel, "remote-kiosk.sounds")
    assert untouched is not None
    assert untouched.isHidden()

    assert _beat(qtbot, kiosk, aloop)  # says it has applied them
    assert server.server.store.heartbeats()[_device(server)].heartbeat.applied == 1
    assert "applied" in desk.get("/admin/kiosks").text


def test_a_setting_the_kiosk_refuses_is_reported_and_nothing_changes(
    qtbot: QtBot,
    build: Build,
    server: ServerThread,
    desk: Desk,
    aloop: asyncio.AbstractEventLoop,
) -> None:
    kiosk = build(_config(server))
    # a newer server's setting this kiosk does not know (the web admin sends only known ones)
    server.server.store.set_device_settings(_device(server), {"kiosk.mode": "sideways"})
    before = kiosk.config
    assert _beat(qtbot, kiosk, aloop)
    assert kiosk.config == before
    assert _beat(qtbot, kiosk, aloop)
    said = server.server.store.heartbeats()[_device(server)].heartbeat.problem
    assert "sideways" in said
    assert str(escape(said)) in desk.get("/admin/kiosks").text  # as the page escapes it


def test_the_running_kiosk_beats_on_its_own(
    qtbot: QtBot, build: Build, server: ServerThread
) -> None:
    kiosk = build(_config(server))
    kiosk.heartbeat.every = 0.05
    task = kiosk.loops.run(kiosk.heartbeat.run(), "heartbeat")
    qtbot.waitUntil(lambda: kiosk.heartbeat.beats >= 3, timeout=5000)
    assert _device(server) in server.server.store.heartbeats()
    task.cancel()
    qtbot.waitUntil(task.done)


def test_the_heartbeat_says_when_a_member_last_checked_in_here(
    qtbot: QtBot, build: Build, server: ServerThread, aloop: asyncio.AbstractEventLoop
) -> None:
    kiosk = build(_config(server))
    assert _beat(qtbot, kiosk, aloop)
    assert server.server.store.heartbeats()[_device(server)].heartbeat.last_checkin is None
    with qtbot.waitSignal(kiosk.controller.finished, timeout=5000):
        click(qtbot, kiosk.window.idle.pin)
        type_pin(qtbot, kiosk, "12345")
        click(qtbot, kiosk.window.pin.ok)
    assert _beat(qtbot, kiosk, aloop)
    said = server.server.store.heartbeats()[_device(server)].heartbeat.last_checkin
    assert said is not None
    assert abs((said - datetime.now(UTC)).total_seconds()) < 60
