"""The composition root: config → backend, inputs, controller, window, event log.

    kiosk = build_app(config, loop, backend=FakeBackend())   # a whole kiosk, in a test
    kiosk.controller.start()

`KioskApp` routes what inputs read to the controller (or to staff mode while it shows), applies
every saved change to the part it concerns, and starts and stops the whole. `run.py` is the
production process around it; `embedded.py` the kiosk's own server. Nothing here is global.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from kiosk.app.backend import BackendHost, Secrets
from kiosk.app.branding import BrandingError, ImageLoader
from kiosk.app.eventlog import EventLog
from kiosk.app.heartbeat import Heartbeat
from kiosk.app.keep import open_outbox
from kiosk.app.staffmode import KioskStatus, StaffMode
from kiosk.backends.base import Backend, BackendError, Place, SignsIn
from kiosk.backends.tokens import NO_CODE
from kiosk.domain import Credential, CredentialKind, Outcome, Status
from kiosk.flows.checkin import KioskController
from kiosk.flows.replay import Keeper
from kiosk.flows.staff import Leave, StaffController
from kiosk.flows.tasks import Failure, Tasks
from kiosk.inputs.camera import CameraInput, CameraState, CameraStatus, FrameScanner
from kiosk.inputs.pcsc.tags import Tap
from kiosk.inputs.reader import CardReader, NullSource, ReadFailure, TapSource
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.inputs.wedge import WedgeFilter
from kiosk.outbox.store import Backlog, Outbox
from kiosk.settings.file import settings, value_of
from kiosk.settings.model import Config, default_config_path
from kiosk.settings.vault import Secret, Vault, open_vault
from kiosk.ui.announce import QtAnnouncer
from kiosk.ui.member.idle import Method
from kiosk.ui.sounds import Chime, Player, QtPlayer
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.server.runner import ServerThread

log = logging.getLogger(__name__)
ENDING_SECONDS = 5.0


@dataclasses.dataclass
class KioskApp:
    """Everything a running kiosk is made of; `start` brings it up, `aclose` releases it all."""

    config: Config
    controller: KioskController
    window: KioskWindow
    events: EventLog
    reader: CardReader
    kinds: frozenset[CredentialKind]
    loop: asyncio.AbstractEventLoop
    host: BackendHost  # the backend, its HTTP client, the embedded server, the sign-ins
    keeper: Keeper  # the outbox: attempts the backend did not answer, and their replay
    wedge: WedgeFilter | None = None
    camera: CameraInput | None = None
    scanner_seen: bool = False
    leaving: Leave | None = None
    first_start: bool = False  # no configuration file and no backend given: set the kiosk up
    config_problem: str = ""  # why the settings file was not used (it is broken)
    last_read: datetime | None = None  # the reader's last read, for staff
    last_checkin: datetime | None = None  # a member last checked in or out here, for the server
    on_leave: Callable[[], None] = lambda: None
    on_display_change: Callable[[], None] = lambda: None  # the session restarts to apply it
    tasks: Tasks = dataclasses.field(init=False)  # applying changes in the background
    loops: Tasks = dataclasses.field(init=False)  # what runs as long as the kiosk (heartbeat)
    staff: StaffMode = dataclasses.field(init=False)  # set by `build_app`
    heartbeat: Heartbeat = dataclasses.field(init=False)  # set by `build_app`
    chime: Chime = dataclasses.field(init=False)  # a sound with each result, when sounds are on
    images: ImageLoader = dataclasses.field(default_factory=ImageLoader)  # the site's pictures

    def __post_init__(self) -> None:
        self.tasks = Tasks(self.loop, "app", self.failed)
        self.loops = Tasks(self.loop, "app loops", self.failed)  # never "settled": apart

    # what staff mode needs (`staffmode.RunningKiosk`)

    @property
    def backend(self) -> Backend:
        """The backend checks go to now."""
        return self.controller.backend

    @property
    def place(self) -> Place | None:
        """The location members check in to, once the backend has told."""
        return self.controller.place

    @property
    def last_tap(self) -> Tap | None:
        """The reader's last tap."""
        return self.reader.last_tap

    @property
    def own_db(self) -> Path | None:
        """The embedded server's database, when that server is the backend in use."""
        own = self.own_server
        return own.server.db if own is not None else None

    @property
    def is_idle(self) -> bool:
        """Members see the idle screen, no check-in is on its way and staff mode is closed."""
        return self.controller.is_idle and not self.staff.is_open

    def status(self) -> KioskStatus:
        """How the reader and the backend are doing."""
        status = self.reader.status
        reader = status.state.label or "off"
        if status.readers:
            reader += f" ({', '.join(status.readers)})"
        controller = self.controller
        return KioskStatus(
            reader,
            self.last_read,
            self.backend_name(),
            controller.online,
            controller.last_answer,
            self.host.clock.describe(),
            self.keeper.backlog,
            self.host.problem,
        )

    def report(self) -> tuple[str, bool, int, datetime | None]:
        """What the heartbeat tells the server: the reader, whether the backend is online,
        the outbox's length, when a member last checked in or out here."""
        status = self.status()
        return status.reader, bool(status.online), status.outbox.count, self.last_checkin

    def finished(self, attempt: object, outcome: Outcome) -> None:
        """A check-in's answer: a member came in or went out now."""
        if outcome.status in (Status.CHECKED_IN, Status.CHECKED_OUT):
            self.last_checkin = datetime.now(UTC)

    def backend_changed(self, online: bool) -> None:
        """The backend went online or offline: the log says so, with the outbox's length."""
        self.events.backend(online, self.keeper.backlog.count)

    def outbox_changed(self, backlog: Backlog) -> None:
        """Attempts were kept or sent: the idle screen's status line says so."""
        self.window.idle.set_kept(backlog.count)

    # input routing

    def tapped(self, credential: Credential) -> None:
        """A card or phone: staff mode's if it shows, else a check-in."""
        self.last_read = datetime.now(UTC)
        if not self.staff.tapped(credential):
            self.controller.present(credential)

    def leave(self, how: Leave) -> None:
        """Staff asked to exit or restart: stop the kiosk."""
        self.leaving = how
        self.on_leave()

    def present_pin(self, pin: str) -> None:
        """The PIN pad's PIN, as a credential."""
        self.controller.present(Credential(CredentialKind.PIN, pin, source="pinpad"))

    def present_email(self, address: str, password: str) -> None:
        """The email screen's address (with the password when the backend wants one)."""
        kind = CredentialKind.EMAIL_PASSWORD if password else CredentialKind.EMAIL
        self.controller.present(Credential(kind, address, "keyboard", password=password))

    def read_failed(self, failure: ReadFailure) -> None:
        """A tap gave no credential: log it and tell the member why."""
        self.events.read_failed(failure.reader, failure.reason.value, failure.detail)
        self.last_read = datetime.now(UTC)
        if self.staff.is_open:
            self.window.staff.show_message(f"Could not read that: {failure.reason.value}", True)
            return
        self.controller.refuse(failure.reason, failure.detail)

    def reader_changed(self, status: ReaderStatus) -> None:
        """Show the reader's state, and offer tapping only while a reader is ready."""
        self.events.reader(status.state.value, status.readers)
        self.window.idle.set_reader(status.state)
        self.refresh_methods()

    def scanned(self, credential: Credential) -> None:
        """A scanner read a pass: from now on the idle screen offers scanning."""
        self._saw_scanner()
        if self.staff.is_open:
            log.info("a pass was scanned in staff mode; ignored")
            return
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
        self.window.idle.set_camera(status.state)
        camera = self.camera if status.state is CameraState.READY else None
        self.window.idle.set_preview(camera.preview if camera is not None else None)
        self.refresh_methods()

    def refresh_methods(self) -> None:
        """Offer the ways to check in that work now."""
        camera = self.camera is not None and self.camera.status.state is CameraState.READY
        scan = self.scanner_seen or camera
        self.window.set_methods(methods(self.kinds, self.reader.status.state, scan))
        wants = (
            CredentialKind.EMAIL_PASSWORD in self.kinds and CredentialKind.EMAIL not in self.kinds
        )
        self.window.email.set_password_wanted(wants)

    def check(self, config: Config) -> None:
        """Raise `ConfigError` if this kiosk cannot use `config` (staff mode asks first)."""
        self.host.check(config)

    def apply(self, config: Config) -> None:
        """Use `config` now: every part whose settings changed takes them up."""
        if config == self.config:
            return
        old, self.config = self.config, config
        self.controller.apply(config)
        self.window.apply(config)
        self.chime.set_enabled(config.kiosk.sounds)
        if old.reader != config.reader:
            if old.reader.enabled != config.reader.enabled:
                self.tasks.run(self._swap_reader(config), "switch the reader")
            else:
                self.reader.apply(config.reader)
        if old.wedge != config.wedge:
            self._apply_wedge(config)
        if old.camera != config.camera:
            self.tasks.run(self._restart_camera(config), "restart the camera", exclusive=True)
        if old.offline.remember_days != config.offline.remember_days:
            self.keeper.forget_older(config.offline.remember_days)
        if (old.branding.logo, old.branding.background) != (
            config.branding.logo,
            config.branding.background,
        ):
            self.tasks.run(self._brand(config), "show the site's pictures", exclusive=True)
        if old.display != config.display:
            self.on_display_change()
        if old.backend != config.backend:
            self.tasks.run(self._apply_backend(config), "use the backend")
        elif old.kiosk.location != config.kiosk.location:
            self.controller.load_place()
        self.events.write("config", changed=_changed(old, config))
        self.refresh_methods()

    async def _brand(self, config: Config) -> None:
        """Load the logo and background `config` names and show them; what fails is said to
        staff in words (and logged), and the idle screen goes without it."""
        pictures: list[bytes | None] = []
        problems: list[str] = []
        branding = config.branding
        for what, source in (("logo", branding.logo), ("background", branding.background)):
            try:
                pictures.append(await self.images.load(source) if source else None)
            except BrandingError as exc:
                pictures.append(None)
                problems.append(f"The {what} is not shown: {exc}")
        problems += self.window.show_images(*pictures)
        for problem in problems:
            log.warning("branding: %s", problem)
        if problems and self.staff.is_open:
            self.window.staff.show_message(" · ".join(problems), True)

    async def _swap_reader(self, config: Config) -> None:
        await asyncio.to_thread(self.reader.stop)
        self.reader.replace(pcsc_source(config), config.reader)
        self.reader.start()

    def staff_shown(self, shown: bool) -> None:
        """Staff mode opened (True) or closed: while it shows, staff's typing is not taken for
        a scanner's and the screen does not go dark."""
        self.watch_scanner(not shown)
        self.controller.stay_awake(shown)

    def watch_scanner(self, watch: bool) -> None:
        """Watch keys for a scanner's bursts, or not while staff mode shows: staff type fast
        into its text fields, and a scan would be ignored there anyway."""
        if self.wedge is None:
            return
        if watch and self.config.wedge.enabled:
            self.wedge.install()
        else:
            self.wedge.remove()

    def _apply_wedge(self, config: Config) -> None:
        if self.wedge is None and config.wedge.enabled:
            self.wedge = WedgeFilter(config.wedge, parent=self.window)
            self.wedge.scanned.connect(self.scanned)
            self.wedge.failed.connect(self.scan_failed)
            self.wedge.started.connect(self.controller.coming)
        if self.wedge is None:
            return
        self.wedge.apply(config.wedge)
        self.watch_scanner(not self.staff.is_open)

    async def _restart_camera(self, config: Config) -> None:
        old, self.camera = self.camera, None
        if old is not None:
            await asyncio.to_thread(old.stop)
            old.deleteLater()
        self.window.idle.set_preview(None)
        self.window.idle.set_camera(None)
        if config.camera.enabled:
            self.camera = _camera(config, self.loop, self.window)
            _connect_camera(self)
            self.camera.start()
        self.refresh_methods()

    async def _apply_backend(self, config: Config) -> None:
        """Check with the backend `config` names from now on (the embedded server started or
        stopped as it asks); the idle screen offers the ways it accepts."""
        backend = await self.host.apply(config)
        if backend is None:
            return  # a backend given to `build_app` (tests) stays
        self.kinds = backend.kinds
        self.controller.use_backend(backend)
        self.refresh_methods()
        self.controller.load_place()

    def secret_changed(self, which: Secret) -> None:
        """A backend secret changed in staff mode: sign in with it from the next call on (a
        new device token from pairing: check members in with it at once)."""
        if isinstance(self.backend, SignsIn):
            self.backend.forget_sign_in()
        if which is Secret.ADMIN_TOKEN:
            self.grant_staff_access()
        client = self.host.client
        if which is Secret.DEVICE_TOKEN and client is not None and not client.embedded:
            client.use_device_token(self.host.secrets.get(Secret.DEVICE_TOKEN))
            self.controller.load_place()  # it answers now: what was kept goes too

    def use_code(self, code: str) -> None:
        """Sign in with the two-factor code staff typed, from the next call on; raises
        `BackendError` saying why not."""
        if not isinstance(self.backend, SignsIn):
            raise BackendError(NO_CODE)
        self.backend.use_code(code)

    async def settled(self) -> None:
        """Wait until the changes being applied are in use."""
        await self.tasks.settled()

    def grant_staff_access(self) -> None:
        """Give the backend the admin token staff lists need."""
        self.host.grant_staff_access(self.staff.admin_token)

    @property
    def own_server(self) -> ServerThread | None:
        """The embedded server, when it is the backend in use."""
        return self.host.own_server

    def pairing_url(self) -> str | None:
        """The `kiosk serve` server in use, which this kiosk pairs with (None: another)."""
        client = self.host.client
        return client.base_url if client is not None and not client.embedded else None

    def backend_name(self) -> str:
        """The backend in words, for staff."""
        return self.host.name(self.config)

    def failed(self, failure: Failure) -> None:
        """A setting could not be applied: tell staff (the traceback is logged)."""
        self.window.staff.show_message(f"Not applied: {failure.error}", error=True)

    async def start(self) -> None:
        """Start the card reader; then the embedded server if the backend is ours and not yet
        running, and the controller. The server starts in a thread after the window is up:
        the idle screen does not wait for it."""
        self.reader.start()
        if self.wedge is not None:
            self.wedge.install()
        if self.camera is not None:
            self.camera.start()
        if self.config.branding.logo or self.config.branding.background:
            self.tasks.run(self._brand(self.config), "show the site's pictures", exclusive=True)
        await self.host.start(self.config)
        self.controller.start()
        self.loops.run(self.heartbeat.run(), "heartbeat")
        self.keeper.forget_older(self.config.offline.remember_days)
        self.keeper.kick()  # what an earlier run kept
        self.staff.protect(first_start=self.first_start, problem=self.config_problem)

    async def aclose(self) -> None:
        """Stop the reader and the controller, close the HTTP client, the embedded server and
        the log."""
        self.tasks.close()
        self.loops.close()
        self.staff.close()
        if self.wedge is not None:
            self.wedge.remove()
        if self.camera is not None:
            await asyncio.to_thread(self.camera.stop)
        await asyncio.to_thread(self.reader.stop)
        self.controller.close()  # a check waiting for its answer goes to the outbox
        self.keeper.close()
        await _ended(self.tasks.settled(), self.loops.settled(), self.staff.settled(),
                     self.controller.settled(),
                     self.keeper.settled())  # fmt: skip
        self.keeper.outbox.close()
        self.keeper.known.close()
        await self.host.aclose()
        self.chime.player.close()
        self.events.close()


async def _ended(*waits: Coroutine[Any, Any, None]) -> None:
    """Wait (a few seconds at most) until cancelled work has ended: an HTTP call cancelled
    mid-request finishes its cancellation on the loop, which must still run then."""
    done = asyncio.gather(*waits)
    try:
        await asyncio.wait_for(done, ENDING_SECONDS)
    except TimeoutError:
        log.warning("background work did not end within %.0f s of stopping", ENDING_SECONDS)


def build_app(
    config: Config,
    loop: asyncio.AbstractEventLoop,
    backend: Backend | None = None,
    events: EventLog | None = None,
    backend_url: str | None = None,
    source: TapSource | None = None,
    config_path: Path | None = None,
    vault: Callable[[], Vault] | None = None,
    player: Player | None = None,
    http: httpx.AsyncClient | None = None,
    server: ServerThread | None = None,
    outbox: Outbox | None = None,
) -> KioskApp:
    """Build and wire a kiosk; without `backend`, the one `config` names (over `http`, or a
    client of its own), and without `source`, the PC/SC readers (or a null reader where PC/SC
    is missing or switched off).

    With no URL at all the backend is the embedded server, started by `KioskApp.start`; a
    `server` already running (`kiosk demo`'s) at `backend_url` counts as embedded. The outbox
    is beside `config_path` (in memory without one), unless one is given.
    """
    path = config_path or default_config_path()
    secrets = Secrets(vault or (lambda: open_vault(path)))
    if backend is None:
        host = BackendHost.for_config(config, secrets, backend_url, http, server)
    else:
        host = BackendHost.fixed(backend, secrets)
    backend = host.backend
    events = events or EventLog(None)
    kept, known = open_outbox(config_path, secrets)
    keeper = Keeper(outbox or kept, lambda: host.backend, loop, known=known)
    controller = KioskController(config, backend, loop, keeper=keeper)
    window = KioskWindow(config, announcer=QtAnnouncer())
    reader = CardReader(source or pcsc_source(config), config.reader, loop)
    kinds = frozenset(backend.kinds)
    kiosk = KioskApp(config, controller, window, events, reader, kinds, loop, host, keeper)
    keeper.target = lambda: host.target(kiosk.config)  # where kept attempts are meant to go
    keeper.skew = lambda: host.clock.skew
    kiosk.chime = Chime(player or QtPlayer(), config.kiosk.sounds)
    window.idle.sound_wanted.connect(kiosk.chime.set_wanted)
    if config.wedge.enabled:
        kiosk.wedge = WedgeFilter(config.wedge, parent=window)
    if config.camera.enabled:
        kiosk.camera = _camera(config, loop, window)
    staff = StaffController(config, path, secrets.open, kiosk.check, parent=window)
    staff.config_changed.connect(kiosk.apply)
    staff.secret_changed.connect(kiosk.secret_changed)
    staff.leave.connect(kiosk.leave)
    kiosk.staff = StaffMode(kiosk, staff, window, events, loop)
    kiosk.heartbeat = Heartbeat(kiosk, staff.change_remotely, quiet=lambda: controller.quiet,
                                asleep=lambda: controller.asleep)  # fmt: skip
    _connect(kiosk)
    kiosk.refresh_methods()
    return kiosk


def pcsc_source(config: Config) -> TapSource:
    """The PC/SC supervisor (it reports a missing PC/SC library as a status), or a null reader
    when the reader is switched off."""
    if not config.reader.enabled:
        return NullSource(ReaderState.OFF)
    from kiosk.inputs.pcsc.scard import ScardPcsc
    from kiosk.inputs.pcsc.supervisor import PcscSupervisor

    return PcscSupervisor(ScardPcsc(), config.reader)


def methods(
    kinds: frozenset[CredentialKind], reader: ReaderState, scanner: bool = False
) -> set[Method]:
    """The ways to check in that the idle screen offers: tapping while a reader is ready,
    scanning once a scanner has shown it is there."""
    offered = {Method.PIN} if CredentialKind.PIN in kinds else set()
    if kinds & {CredentialKind.EMAIL, CredentialKind.EMAIL_PASSWORD}:
        offered.add(Method.EMAIL)
    if reader is ReaderState.READY and kinds & {CredentialKind.CARD, CredentialKind.PHONE}:
        offered.add(Method.TAP)
    if scanner and CredentialKind.QR in kinds:
        offered.add(Method.SCAN)
    return offered


def _connect(kiosk: KioskApp) -> None:
    controller, window, events = kiosk.controller, kiosk.window, kiosk.events
    controller.view_changed.connect(window.show_view)
    controller.view_changed.connect(kiosk.chime.show)
    controller.place_changed.connect(window.set_place)
    controller.backend_changed.connect(window.idle.set_backend)
    controller.backend_changed.connect(kiosk.backend_changed)
    controller.asleep_changed.connect(lambda _asleep: kiosk.heartbeat.nudge())
    kiosk.keeper.changed.connect(kiosk.outbox_changed)
    kiosk.keeper.replayed.connect(events.replayed)
    controller.accepted.connect(events.credential)
    controller.finished.connect(kiosk.finished)
    kiosk.reader.tapped.connect(kiosk.tapped)
    kiosk.reader.failed.connect(kiosk.read_failed)
    kiosk.reader.status_changed.connect(kiosk.reader_changed)
    window.painted.connect(events.painted)
    window.pin_requested.connect(controller.open_pin)
    window.result.retry.connect(controller.retry)
    window.result.keep.connect(controller.keep)
    window.result.done.connect(controller.done)
    window.email_requested.connect(controller.open_email)
    window.email.submitted.connect(kiosk.present_email)
    window.email.cancelled.connect(controller.cancel)
    window.email.touched.connect(controller.touched)
    window.pin.submitted.connect(kiosk.present_pin)
    window.pin.cancelled.connect(controller.cancel)
    window.pin.touched.connect(controller.touched)
    window.ask.chosen.connect(controller.choose)
    window.ask.cancelled.connect(controller.cancel)
    # a member on their way: the backend's connection is made ready while they type or tap
    for coming in (window.idle_touched, window.pin_requested, window.email_requested,
                   window.pin.touched, window.email.touched):  # fmt: skip
        coming.connect(controller.coming)
    kiosk.reader.arriving.connect(lambda _reader: controller.coming())
    if kiosk.wedge is not None:
        kiosk.wedge.scanned.connect(kiosk.scanned)
        kiosk.wedge.failed.connect(kiosk.scan_failed)
        kiosk.wedge.started.connect(controller.coming)
    if kiosk.camera is not None:
        _connect_camera(kiosk)


def _camera(config: Config, loop: asyncio.AbstractEventLoop, window: KioskWindow) -> CameraInput:
    scanner = FrameScanner(config.camera, loop, config.reader.repeat_after, parent=window)
    return CameraInput(config.camera, scanner)


def _connect_camera(kiosk: KioskApp) -> None:
    assert kiosk.camera is not None
    kiosk.camera.scanner.scanned.connect(kiosk.scanned)
    kiosk.camera.scanner.failed.connect(kiosk.read_failed)
    kiosk.camera.status_changed.connect(kiosk.camera_changed)


def _changed(old: Config, new: Config) -> list[str]:
    """The keys that differ (names only: values may be private)."""
    return [s.key for s in settings() if value_of(old, s.key) != value_of(new, s.key)]
