"""Staff mode's state machine: who gets in, and every change to the configuration.

    closed ──request()──▶ auth ──right PIN or staff card──▶ open ──close(), 60 s idle──▶ closed
                            └── 5 wrong PINs: locked for 60 s (a countdown), then auth again
    setup (no staff PIN yet) ──set_pin(a, a)──▶ open, or on a first start the wizard
    open ──guide()──▶ wizard ──finish(), close(), 60 s idle──▶ closed

Screens send intent (`enter_pin`, `card`, `change`, `touched`, …) and render the `StaffView`
this publishes; they decide nothing. A change goes through `configfile.with_value` (the same
checks as ``kiosk config set``), then `check` (can the app use it? e.g. a backend this version
lacks), then is saved atomically and announced with `config_changed`, so it takes effect at once.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.settings import staffcard, staffpin
from kiosk.settings.file import save_config, with_value
from kiosk.settings.model import Config, ConfigError
from kiosk.settings.staffpin import StaffGate, Verdict
from kiosk.settings.vault import Secret, Vault, VaultError

log = logging.getLogger(__name__)
CHOOSE = f"Choose a staff PIN ({staffpin.MIN_DIGITS} to {staffpin.MAX_DIGITS} digits)"

IDLE_CLOSE = 60.0  # staff mode closes itself after this long without a touch


class StaffState(enum.Enum):
    """Where staff mode is."""

    CLOSED = "closed"
    AUTH = "auth"  # asking for the staff PIN or a staff card
    LOCKED = "locked"  # too many wrong PINs: wait
    SETUP = "setup"  # no staff PIN yet: set one before anything else
    OPEN = "open"
    WIZARD = "wizard"  # open, guided step by step through setting the kiosk up


class Leave(enum.Enum):
    """How staff asked the kiosk to stop."""

    EXIT = "exit"
    RESTART = "restart"


@dataclasses.dataclass(frozen=True)
class StaffView:
    """What staff mode shows: its state, a message, and for a lockout when it ends."""

    state: StaffState
    message: str = ""
    locked_for: float = 0.0
    error: bool = False


class StaffController(QObject):
    """Lets staff in, applies and saves their changes, and closes when left alone.

    Signals:
        view_changed(StaffView): show this.
        config_changed(Config): a change was checked and saved; use it now.
        leave(Leave): staff asked to exit or restart the kiosk.
        secret_changed(Secret): a backend secret was saved or forgotten.
    """

    view_changed = Signal(object)
    config_changed = Signal(object)
    leave = Signal(object)
    secret_changed = Signal(object)

    def __init__(
        self,
        config: Config,
        path: Path,
        vault: Callable[[], Vault],
        check: Callable[[Config], None] = lambda config: None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self.path = path
        self._vault_factory = vault
        self._vault: Vault | None = None
        self._check = check
        self._monotonic = monotonic
        self._gate = StaffGate(monotonic)
        self.idle_close = IDLE_CLOSE
        self.damaged = ""  # why the settings file was not used; said when staff mode opens
        self.remote: frozenset[str] = frozenset()  # keys set from the server's web admin
        self.view = StaffView(StaffState.CLOSED)
        self._guided = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._left_alone)
        self._unlock = QTimer(self)
        self._unlock.setSingleShot(True)
        self._unlock.timeout.connect(self._unlocked)

    @property
    def is_open(self) -> bool:
        """Whether any staff screen shows (members cannot check in meanwhile)."""
        return self.view.state is not StaffState.CLOSED

    @property
    def protected(self) -> bool:
        """Whether a staff PIN is set."""
        return bool(self.config.staff.pin_hash)

    # getting in

    def request(self) -> None:
        """The corner was held: ask who it is (or for a first staff PIN)."""
        if self.is_open:
            return
        if not self.protected and self.damaged:  # never a new staff PIN over a broken file
            text = f"Staff mode is shut: {self.damaged}. Fix the settings file on this machine"
            self._show(StaffView(StaffState.AUTH, text, error=True))
        elif not self.protected:
            self._show(StaffView(StaffState.SETUP, CHOOSE))
        elif self._gate.locked_for() > 0:
            self._locked(self._gate.locked_for())
        else:
            self._show(StaffView(StaffState.AUTH, "Staff PIN, or tap a staff card"))

    def setup(self, guided: bool = False) -> None:
        """No staff PIN is set: staff must choose one before the kiosk runs; `guided` (a first
        start) goes on to the setup wizard."""
        self._guided = guided
        self._show(StaffView(StaffState.SETUP, CHOOSE))

    def enter_pin(self, pin: str) -> None:
        """Staff typed `pin` on the staff PIN pad."""
        if self.view.state not in (StaffState.AUTH, StaffState.LOCKED):
            return
        answer = self._gate.try_pin(pin, self.config.staff.pin_hash)
        match answer.verdict:
            case Verdict.OPEN:
                log.info("staff mode opened with the staff PIN")
                self._open()
                self._upgrade(pin)
            case Verdict.WRONG:
                left = answer.tries_left
                text = f"Wrong PIN · {left} {'try' if left == 1 else 'tries'} left"
                self._show(StaffView(StaffState.AUTH, text, error=True))
            case Verdict.LOCKED:
                log.warning("staff PIN: too many wrong tries; locked for %.0f s", answer.locked_for)
                self._locked(answer.locked_for)

    def card(self, values: set[str]) -> bool:
        """A card was tapped while staff mode shows; `values` are its number in every format.

        Returns whether staff mode used it (a staff card at the PIN prompt)."""
        if self.view.state not in (StaffState.AUTH, StaffState.LOCKED):
            return self.view.state is not StaffState.CLOSED
        staff = self.config.staff.cards
        if staffcard.matches(values, staff):
            log.info("staff mode opened with a staff card")
            self._gate.reset()
            self._open()
        else:
            message = "This is not a staff card" if staff else "No staff cards are set up"
            self._show(dataclasses.replace(self.view, message=message, error=True))
        return True

    def set_pin(self, first: str, second: str) -> bool:
        """Set the staff PIN typed twice; opens staff mode when it was the first one."""
        if first != second:
            self.say("The two PINs differ · please start again", error=True)
            return False
        try:
            stored = staffpin.hash_pin(first)
        except staffpin.PinError as exc:
            self.say(f"Not changed: {exc}", error=True)
            return False
        setting_up = self.view.state is StaffState.SETUP
        if not self.change("staff.pin_hash", stored):
            return False
        if setting_up:
            self._unlock.stop()
            state = StaffState.WIZARD if self._guided else StaffState.OPEN
            self._show(StaffView(state, "The staff PIN is set"))
        else:
            self.say("The staff PIN is changed")
        return True

    def touched(self) -> None:
        """Staff is still there: start the minute again."""
        if self.view.state is not StaffState.CLOSED:
            self._idle.start(round(self.idle_close * 1000))

    def close(self) -> None:
        """Leave staff mode; members can check in again."""
        if self.view.state is StaffState.SETUP and not self.protected:
            return  # never unprotected
        self._idle.stop()
        self._show(StaffView(StaffState.CLOSED))

    @property
    def first_start(self) -> bool:
        """Whether the wizard showing is a first start's (it ends at the idle screen)."""
        return self._guided

    def guide(self) -> None:
        """From staff mode to the setup wizard (it ends back in staff mode)."""
        if self.view.state is StaffState.OPEN:
            self._guided = False
            self._show(StaffView(StaffState.WIZARD))

    def finish(self) -> None:
        """Leave the wizard: on a first start the kiosk is set up and goes to its idle screen;
        otherwise back to staff mode."""
        if self.view.state is StaffState.WIZARD:
            log.info("the setup wizard is finished")
            self._show(StaffView(StaffState.CLOSED if self._guided else StaffState.OPEN))
            self._guided = False

    def quit(self, how: Leave) -> None:
        """Exit or restart the kiosk (only from open staff mode)."""
        if self.view.state is StaffState.OPEN:
            log.warning("staff asked the kiosk to %s", how.value)
            self.leave.emit(how)

    # changes

    def check(self, config: Config) -> None:
        """Raise `ConfigError` saying why the kiosk cannot use `config`."""
        self._check(config)

    def change(self, key: str, value: object) -> bool:
        """Set `key` to `value`: checked, saved and applied, or a message saying why not."""
        return self.change_all({key: value})

    def change_all(self, values: dict[str, object]) -> bool:
        """Set several keys at once (checked together, saved and applied once)."""
        if self.view.state not in (StaffState.OPEN, StaffState.SETUP, StaffState.WIZARD):
            return False
        try:
            self._save(values)
        except ConfigError as exc:
            self.say(f"Not changed: {exc}", error=True)
            return False
        if "staff.pin_hash" not in values:
            self.say(f"Saved {', '.join(values)}")
        return True

    def change_remotely(self, values: dict[str, str]) -> str:
        """Settings staff set in the server's web admin, applied whatever staff mode's state:
        saved and applied as staff mode's own, their keys marked as set remotely; the problem
        in words, or "" when they were applied."""
        try:
            self._save(dict(values))
        except ConfigError as exc:
            log.warning("settings from the server were not applied: %s", exc)
            return str(exc)
        self.remote = frozenset(values)
        return ""

    def _save(self, values: dict[str, object]) -> None:
        """Check, save and announce `values`; `ConfigError` says why not."""
        config = self.config
        for key, value in values.items():
            config = with_value(config, key, value)
        if config == self.config:
            return
        self._check(config)
        save_config(config, self.path)
        self.damaged = ""  # the file is whole again
        self.config = config
        self.config_changed.emit(config)

    def set_secret(self, name: Secret, value: str) -> bool:
        """Keep a backend secret (never in the TOML)."""
        if self.view.state not in (StaffState.OPEN, StaffState.WIZARD):
            return False
        try:
            self.vault.set(name, value)
        except VaultError as exc:
            self.say(f"Not changed: {exc}", error=True)
            return False
        self.say(f"Saved {name.value}" if value else f"Forgot {name.value}")
        self.secret_changed.emit(name)
        return True

    @property
    def vault(self) -> Vault:
        """Where secrets go; opened on first use (the keyring is slow to load)."""
        if self._vault is None:
            self._vault = self._vault_factory()
        return self._vault

    # internals

    def _open(self) -> None:
        self._unlock.stop()
        if self.damaged:
            words = f"The settings file could not be used: {self.damaged}. Saving a change here"
            self._show(StaffView(StaffState.OPEN, f"{words} writes it afresh.", error=True))
        else:
            self._show(StaffView(StaffState.OPEN))

    def _upgrade(self, pin: str) -> None:
        """The staff PIN just opened staff mode: store it again if its hash is of an older kind
        (scrypt), and ask for a longer one if it is shorter than new PINs may be."""
        if staffpin.needs_rehash(self.config.staff.pin_hash):
            log.info("staff PIN: stored again as an argon2id hash")
            self.change("staff.pin_hash", staffpin.rehash(pin))
        if len(pin) < staffpin.MIN_DIGITS and not self.view.error:
            self.say(
                f"This staff PIN has {len(pin)} digits: choose a new one of"
                f" {staffpin.MIN_DIGITS} or more (Staff page, Change the staff PIN)"
            )

    def _locked(self, seconds: float) -> None:
        self._unlock.start(round(seconds * 1000))
        self._show(
            StaffView(StaffState.LOCKED, "Too many wrong PINs", locked_for=seconds, error=True)
        )

    def _unlocked(self) -> None:
        if self.view.state is StaffState.LOCKED:
            self._show(StaffView(StaffState.AUTH, "Staff PIN, or tap a staff card"))

    def _left_alone(self) -> None:
        if self.view.state is StaffState.SETUP and not self.protected:
            return
        log.info("staff mode closed itself after %.0f s untouched", self.idle_close)
        self._show(StaffView(StaffState.CLOSED))

    def say(self, text: str, error: bool = False) -> None:
        """A line for staff on the screen showing."""
        self._show(dataclasses.replace(self.view, message=text, error=error))

    def _show(self, view: StaffView) -> None:
        if view.state is StaffState.CLOSED:
            self._idle.stop()
        elif self.view.state is StaffState.CLOSED or view.state is not self.view.state:
            self._idle.start(round(self.idle_close * 1000))
        self.view = view
        self.view_changed.emit(view)
