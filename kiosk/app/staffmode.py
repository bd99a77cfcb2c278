"""Staff mode wired into a running kiosk: the corner, the staff screens, taps, and the views.

`StaffMode` connects the `StaffController` to the window and fetches what the staff pages show
(the backend's locations, who is in, failed check-ins, health). It is built by `build_app`;
`KioskApp.apply` makes every saved change take effect.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from kiosk import __version__
from kiosk.app.backend import trusted
from kiosk.app.eventlog import EventLog
from kiosk.backends.base import (
    Backend,
    BackendError,
    FailedCheckin,
    Place,
    Presence,
    StaffData,
)
from kiosk.backends.local.pairing import pair
from kiosk.backends.registry import Choice, first_choice
from kiosk.backends.tokens import CodeNeededError
from kiosk.domain import Credential, CredentialKind
from kiosk.flows.replay import Keeper
from kiosk.flows.staff import StaffController, StaffState, StaffView
from kiosk.flows.tasks import Failure, Tasks
from kiosk.flows.wizard import SetupWizard, WizardView, is_timezone, local_timezone
from kiosk.inputs.pcsc.cardid import all_formats
from kiosk.inputs.pcsc.tags import TagKind, Tap
from kiosk.outbox.store import Backlog, OutboxError
from kiosk.settings import staffcard
from kiosk.settings.model import BackendKind, Config
from kiosk.settings.vault import Secret, VaultError
from kiosk.ui.present import zone
from kiosk.ui.staff.fields import Edit
from kiosk.ui.staff.form import SecretEdit
from kiosk.ui.staff.screen import Health, StaffScreen, TapInfo
from kiosk.ui.staff.wizard import WizardScreen
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

FAILED_SHOWN = 15
KEPT_SHOWN = 5  # kept check-ins sent or discarded lately, on the Health page


@dataclasses.dataclass(frozen=True)
class KioskStatus:
    """How the running kiosk's parts are doing, for the Health page."""

    reader: str
    last_read: datetime | None
    backend: str
    online: bool | None
    last_answer: datetime | None
    clock: str = "not compared yet"  # the kiosk's clock against the backend's
    outbox: Backlog = dataclasses.field(default_factory=Backlog)
    problem: str = ""  # why the backend could not be reached at the last try


class RunningKiosk(Protocol):
    """What staff mode needs of the running kiosk (`KioskApp` is one; tests may pass another)."""

    @property
    def config(self) -> Config:
        """The configuration in force."""
        ...

    @property
    def backend(self) -> Backend:
        """The backend checks go to now."""
        ...

    @property
    def place(self) -> Place | None:
        """The location members check in to, once the backend has told."""
        ...

    @property
    def last_tap(self) -> Tap | None:
        """The reader's last tap, with the card's raw UID."""
        ...

    @property
    def own_db(self) -> Path | None:
        """The embedded server's database, when that server is the backend in use."""
        ...

    def status(self) -> KioskStatus:
        """How the reader and the backend are doing."""
        ...

    @property
    def keeper(self) -> Keeper:
        """The outbox and its replay."""
        ...

    def staff_shown(self, shown: bool) -> None:
        """Staff mode opened (True) or closed: no scanner's bursts are watched and the screen
        does not sleep while it shows."""
        ...

    def use_code(self, code: str) -> None:
        """Sign in with this two-factor code; raises `BackendError` saying why not."""
        ...

    def grant_staff_access(self) -> None:
        """Give the backend the token staff lists need."""
        ...

    async def settled(self) -> None:
        """Wait until the changes being applied are in use."""
        ...

    def pairing_url(self) -> str | None:
        """The `kiosk serve` server this kiosk checks members in with (None: another kind)."""
        ...


class StaffMode:
    """Staff mode in a kiosk: routes intent to the staff controller and the wizard, and fills
    the staff pages from the running kiosk."""

    def __init__(
        self,
        kiosk: RunningKiosk,
        staff: StaffController,
        window: KioskWindow,
        events: EventLog,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.kiosk = kiosk
        self.staff = staff
        self.window = window
        self.events = events
        self._tasks = Tasks(loop, "staff mode", self._failed)
        self._code_sent = False  # a two-factor code was sent: say how the sign-in went
        self._switch_to: Choice | None = None
        self.wizard = SetupWizard(staff, KioskSites(kiosk), loop, parent=window)
        window.corner.held.connect(staff.request)
        window.corner.pressed.connect(staff.touched)
        staff.view_changed.connect(self.changed)
        window.staff_pin.entered.connect(staff.enter_pin)
        window.staff_pin.chosen.connect(self._chosen)
        window.staff_pin.cancelled.connect(self._pin_cancelled)
        window.staff_pin.touched.connect(staff.touched)
        window.staff_built.connect(self._wire)
        window.wizard_built.connect(self._wire_wizard)
        self.wizard.view_changed.connect(self._wizard_changed)
        self._wizard_shown: tuple[str, bool] | None = None

    def protect(self, first_start: bool, problem: str = "") -> None:
        """Never unprotected: without a staff PIN, ask for one first (and on a first start go
        on to the setup wizard). A broken settings file (`problem`) never opens set-up to the
        public: staff are told of it in staff mode, and without a staff PIN staff mode stays
        shut until the file is fixed on the machine."""
        if problem:
            log.error("the settings file cannot be used: %s", problem)
            self.staff.damaged = problem
            self.events.write("config", problem=problem)
        elif not self.staff.protected:
            self.staff.setup(guided=first_start)

    def admin_token(self) -> str:
        """The `kiosk serve` server's admin token staff kept ("" when none); raises
        `VaultError`."""
        return self.staff.vault.get(Secret.ADMIN_TOKEN) or ""

    def _wizard_changed(self, view: WizardView) -> None:
        """Show the wizard's step, and log each step and when its locations arrive."""
        self.window.wizard.show_view(view)
        shown = (view.step.value, view.loading)
        if shown != self._wizard_shown:
            self._wizard_shown = shown
            self.events.write(
                "wizard", step=view.step.value, loading=view.loading, places=len(view.places)
            )

    def _wire_wizard(self, screen: WizardScreen) -> None:
        """Connect the setup wizard's screen, once it is built."""
        wizard = self.wizard
        screen.choose.connect(wizard.choose)
        screen.forward.connect(wizard.next)
        screen.backward.connect(wizard.back)
        screen.pick.connect(wizard.pick)
        screen.new_place.connect(wizard.create)
        screen.reload.connect(wizard.reload)
        screen.timezone.connect(wizard.set_timezone)
        screen.edit.connect(lambda edit: wizard.edit(edit.key, edit.value))
        screen.secret.connect(lambda edit: wizard.secret(edit.name, edit.value))
        screen.code.connect(wizard.use_code)
        screen.pair.connect(self._pair)

    def _wire(self, screen: StaffScreen) -> None:
        """Connect staff mode's main screen, once it is built."""
        screen.edit.connect(self._edit)
        screen.secret.connect(self._secret)
        screen.new_pin.connect(self.window.ask_new_staff_pin)
        screen.add_card.connect(self._add_card)
        screen.refresh.connect(self.refresh)
        screen.closed.connect(self.staff.close)
        screen.leave.connect(self.staff.quit)
        screen.guide.connect(self.staff.guide)
        screen.code.connect(self._use_code)
        screen.pair.connect(self._pair)
        screen.kept.retry.connect(self._retry_kept)
        screen.kept.discard.connect(self._discard_kept)
        screen.adder.set_zone(local_timezone())
        screen.timezone.connect(self._zone)
        screen.new_place.connect(self._add_place)

    def _zone(self, name: str) -> None:
        if is_timezone(name):
            self.window.staff.adder.set_zone(name)
        else:
            self.staff.say(f"{name!r} is not a time zone; try one like Europe/Berlin", error=True)

    def _add_place(self, name: str) -> None:
        if not name.strip():
            self.staff.say("Type the location's name", error=True)
            return
        zone = self.window.staff.adder.zone_name
        self._tasks.run(self._create(name.strip(), zone), "add a location")

    async def _create(self, name: str, zone: str) -> None:
        try:
            place = await self.wizard.sites.create(name, zone)
        except BackendError as exc:
            self.staff.say(f"Not added: {exc}", error=True)
            return
        log.info("location %s added from staff mode", place.id)
        self.staff.say(f"Added {place.name} ({zone}); tap it to check members in there")
        self.refresh()

    @property
    def is_open(self) -> bool:
        """Whether staff mode shows."""
        return self.staff.is_open

    def changed(self, view: StaffView) -> None:
        """Show staff mode's new state, log it, and fill the pages when it opens."""
        was = self.window.staff_view.state
        self.window.show_staff(view)
        if view.state is not was:
            self.events.write("staff", state=view.state.value)
            self.kiosk.staff_shown(view.state is not StaffState.CLOSED)
        if view.state is StaffState.WIZARD and was is not StaffState.WIZARD:
            choice, self._switch_to = self._switch_to, None
            self.wizard.start(choice)
        if view.state is StaffState.OPEN and was is not StaffState.OPEN:
            self.show_config()
            if was is StaffState.WIZARD:
                self.window.staff.open_page("Backend")
            self.refresh()

    def show_config(self) -> None:
        """Put the configuration in force on the staff pages."""
        try:
            held = {s for s in Secret.staff() if self.staff.vault.get(s)}
        except VaultError as exc:
            self.window.staff.show_message(str(exc), error=True)
            held = set()
        self.window.staff.show_config(self.staff.config, held, self.staff.remote)
        self.window.staff.pairing.setVisible(self.kiosk.pairing_url() is not None)

    def tapped(self, credential: Credential) -> bool:
        """A tap while staff mode shows: a staff card, or the reader test. True if used."""
        if not self.is_open:
            return False
        tap = self.kiosk.last_tap
        values = {credential.value}
        if credential.kind is CredentialKind.CARD and tap is not None and tap.kind is TagKind.CARD:
            formats = tuple(all_formats(tap.uid))
            values |= {value for _, value in formats}
            info = TapInfo(formats, self.kiosk.config.reader.uid_format, tap.reader)
            self.window.staff.show_tap(info)
        self.staff.card(values)
        return True

    def refresh(self, code_sent: bool = False) -> None:
        """Reload the locations, who is in, failed check-ins and health (in the background;
        a reload still running is replaced); after a two-factor code, say whether the sign-in
        worked, even when a later reload replaced the one the code started."""
        self._code_sent = self._code_sent or code_sent
        if self.staff.view.state is StaffState.OPEN:
            self._tasks.run(self._refresh(), "refresh", exclusive=True)

    async def _refresh(self) -> None:
        screen, kiosk = self.window.staff, self.kiosk
        screen.show_health(self.health(), self._when)
        self.show_kept()
        backend = kiosk.backend
        try:
            places = await backend.places()
            current = kiosk.config.kiosk.location or _first(places)
            screen.show_places(places, current, can_create=self.wizard.sites.can_create)
            if self._code_sent:
                self.staff.say("Signed in with the two-factor code")
        except BackendError as exc:
            wanted = isinstance(exc, CodeNeededError)
            screen.show_places([], "", f"The backend's locations cannot be listed: {exc}", wanted)
            if self._code_sent:
                self.staff.say(str(exc), error=True)
        self._code_sent = False
        if not isinstance(backend, StaffData):
            note = "This backend does not offer this list."
            screen.show_people(note, note, self._when)
            return
        kiosk.grant_staff_access()
        location = kiosk.place.id if kiosk.place else None
        present: list[Presence] | str
        failed: list[FailedCheckin] | str
        try:
            present = await backend.present(location)
        except BackendError as exc:
            present = f"Cannot be shown: {exc}"
        try:
            failed = await backend.failed(location, FAILED_SHOWN)
        except BackendError as exc:
            failed = f"Cannot be shown: {exc}"
        screen.show_people(present, failed, self._when)

    def health(self) -> Health:
        """The kiosk's state for the Health page."""
        status = self.kiosk.status()
        try:
            secrets = self.staff.vault.where
        except VaultError as exc:
            secrets = str(exc)
        return Health(
            reader=status.reader,
            last_read=status.last_read,
            backend=status.backend,
            online=status.online,
            last_answer=status.last_answer,
            clock=status.clock,
            version=__version__,
            config_path=str(self.staff.path),
            secrets=secrets,
            outbox=status.outbox,
            problem=status.problem,
        )

    def show_kept(self) -> None:
        """The outbox on the Health page: what is kept, and what became of the latest."""
        outbox = self.kiosk.keeper.outbox
        try:
            entries, ended = outbox.entries(), outbox.history(KEPT_SHOWN)
        except OutboxError as exc:
            self.window.staff.show_message(str(exc), error=True)
            return
        self.window.staff.kept.show_kept(entries, ended, self._when)

    def _retry_kept(self) -> None:
        self.kiosk.keeper.retry()
        self.staff.say("Sending the kept check-ins now")
        self.refresh()

    def _discard_kept(self, entry_id: int, why: str) -> None:
        if self.kiosk.keeper.discard(entry_id, why):
            self.events.write("discarded", why=why)
            self.staff.say(f"Discarded a kept check-in: {why}")
        self.refresh()

    def _when(self, moment: datetime) -> str:
        place = self.kiosk.place
        local = moment.astimezone(zone(place.timezone if place else None))
        return f"{local:%a %H:%M}"

    def _edit(self, edit: Edit) -> None:
        if edit.key == "backend.kind" and edit.value != self.staff.config.backend.kind:
            self._switch_backend(edit.value)
        elif self.staff.change(edit.key, edit.value):
            self.show_config()

    def _switch_backend(self, kind: object) -> None:
        """Another backend needs its sign-in and a location of its own: the wizard asks."""
        choice = first_choice(BackendKind(str(kind)))
        if self.wizard.unavailable(choice):
            self.staff.say(f"Not changed: {self.wizard.unavailable(choice)}", error=True)
            return
        self._switch_to = choice
        self.staff.guide()

    def _secret(self, edit: SecretEdit) -> None:
        if self.staff.set_secret(edit.name, edit.value):
            self.show_config()

    def _use_code(self, code: str) -> None:
        try:
            self.kiosk.use_code(code)
        except BackendError as exc:
            self.staff.say(str(exc), error=True)
            return
        self.staff.say("Signing in with the two-factor code…")
        self.refresh(code_sent=True)

    def _pair(self, code: str) -> None:
        """Exchange a one-time code for this kiosk's device token, kept in the vault."""
        self.staff.say("Pairing with the server…")
        self._tasks.run(self._pairing(code), "pair", exclusive=True)

    async def _pairing(self, code: str) -> None:
        config = self.staff.config
        url = self.kiosk.pairing_url() or config.backend.url
        if not url:
            self.staff.say("Type the server's address first", error=True)
            return
        verify = trusted(config)
        try:
            paired = await asyncio.to_thread(pair, url, code, config.backend.timeout * 2, verify)
        except BackendError as exc:
            self.staff.say(f"Not paired: {exc}", error=True)
            return
        if self.staff.set_secret(Secret.DEVICE_TOKEN, paired.token):
            self.staff.say(f"Paired with {url} as device {paired.device_id} ({paired.name})")

    def _add_card(self, card: str) -> None:
        cards = self.staff.config.staff.cards
        if card and not staffcard.matches({card}, cards):
            self._edit(Edit("staff.cards", [*cards, card]))

    def _chosen(self, first: str, second: str) -> None:
        if self.staff.set_pin(first, second):
            self.window.back_to_staff()

    def _pin_cancelled(self) -> None:
        if self.staff.view.state is StaffState.OPEN:
            self.window.back_to_staff()
        else:
            self.staff.close()

    def _failed(self, failure: Failure) -> None:
        self.staff.say(f"Could not {failure.name}: {failure.error}", error=True)

    def close(self) -> None:
        """Cancel background work."""
        self._tasks.close()
        self.wizard.close()

    async def settled(self) -> None:
        """Wait until no background work runs (after `close`: until the cancelled work ends)."""
        await self._tasks.settled()
        await self.wizard.settled()


class KioskSites:
    """The running kiosk's locations, for the wizard: the backend in use lists them, and the
    kiosk's own server can add one."""

    def __init__(self, kiosk: RunningKiosk) -> None:
        self.kiosk = kiosk

    @property
    def can_create(self) -> bool:
        """Whether the backend in use is the embedded server, with its database on disk."""
        return self.kiosk.own_db is not None

    async def places(self) -> list[Place]:
        """The locations of the backend in use, once the latest change has taken effect."""
        await self.kiosk.settled()
        return await self.kiosk.backend.places()

    def use_code(self, code: str) -> None:
        """The backend's two-factor code, for its next sign-in; raises `BackendError`."""
        self.kiosk.use_code(code)

    async def create(self, name: str, timezone: str) -> Place:
        """Add a location to the embedded server's database (over a connection of its own:
        the server's is busy in its thread)."""
        await self.kiosk.settled()
        db = self.kiosk.own_db
        if db is None:
            raise BackendError("locations can only be added to this kiosk's own server")
        return await asyncio.to_thread(add_location, db, name, timezone)


def add_location(db: Path, name: str, timezone: str) -> Place:
    """Add a location through the check-in server's own service; raises `BackendError`."""
    from kiosk.server.service import AdminError
    from kiosk.server.service import add_location as add

    if not is_timezone(timezone):
        raise BackendError(f"{timezone!r} is not a time zone")
    try:
        location = add(db, name, timezone, datetime.now(UTC))
    except AdminError as exc:
        raise BackendError(str(exc)) from None
    return Place(str(location.id), location.name, location.timezone)


def _first(places: list[Place]) -> str:
    return str(places[0].id) if places else ""
