"""What the in-process benchmarks share: a Qt loop to run on, the demo kiosk, paint waits.

    sys.exit(run_on_qt(lambda loop: measure(loop, args)))

`run_on_qt` sets up the application as `kiosk run` does (asyncio on Qt's loop through qasync,
garbage collected on the Qt thread only); `demo_kiosk` is the whole kiosk, offscreen, on the
real Nexudus-protocol client against the embedded server seeded with the demo members.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.app.kiosk import KioskApp, build_app
from kiosk.flows.checkin import Screen, View
from kiosk.server.demo import seed_demo
from kiosk.server.runner import Server, ServerThread, open_server
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, TimeoutSettings


def run_on_qt(measure: Callable[[asyncio.AbstractEventLoop], Coroutine[Any, Any, int]]) -> int:
    """Run `measure(loop)` on a qasync loop in a new QApplication; its exit status."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from kiosk.app.gcguard import MainThreadCollector

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # a bench may close a kiosk and go on
    collector = MainThreadCollector()  # as in the kiosk: the server thread must not collect
    collector.start()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(measure(loop)))
    finally:
        loop.close()
        collector.stop()


@contextlib.asynccontextmanager
async def demo_kiosk(loop: asyncio.AbstractEventLoop) -> AsyncIterator[tuple[KioskApp, Server]]:
    """The kiosk at the demo server's first location, its idle screen painted; long timeouts
    and no debounce, so that checks can follow each other at once."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    server = open_server(folder / "checkin.db")
    seed_demo(server.store, server.keys, datetime.now(UTC), timezone="UTC")
    thread = ServerThread(server).start()
    config = Config(timeouts=TimeoutSettings(result=60, pin=60, debounce=0, busy_delay=0.15))
    config = with_value(config, "kiosk.location", "1")  # the first demo location
    kiosk = build_app(
        config, loop, backend_url=thread.url, config_path=folder / "kiosk.toml", server=thread
    )  # the server handed over, as `kiosk demo` does: it pairs its kiosk at start
    await kiosk.host.start(config)
    kiosk.window.resize(1280, 800)
    kiosk.window.show()
    kiosk.controller.start()
    await painted(kiosk, Screen.IDLE)
    try:
        yield kiosk, server
    finally:
        kiosk.host.server = None  # stopped below
        await kiosk.aclose()
        thread.stop()
        server.store.close()


async def painted(kiosk: KioskApp, screen: Screen) -> float:
    """Wait until `screen` is painted; the perf_counter time it was."""
    future: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def on_paint(view: View) -> None:
        if view.screen is screen and not future.done():
            future.set_result(time.perf_counter())

    kiosk.window.painted.connect(on_paint)
    try:
        return await asyncio.wait_for(future, 10)
    finally:
        kiosk.window.painted.disconnect(on_paint)
