"""The setup wizard: a first start (or staff) is led through the backend, its sign-in and the
location; the staff PIN comes before it, from `StaffController.setup`.

    backend ──next──▶ sign-in (not for the embedded server) ──next──▶ location ──next──▶ ready
       ◀──back──            ◀──back──                                  ◀──back──   └─next: idle

Screens send intent (`choose`, `next`, `back`, `pick`, `create`, `edit`); this decides and saves
every choice through the staff controller (the same checks as staff mode and ``kiosk config
set``), and publishes a `WizardView`. Where locations come from is a `Sites`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import functools
import logging
import os
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from PySide6.QtCore import QObject, Signal

from kiosk.backends.base import BackendError, Place
from kiosk.backends.registry import SPECS, Choice, choice_of
from kiosk.backends.tokens import CodeNeededError
from kiosk.flows.staff import StaffController, StaffState
from kiosk.flows.tasks import Failure, Tasks
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, ConfigError
from kiosk.settings.vault import Secret, VaultError

log = logging.getLogger(__name__)


class Step(enum.Enum):
    """The wizard's steps, in order."""

    BACKEND = "backend"
    SIGN_IN = "sign-in"
    LOCATION = "location"
    READY = "ready"


@dataclasses.dataclass(frozen=True)
class WizardView:
    """What the wizard shows: the step, the backend chosen, and for the location step the
    backend's locations (or why there are none)."""

    step: Step
    choice: Choice
    config: Config
    secrets: frozenset[Secret] = frozenset()
    unavailable: dict[Choice, str] = dataclasses.field(default_factory=dict)
    places: tuple[Place, ...] = ()
    loading: bool = False
    note: str = ""  # about the locations list
    code_wanted: bool = False  # the list waits for the Nexudus admin's two-factor code
    can_create: bool = False  # the embedded server: a location can be made here
    timezone: str = "UTC"  # for a location made here
    first: bool = True  # a first start (ends at the idle screen), not staff mode's


class Sites(Protocol):
    """Where the kiosk's locations come from."""

    @property
    def can_create(self) -> bool:
        """Whether a location can be made from the kiosk (its own server)."""
        ...

    async def places(self) -> list[Place]:
        """The backend's locations, once the backend just chosen is in use; raises
        `BackendError`."""
        ...

    async def create(self, name: str, timezone: str) -> Place:
        """Make a location; raises `BackendError` (a duplicate name, say)."""
        ...

    def use_code(self, code: str) -> None:
        """Sign in with this two-factor code from the next call on; raises `BackendError`
        saying why not."""
        ...


class SetupWizard(QObject):
    """Leads staff through setting the kiosk up.

    Signals:
        view_changed(WizardView): show this.
    """

    view_changed = Signal(object)

    def __init__(
        self,
        staff: StaffController,
        sites: Sites,
        loop: asyncio.AbstractEventLoop,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.staff = staff
        self.sites = sites
        self._tasks = Tasks(loop, "wizard", self._failed)
        self.view = WizardView(Step.BACKEND, Choice.EMBEDDED, staff.config)

    @property
    def active(self) -> bool:
        """Whether the wizard shows."""
        return self.staff.view.state is StaffState.WIZARD

    def start(self, choice: Choice | None = None) -> None:
        """Begin at the backend step with the backend in use chosen, or with `choice` (staff
        switching the backend) at its sign-in."""
        config = self.staff.config
        unavailable = {each: why for each in Choice if (why := self.unavailable(each))}
        view = WizardView(
            Step.BACKEND,
            choice_of(config),
            config,
            unavailable=unavailable,
            timezone=local_timezone(),
            first=self.staff.first_start,
            secrets=self._held(),
        )
        if choice is not None and choice not in unavailable:
            step = Step.SIGN_IN if SPECS[choice].signs_in else Step.BACKEND
            view = dataclasses.replace(view, choice=choice, step=step)
        self._publish(view)

    def unavailable(self, choice: Choice) -> str:
        """Why this kiosk cannot use `choice`'s backend, or ""."""
        try:
            self.staff.check(_complete(self.staff.config, choice))
        except ConfigError as exc:
            return str(exc)
        return ""

    def choose(self, choice: Choice) -> None:
        """Staff picked a backend (saved when they go on)."""
        if not self.active:
            return
        if choice in self.view.unavailable:
            self.staff.say(self.view.unavailable[choice], error=True)
            return
        self._publish(dataclasses.replace(self.view, choice=choice))

    def edit(self, key: str, value: object) -> None:
        """A sign-in or location setting, saved at once."""
        if self.active and self.staff.change(key, value):
            self._publish(self.view)

    def secret(self, name: Secret, value: str) -> None:
        """A sign-in secret, kept in the vault."""
        if self.active and self.staff.set_secret(name, value):
            self._publish(dataclasses.replace(self.view, secrets=self._held()))

    def set_timezone(self, name: str) -> None:
        """The time zone for a location made here."""
        if not is_timezone(name):
            self.staff.say(f"{name!r} is not a time zone; try one like Europe/Berlin", error=True)
            return
        self._publish(dataclasses.replace(self.view, timezone=name))

    def next(self) -> None:
        """On to the next step, once this one is complete."""
        if not self.active:
            return
        view = self.view
        match view.step:
            case Step.BACKEND if SPECS[view.choice].signs_in:
                self._publish(dataclasses.replace(view, step=Step.SIGN_IN))
            case Step.BACKEND | Step.SIGN_IN:
                if self._use(view.choice):
                    self._load(dataclasses.replace(view, step=Step.LOCATION))
            case Step.LOCATION:
                if not self.staff.config.kiosk.location and view.places:
                    self.staff.change("kiosk.location", view.places[0].id)
                self._publish(dataclasses.replace(view, step=Step.READY))
            case Step.READY:
                self.staff.finish()

    def back(self) -> None:
        """Back one step; from the first, back to staff mode (not on a first start)."""
        if not self.active:
            return
        view = self.view
        if view.step is Step.BACKEND and not view.first:
            self.staff.finish()
            return
        step = {
            Step.SIGN_IN: Step.BACKEND,
            Step.LOCATION: Step.SIGN_IN if SPECS[view.choice].signs_in else Step.BACKEND,
            Step.READY: Step.LOCATION,
        }.get(view.step, view.step)
        self._tasks.cancel("places")  # a list still on its way is for a step no longer showing
        self._publish(dataclasses.replace(view, step=step, loading=False))

    def pick(self, place: str) -> None:
        """Check members in to this location."""
        self.edit("kiosk.location", place)

    def reload(self) -> None:
        """Ask the backend for its locations again."""
        if self.active and self.view.step is Step.LOCATION:
            self._load(self.view)

    def use_code(self, code: str) -> None:
        """Staff typed the backend's two-factor code: list the locations with it."""
        if not (self.active and self.view.step is Step.LOCATION):
            return
        try:
            self.sites.use_code(code)
        except BackendError as exc:
            self.staff.say(str(exc), error=True)
            return
        self._load(self.view)

    def create(self, name: str) -> None:
        """Make a location on the kiosk's own server, and use it."""
        name = name.strip()
        if not (self.active and self.view.step is Step.LOCATION and self.sites.can_create):
            return
        if not name:
            self.staff.say("Type the location's name", error=True)
            return
        self._tasks.run(self._create(name, self.view.timezone), "add a location")

    async def _create(self, name: str, timezone: str) -> None:
        try:
            place = await self.sites.create(name, timezone)
        except BackendError as exc:
            self.staff.say(f"Not added: {exc}", error=True)
            return
        log.info("location %s added from the setup wizard", place.id)
        if self.staff.change("kiosk.location", place.id):
            self.staff.say(f"Added {place.name}; members check in there")
        await self._places()

    # internals

    def _use(self, choice: Choice) -> bool:
        """Save the backend chosen, if its sign-in is complete."""
        if missing := SPECS[choice].missing(self.staff.config):
            self.staff.say(f"Type {missing} first", error=True)
            return False
        changes: dict[str, object] = {"backend.kind": SPECS[choice].kind.value}
        if choice is not Choice.SERVER:
            changes["backend.url"] = ""  # an address would win over the choice
        return self.staff.change_all(changes)

    def _load(self, view: WizardView) -> None:
        """Ask for the locations again; an older question still waiting is cancelled."""
        self._publish(
            dataclasses.replace(view, loading=True, places=(), note="Asking for the locations…")
        )
        self._tasks.run(self._places(), "list locations", group="places", exclusive=True)

    async def _places(self) -> None:
        code_wanted = False
        try:
            places, note = tuple(await self.sites.places()), ""
        except BackendError as exc:
            places, note = (), f"The backend's locations cannot be listed: {exc}"
            code_wanted = isinstance(exc, CodeNeededError)
        if self.view.step is not Step.LOCATION:
            return
        can_create = self.sites.can_create
        if not places and not note:
            note = (
                "There are no locations yet: add the first one below."
                if can_create
                else "The backend lists no locations; add one there, then reload."
            )
        self._publish(
            dataclasses.replace(
                self.view,
                places=places,
                loading=False,
                note=note,
                can_create=can_create,
                code_wanted=code_wanted,
            )
        )

    def _held(self) -> frozenset[Secret]:
        """The secrets set (read when the wizard starts and when one changes: a keyring is
        slow, and every touch publishes a view)."""
        try:
            return frozenset(s for s in Secret.staff() if self.staff.vault.get(s))
        except VaultError as exc:
            self.staff.say(str(exc), error=True)
            return frozenset()

    def _publish(self, view: WizardView) -> None:
        self.view = dataclasses.replace(view, config=self.staff.config)
        self.view_changed.emit(self.view)

    def _failed(self, failure: Failure) -> None:
        self.staff.say(f"Could not {failure.name}: {failure.error}", error=True)

    def close(self) -> None:
        """Cancel background work."""
        self._tasks.close()

    async def settled(self) -> None:
        """Wait until no background work runs (after `close`: until the cancelled work ends)."""
        await self._tasks.settled()


def _complete(config: Config, choice: Choice) -> Config:
    """`config` with `choice`'s backend, its needed sign-in filled in as an example: can this
    kiosk use that backend at all, once staff have typed it?"""
    spec = SPECS[choice]
    changes = {"backend.kind": spec.kind.value, "backend.url": ""}
    if spec.needed is not None:
        key = spec.needed.key
        changes[key] = "http://example.invalid" if key == "backend.url" else "example"
    for key, value in changes.items():
        config = with_value(config, key, value)
    return config


UTC_ALIASES = {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu", "UCT",
               "Etc/GMT", "Etc/GMT0", "GMT", "Etc/Greenwich"}  # fmt: skip


def local_timezone() -> str:
    """This machine's IANA time zone name, or "UTC" when it cannot be told (or is UTC by
    another name, like Debian's Etc/UTC)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    found = next((name for name in candidates if is_timezone(name)), "UTC")
    return "UTC" if found in UTC_ALIASES else found


@functools.cache
def timezones() -> tuple[str, ...]:
    """The IANA time zones this machine knows, as staff pick them: regions and cities (not
    the `Etc/GMT+1` kind or old aliases without a region), and UTC."""
    names = (n for n in available_timezones() if "/" in n and n.split("/")[0] in REGIONS)
    return ("UTC", *sorted(names))


REGIONS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
           "Europe", "Indian", "Pacific"}  # fmt: skip


def is_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    if not name or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
