"""The composition root: config → backend, inputs, controller, window, event log.

    kiosk = build_app(config, loop, backend=FakeBackend())   # a whole kiosk, in a test
    kiosk.controller.start()

`run` is the production entry point: a QApplication with asyncio on its loop (qasync), one
long-lived `httpx.AsyncClient`, the embedded server in a thread when no backend URL is given,
and a clean shutdown on SIGTERM or Ctrl-C. Nothing here is global.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from kiosk.backends.base import Backend
from kiosk.backends.nexudus import NexudusClient
from kiosk.config import BackendKind, Config, ConfigError
from kiosk.controller import KioskController
from kiosk.domain import Credential, CredentialKind
from kiosk.eventlog import EventLog
from kiosk.gcguard import MainThreadCollector
from kiosk.inputs.camera import CameraInput, CameraState, CameraStatus, FrameScanner
from kiosk.inputs.reader import CardReader, NullSource, ReadFailure, TapSource
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.inputs.wedge import WedgeFilter
from kiosk.paths import default_db_path
from kiosk.ui.idle import Method
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.server.runner import ServerThread

log = logging.getLogger(__name__)


@dataclasses.dataclass
class KioskApp:
    """Everything a running kiosk is made of; `start` brings it up, `aclose` releases it all."""

    config: Config
    controller: KioskController
    window: KioskWindow
    events: EventLog
    reader: CardReader
    kinds: frozenset[CredentialKind]
    http: httpx.AsyncClient | None = None
    client: NexudusClient | None = None
    server: ServerThread | None = None
    wedge: WedgeFilter | None = None
    camera: CameraInput | None = None
    scanner_seen: bool = False

    def present_pin(self, pin: str) -> None:
        """The PIN pad's PIN, as a credential."""
        self.controller.present(Credential(CredentialKind.PIN, pin, source="pinpad"))

    def read_failed(self, failure: ReadFailure) -> None:
        """A tap gave no credential: log it and tell the member why."""
        self.events.read_failed(failure.reader, failure.reason.value, failure.detail)
        self.controller.refuse(failure.reason, failure.detail)

    def reader_changed(self, status: ReaderStatus) -> None:
        """Show the reader's state, and offer tapping only while a reader is ready."""
        self.events.reader(status.state.value, status.readers)
        self.window.idle.set_reader(status.state.label)
        self.refresh_methods()

    def scanned(self, credential: Credential) -> None:
        """A scanner read a pass: from now on the idle screen offers scanning."""
        self._saw_scanner()
        self.controller.present(credential)

    def scan_failed(self, failure: ReadFailure) -> None:
        """A scanner read a code that is not a pass (a scanner is there all the same)."""
        self._saw_scanner()
        self.read_failed(failure)

    def _saw_scanner(self) -> None:
        if not self.scanner_seen:
            self.scanner_seen = True
            self.refresh_methods()

    def camera_changed(self, status: CameraStatus) -> None:
        """Show the camera's state and its picture while it works."""
        self.events.camera(status.state.value, status.camera)
        self.window.idle.set_camera(status.state.label)
        camera = self.camera if status.state is CameraState.READY else None
        self.window.idle.set_preview(camera.preview if camera is not None else None)
        self.refresh_methods()

    def refresh_methods(self) -> None:
        """Offer the ways to check in that work now."""
        camera = self.camera is not None and self.camera.status.state is CameraState.READY
        scan = self.scanner_seen or camera
        self.window.set_methods(methods(self.kinds, self.reader.status.state, scan))

    async def start(self) -> None:
        """Start the card reader; then the embedded server if the backend is ours and not yet
        running, and the controller. The server starts in a thread after the window is up:
        the idle screen does not wait for it."""
        self.reader.start()
        if self.wedge is not None:
            self.wedge.install()
        if self.camera is not None:
            self.camera.start()
        if self.client is not None and not self.client.base_url:
            self.server = await asyncio.to_thread(start_embedded, self.config)
            self.client.base_url = self.server.url
        self.controller.start()

    async def aclose(self) -> None:
        """Stop the reader and the controller, close the HTTP client, the embedded server and
        the log."""
        if self.wedge is not None:
            self.wedge.remove()
        if self.camera is not None:
            await asyncio.to_thread(self.camera.stop)
        await asyncio.to_thread(self.reader.stop)
        self.controller.close()
        if self.http is not None:
            await self.http.aclose()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)
            self.server.server.store.close()
        self.events.close()


def build_app(
    config: Config,
    loop: asyncio.AbstractEventLoop,
    backend: Backend | None = None,
    events: EventLog | None = None,
    backend_url: str | None = None,
    source: TapSource | None = None,
) -> KioskApp:
    """Build and wire a kiosk; without `backend`, the one `config` names, and without
    `source`, the PC/SC readers (or a null reader where PC/SC is missing or switched off).

    With no URL at all the backend is the embedded server, started by `KioskApp.start`.
    """
    http: httpx.AsyncClient | None = None
    client: NexudusClient | None = None
    if backend is None:
        url = backend_url or config.backend.url
        if config.backend.kind is BackendKind.KADENCE and not backend_url:
            raise ConfigError("backend.kind = 'kadence' is not available in this version")
        if config.backend.kind is BackendKind.NEXUDUS and not url:
            raise ConfigError("backend.kind = 'nexudus' needs backend.url")
        http = new_http_client(config)
        backend = client = NexudusClient(http, url, config.backend.pin_field)
    events = events or EventLog(None)
    controller = KioskController(config, backend, loop)
    window = KioskWindow(config)
    reader = CardReader(source or pcsc_source(config), config.reader, loop)
    kinds = frozenset(backend.kinds)
    kiosk = KioskApp(config, controller, window, events, reader, kinds, http, client)
    if config.wedge.enabled:
        kiosk.wedge = WedgeFilter(config.wedge, parent=window)
    if config.camera.enabled:
        scanner = FrameScanner(config.camera, loop, config.reader.repeat_after, parent=window)
        kiosk.camera = CameraInput(config.camera, scanner)
    _connect(kiosk)
    kiosk.refresh_methods()
    return kiosk


def pcsc_source(config: Config) -> TapSource:
    """The PC/SC supervisor (it reports a missing PC/SC library as a status), or a null reader
    when the reader is switched off."""
    if not config.reader.enabled:
        return NullSource(ReaderState.OFF)
    from kiosk.inputs.pcsc import PcscSupervisor
    from kiosk.inputs.scard import ScardPcsc

    return PcscSupervisor(ScardPcsc(), config.reader)


def methods(
    kinds: frozenset[CredentialKind], reader: ReaderState, scanner: bool = False
) -> set[Method]:
    """The ways to check in that the idle screen offers: tapping while a reader is ready,
    scanning once a scanner has shown it is there."""
    offered = {Method.PIN} if CredentialKind.PIN in kinds else set()
    if reader is ReaderState.READY and kinds & {CredentialKind.CARD, CredentialKind.PHONE}:
        offered.add(Method.TAP)
    if scanner and CredentialKind.QR in kinds:
        offered.add(Method.SCAN)
    return offered


def new_http_client(config: Config) -> httpx.AsyncClient:
    """The kiosk's one HTTP client, with the configured timeouts."""
    timeout = httpx.Timeout(config.backend.timeout, connect=config.backend.connect_timeout)
    return httpx.AsyncClient(timeout=timeout, headers={"User-Agent": "kiosk"})


def _connect(kiosk: KioskApp) -> None:
    controller, window, events = kiosk.controller, kiosk.window, kiosk.events
    controller.view_changed.connect(window.show_view)
    controller.place_changed.connect(window.set_place)
    controller.backend_changed.connect(window.idle.set_backend)
    controller.backend_changed.connect(events.backend)
    controller.accepted.connect(events.credential)
    kiosk.reader.tapped.connect(controller.present)
    kiosk.reader.failed.connect(kiosk.read_failed)
    kiosk.reader.status_changed.connect(kiosk.reader_changed)
    window.painted.connect(events.painted)
    window.pin_requested.connect(controller.open_pin)
    window.pin.submitted.connect(kiosk.present_pin)
    window.pin.cancelled.connect(controller.cancel)
    window.pin.touched.connect(controller.touched)
    window.ask.chosen.connect(controller.choose)
    window.ask.cancelled.connect(controller.cancel)
    if kiosk.wedge is not None:
        kiosk.wedge.scanned.connect(kiosk.scanned)
        kiosk.wedge.failed.connect(kiosk.scan_failed)
    if kiosk.camera is not None:
        kiosk.camera.scanner.scanned.connect(kiosk.scanned)
        kiosk.camera.scanner.failed.connect(kiosk.read_failed)
        kiosk.camera.status_changed.connect(kiosk.camera_changed)


def start_embedded(config: Config) -> ServerThread:
    """The embedded check-in server on a free loopback port, in a thread."""
    from kiosk.server.runner import ServerThread, open_server
    from kiosk.server.store import StoreError

    db = Path(config.backend.db).expanduser() if config.backend.db else default_db_path()
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        server = open_server(db)
    except (OSError, StoreError) as exc:
        raise ConfigError(f"cannot open the embedded server's database {db}: {exc}") from None
    if not server.store.locations():
        log.warning(
            "the embedded server at %s has no locations yet: add one with "
            "`kiosk locations add --db %s --name NAME`",
            db,
            db,
        )
    thread = ServerThread(server)
    return thread.start()


def run(
    config: Config,
    windowed: bool = False,
    event_log: Path | None = None,
    backend_url: str | None = None,
    server: ServerThread | None = None,
) -> int:
    """The kiosk until SIGTERM or Ctrl-C; returns the exit status."""
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
        return int(
            loop.run_until_complete(_main(loop, config, windowed, event_log, backend_url, server))
        )
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        collector.stop()


async def _main(
    loop: asyncio.AbstractEventLoop,
    config: Config,
    windowed: bool,
    event_log: Path | None,
    backend_url: str | None,
    server: ServerThread | None,
) -> int:
    stop = asyncio.Event()
    events = EventLog(event_log)
    url = backend_url or (server.url if server else None)
    kiosk = build_app(config, loop, events=events, backend_url=url)
    kiosk.server = server
    with _signals_set(stop):
        painted: asyncio.Future[None] = loop.create_future()
        kiosk.window.painted.connect(lambda view: _resolve(painted))
        kiosk.window.show_kiosk(windowed, config.kiosk.hide_cursor)
        await asyncio.wait({painted}, timeout=5)  # go on even if nothing paints
        await kiosk.start()
        await stop.wait()
    kiosk.window.allow_close = True
    kiosk.window.close()
    await kiosk.aclose()
    return 0


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
