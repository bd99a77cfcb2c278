"""Fixtures: the demo server on a loopback port and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import admin_client, demo_server, device_client


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2 March 2026, 10:00 UTC (11:00 in Paris)."""
    return FakeClock()


@pytest.fixture
def server(tmp_path: Path, clock: FakeClock) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "checkin.db", clock) as running:
        yield running


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    """A paired kiosk's client (only paired devices may check members in)."""
    with device_client(server) as c:
        yield c


@pytest.fixture
def admin(server: ServerThread) -> Iterator[httpx.Client]:
    with admin_client(server) as c:
        yield c
