"""A whole kiosk (window, controller, event log) over a fake backend, with short timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.branding import ImageLoader
from kiosk.app.eventlog import EventLog
from kiosk.app.kiosk import KioskApp, build_app
from kiosk.backends.base import Backend
from kiosk.inputs.pcsc.supervisor import PcscSupervisor
from kiosk.settings.model import Config
from tests.fakes.backend import FakeBackend
from tests.fakes.pcsc import FakePcsc
from tests.fakes.sounds import FakePlayer
from tests.fakes.vault import MemoryVault
from tests.helpers.kiosk import READER, Build, settings


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def http() -> httpx.AsyncClient | None:
    """The HTTP client for a backend built from the config (with `backend` None)."""
    return None


@pytest.fixture
def pcsc() -> FakePcsc:
    return FakePcsc([READER])


@pytest.fixture
def event_path(tmp_path: Path) -> Path:
    return tmp_path / "events.jsonl"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """Where staff mode saves the kiosk's configuration."""
    return tmp_path / "config" / "kiosk.toml"


@pytest.fixture
def vault() -> MemoryVault:
    return MemoryVault()


@pytest.fixture
def player() -> FakePlayer:
    """The kiosk's sounds, heard by the test."""
    return FakePlayer()


@pytest.fixture
def pictures() -> dict[str, bytes]:
    """Pictures on the site's network, by address: what `http://…` branding fetches."""
    return {}


@pytest.fixture
def build(
    qtbot: QtBot,
    pictures: dict[str, bytes],
    aloop: asyncio.AbstractEventLoop,
    backend: Backend | None,
    http: httpx.AsyncClient | None,
    event_path: Path,
    pcsc: FakePcsc,
    config_path: Path,
    vault: MemoryVault,
    player: FakePlayer,
) -> Iterator[Build]:
    """A started kiosk over the fake backend, with a card reader on the fake PC/SC service."""
    built: list[KioskApp] = []

    def make(config: Config | None = None) -> KioskApp:
        config = config or settings()
        source = PcscSupervisor(pcsc, config.reader) if config.reader.enabled else None
        events = EventLog(event_path)
        kiosk = build_app(
            config,
            aloop,
            backend=backend,
            events=events,
            source=source,
            config_path=config_path,
            vault=lambda: vault,
            player=player,
            http=http,
        )
        kiosk.images = ImageLoader(httpx.MockTransport(lambda r: _picture(pictures, r)))
        qtbot.addWidget(kiosk.window)
        kiosk.window.show_kiosk(windowed=True, hide_cursor=False)
        with qtbot.waitSignal(kiosk.window.painted):
            kiosk.controller.start()
        with qtbot.waitSignal(kiosk.reader.status_changed):
            kiosk.reader.start()
        if kiosk.wedge is not None:
            kiosk.wedge.install()
        built.append(kiosk)
        return kiosk

    yield make
    for kiosk in built:
        kiosk.staff.close()
        kiosk.tasks.close()
        if kiosk.camera is not None:
            kiosk.camera.stop()
        if kiosk.wedge is not None:
            kiosk.wedge.remove()
        kiosk.reader.stop()
        kiosk.window.allow_close = True
        kiosk.controller.close()
        kiosk.keeper.close()
        kiosk.keeper.outbox.close()
        kiosk.keeper.known.close()
        kiosk.events.close()


def _picture(pictures: dict[str, bytes], request: httpx.Request) -> httpx.Response:
    data = pictures.get(str(request.url))
    return httpx.Response(200, content=data) if data is not None else httpx.Response(404)
