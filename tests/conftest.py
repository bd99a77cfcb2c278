"""Test-wide settings: Qt renders offscreen; garbage is collected on the main thread only;
`aloop` runs asyncio on the Qt loop; a background task that failed fails its test."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Iterator

import pytest

from kiosk.app.gcguard import collect_due

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def aloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """asyncio on the Qt event loop, as in the kiosk: pytest-qt's waits run its callbacks."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop._QEventLoop__is_running = False  # pytest-qt owns the Qt loop
        loop._after_run_forever()
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture(autouse=True, scope="session")
def _collect_on_main_thread() -> Iterator[None]:
    """As in the kiosk (kiosk/app/gcguard.py): no automatic collection, which could run in a server
    or reader thread and free a QObject there; collect after each test instead."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_test() -> Iterator[None]:
    yield
    collect_due()


@pytest.fixture(autouse=True)
def _no_background_failure(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A background task that raised (kiosk.flows.tasks logs it) fails the test, unless the test
    expected it and cleared the log."""
    yield
    failed = [
        record.getMessage()
        for record in caplog.get_records("call")
        if record.name == "kiosk.flows.tasks" and record.levelno >= logging.ERROR
    ]
    if failed:
        pytest.fail(f"background work failed: {failed}", pytrace=False)
