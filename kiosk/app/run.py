"""The production kiosk's process: Qt with asyncio on its loop (qasync), the window shown
first, the kiosk started, and a clean stop on SIGTERM, Ctrl-C or staff's Exit (Restart starts
the same command again in this process's place).

    status = run(config, windowed=False, event_log=Path("events.jsonl"))
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

import kiosk as kiosk_package
from kiosk.app.eventlog import EventLog
from kiosk.app.gcguard import MainThreadCollector
from kiosk.app.kiosk import KioskApp, build_app
from kiosk.app.restart import IdleRestart
from kiosk.flows.staff import Leave
from kiosk.settings.model import Config
from kiosk.systemd import Notifier

if TYPE_CHECKING:
    from kiosk.server.runner import ServerThread

log = logging.getLogger(__name__)


def run(
    config: Config,
    windowed: bool = False,
    event_log: Path | None = None,
    backend_url: str | None = None,
    server: ServerThread | None = None,
    config_path: Path | None = None,
    config_problem: str = "",
    session: bool = False,
) -> int:
    """The kiosk until SIGTERM, Ctrl-C or staff's Exit; returns the exit status. Staff's
    Restart starts the same command again in this process's place. `config_problem` says why
    the settings file was not used (`settings.file.boot_config`): staff are told so. `session`:
    the kiosk runs under ``kiosk session``, which systemd starts again when the kiosk ends."""
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("kiosk")
    app.setQuitOnLastWindowClosed(False)
    collector = MainThreadCollector()
    collector.start()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        leaving = loop.run_until_complete(
            _main(
                loop,
                config,
                windowed,
                event_log,
                backend_url,
                server,
                config_path,
                config_problem,
                session,
            )
        )
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        collector.stop()
    if leaving is Leave.RESTART:
        restart()
    return 0


def restart() -> None:
    """Replace this process with the same ``kiosk`` command (staff's Restart)."""
    log.warning("restarting: %s -P -m kiosk %s", sys.executable, " ".join(sys.argv[1:]))
    # -P: the working directory does not go first on the module path, where a `kiosk`
    # folder (a checkout) would run in the installed kiosk's place
    os.execv(sys.executable, [sys.executable, "-P", "-m", "kiosk", *sys.argv[1:]])  # noqa: S606


async def _main(
    loop: asyncio.AbstractEventLoop,
    config: Config,
    windowed: bool,
    event_log: Path | None,
    backend_url: str | None,
    server: ServerThread | None,
    config_path: Path | None,
    config_problem: str,
    session: bool,
) -> Leave | None:
    stop = asyncio.Event()
    events = EventLog(event_log)
    url = backend_url or (server.url if server else None)
    kiosk = build_app(
        config, loop, events=events, backend_url=url, config_path=config_path, server=server
    )
    kiosk.first_start = not url and config_path is not None and not config_path.exists()
    kiosk.config_problem = config_problem
    kiosk.on_leave = stop.set
    restarts = _restarts(kiosk, session)
    notifier = Notifier.from_environment()
    with _signals_set(stop), _watchdog(notifier):
        painted: asyncio.Future[None] = loop.create_future()
        kiosk.window.painted.connect(lambda view: _resolve(painted))
        kiosk.watch_scanner(True)  # before anything shows: a scan is never half typed in
        kiosk.window.show_kiosk(windowed, config.kiosk.hide_cursor)
        await asyncio.wait({painted}, timeout=5)  # go on even if nothing paints
        await kiosk.start()
        notifier.ready("idle screen shown")
        restarts.start()
        await stop.wait()
        if kiosk.leaving is Leave.RESTART:
            notifier.reloading()  # the same process comes back, and says READY again
        else:
            notifier.stopping()
    restarts.timer.stop()
    kiosk.window.allow_close = True
    kiosk.window.close()
    await kiosk.aclose()
    return kiosk.leaving


def _restarts(kiosk: KioskApp, session: bool) -> IdleRestart:
    """Restart into upgraded code at the first idle moment (`kiosk.app.restart`); under the
    kiosk session, leave it for systemd to start a new one when the screen's rotation changed."""
    watch = IdleRestart(Path(kiosk_package.__file__), lambda: kiosk.is_idle, parent=kiosk.window)
    kiosk.controller.view_changed.connect(lambda view: watch.activity())
    watch.wanted.connect(kiosk.leave)
    if session:
        kiosk.on_display_change = lambda: watch.request(Leave.EXIT)
    return watch


@contextlib.contextmanager
def _watchdog(notifier: Notifier) -> Iterator[QTimer | None]:
    """Ping systemd's watchdog from Qt's loop: a hung screen stops the pings, and systemd
    restarts the kiosk (``WatchdogSec`` in kiosk.service)."""
    if not notifier.watchdog_interval:
        yield None
        return
    timer = QTimer()
    timer.setInterval(int(notifier.watchdog_interval * 1000))
    timer.timeout.connect(notifier.ping)
    timer.start()
    try:
        yield timer
    finally:
        timer.stop()


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event) -> Iterator[QSocketNotifier]:
    """SIGTERM and SIGINT set `stop`; Qt's loop is woken through a socket pair."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: _drain(reader))
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    handlers = {
        sig: signal.signal(sig, lambda signum, frame: stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield notifier
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _drain(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.recv(64)
