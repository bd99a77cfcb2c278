"""Staff mode's main screen: pages of settings on the left, looking after the kiosk, and leaving.

It renders what it is given (`show_config`, `show_places`, `show_tap`, `show_people`,
`show_health`, `show_message`) and sends intent (`edit`, `secret`, …); the staff controller
decides and the app wires the two together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QScroller, QVBoxLayout, QWidget

from kiosk.backends.base import FailedCheckin, Place, Presence
from kiosk.backends.registry import spec_of
from kiosk.domain import UidFormat
from kiosk.flows.staff import Leave
from kiosk.outbox.store import Backlog
from kiosk.settings.model import Config
from kiosk.settings.vault import Secret
from kiosk.ui.staff.fields import Edit
from kiosk.ui.staff.form import Form, PlaceAdder, PlaceList, left, scrolled
from kiosk.ui.staff.kept import KeptList
from kiosk.ui.widgets import button, label, restyle

PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Check-in", ("kiosk.mode", "kiosk.language", "kiosk.locale", "kiosk.sounds",
                  "kiosk.sound_button", "pin.length",
                  "pin.submit_on_length", "kiosk.first_name_only", "timeouts.result",
                  "timeouts.pin", "timeouts.debounce", "timeouts.busy_delay")),
    ("Location", ("kiosk.name", "kiosk.hide_cursor", "display.rotation", "display.sleep_after")),
    ("Backend", ("backend.kind", "backend.url", Secret.ADMIN_TOKEN.value, "backend.subdomain",
                 "backend.username", Secret.PASSWORD.value, "backend.client_id",
                 Secret.CLIENT_SECRET.value, "backend.pin_field", "backend.db",
                 "backend.ca_file", "backend.connect_timeout", "backend.timeout", "offline.policy",
                 "offline.remember_days")),
    ("Reader", ("reader.enabled", "reader.name_filter", "reader.uid_format", "reader.phone_aid",
                "reader.repeat_after", "reader.feedback")),
    ("QR", ("wedge.enabled", "wedge.gap_ms", "wedge.min_length", "camera.enabled",
            "camera.device", "camera.rate", "camera.preview")),
    ("Staff", ("staff.cards",)),
    ("Branding", ("branding.logo", "branding.accent", "branding.welcome", "branding.background")),
    ("Who's in", ()),
    ("Health", ()),
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class TapInfo:
    """A card tapped in staff mode: its number in every format, and the one in use."""

    formats: tuple[tuple[UidFormat, str], ...]
    in_use: UidFormat
    reader: str


@dataclasses.dataclass(frozen=True)
class Health:
    """How the kiosk is doing, for staff."""

    reader: str
    last_read: datetime | None
    backend: str
    online: bool | None
    last_answer: datetime | None
    clock: str
    version: str
    config_path: str
    secrets: str
    outbox: Backlog = dataclasses.field(default_factory=Backlog)
    problem: str = ""  # why the backend could not be reached at the last try


Panel = tuple[list[QWidget], list[QWidget]]  # widgets above and below a page's settings


EXIT = "Exit kiosk"
EXIT_CONFIRM_MS = 5000  # how long "Exit kiosk" waits for the tap that confirms it


class Rail(QScrollArea):
    """The page buttons' column: it scrolls when the screen is too short for all of them
    (never squeezing them onto one another), and is as wide as they need with its bar."""

    def __init__(self, column: QWidget) -> None:
        super().__init__()
        self.setObjectName("staff-nav-scroll")
        self.setWidgetResizable(True)
        self.setWidget(column)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        column = self.widget()
        bar = self.verticalScrollBar().sizeHint().width()
        need = column.sizeHint().width() if column is not None else 0
        width = need + bar + 2 * self.frameWidth() + 4
        return QSize(width, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.minimumSizeHint().width(), super().sizeHint().height())


class StaffScreen(Form):
    """Settings pages, the kiosk's state, and the ways out.

    Signals (and a `Form`'s):
        new_pin(): staff wants to change the staff PIN.
        add_card(str): make the card just tapped a staff card.
        refresh(): reload the locations, who is in and the health.
        closed(): back to the members' screens.
        leave(Leave): exit or restart the kiosk.
        guide(): staff wants the setup wizard.
    """

    new_pin = Signal()
    add_card = Signal(str)
    refresh = Signal()
    closed = Signal()
    leave = Signal(object)
    guide = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("staff")
        self.nav: dict[str, QWidget] = {}
        self.pages: dict[str, QWidget] = {}
        self._card = ""
        rail = QWidget()
        rail.setObjectName("staff-nav")
        nav = QVBoxLayout(rail)
        nav.setContentsMargins(0, 0, 0, 0)
        nav.setSpacing(8)
        for title, keys in PAGES:
            page = self._page(title, keys)
            self.pages[title] = page
            self._stack.addWidget(page)
            item = button(title, "nav", f"nav-{title}")
            item.clicked.connect(lambda _=False, t=title: self.open_page(t))
            nav.addWidget(item)
            self.nav[title] = item
        self._stack.addWidget(self.entry)
        nav.addStretch(1)
        nav.addSpacing(24)
        for text, name, slot in (
            ("Setup wizard", "wizard", self.guide.emit),
            ("Restart", "restart", lambda: self.leave.emit(Leave.RESTART)),
            (EXIT, "exit", self._exit_tapped),
        ):
            widget = button(text, "nav", name)
            widget.clicked.connect(slot)
            nav.addWidget(widget)
        self.exit_button = widget
        self.exit_armed = QTimer(self)  # while it runs, a second tap exits
        self.exit_armed.setSingleShot(True)
        self.exit_armed.setInterval(EXIT_CONFIRM_MS)
        self.exit_armed.timeout.connect(lambda: self.exit_button.setText(EXIT))
        self.close_button = button("Close staff mode", "field", "close-staff")
        restyle(self.close_button, selected="yes")
        self.close_button.clicked.connect(self.closed)
        top = QHBoxLayout()
        top.addWidget(label("Staff mode", "subtitle"))
        top.addWidget(self.message, 1)
        top.addWidget(self.close_button)
        body = QHBoxLayout()
        body.addWidget(Rail(rail), 0)
        body.addLayout(self._stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.open_page(PAGES[0][0])

    # pages

    def _page(self, title: str, keys: tuple[str, ...]) -> QWidget:
        panels = {
            "Location": self._places_panel,
            "Backend": self._backend_panel,
            "Reader": self._tap_panel,
            "Staff": self._staff_panel,
            "Who's in": self._people_panel,
            "Health": self._health_panel,
        }
        before, after = panels[title]() if title in panels else ([], [])
        rows: list[QWidget] = [self.row(key) for key in keys]
        return scrolled([*before, *rows, *after], 4, f"page-{title}")

    def _places_panel(self) -> Panel:
        self.places_note = left(label("", "small", wrap=True))
        self.places = PlaceList("place-")
        self.places.picked.connect(lambda ident: self.edit.emit(Edit("kiosk.location", ident)))
        reload_ = button("Reload the list", "field", "reload-places")
        reload_.clicked.connect(self.refresh)
        self.places_code = self.code_button("places-code")
        self.places_code.setVisible(False)
        self.adder = PlaceAdder("staff-")
        self.adder.asked.connect(self.ask_text)
        self.adder.setVisible(False)
        heading = left(label("Check members in to", "field-name"))
        return [heading, self.places_note, self.places_code, self.places, self.adder, reload_], []

    def _backend_panel(self) -> Panel:
        self.backend_code = QWidget()
        column = QVBoxLayout(self.backend_code)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(left(label("Nexudus two-factor code", "field-name")))
        help_ = "If the admin signs in with a code from an app, type the current one here."
        column.addWidget(left(label(help_, "small", wrap=True)))
        column.addWidget(self.code_button("backend-code"))
        self.pairing = self.pair_button("backend-pair")
        return [], [self.backend_code, self.pairing]

    def _tap_panel(self) -> Panel:
        text = "Tap a card on the reader to see its number in every format."
        self.tap_result = left(label(text, "small", wrap=True))
        self.tap_result.setObjectName("tap-result")
        return [], [left(label("Test: tap a card", "field-name")), self.tap_result]

    def _staff_panel(self) -> Panel:
        change = button("Change the staff PIN", "field", "change-staff-pin")
        change.clicked.connect(self.new_pin)
        self.card_note = left(label("Tap a card to add it as a staff card.", "small", wrap=True))
        self.card_add = button("Add as a staff card", "field", "add-staff-card")
        self.card_add.setVisible(False)
        self.card_add.clicked.connect(lambda: self.add_card.emit(self._card))
        return [change], [self.card_note, self.card_add]

    def _people_panel(self) -> Panel:
        self.people = left(label("", "small", wrap=True))
        self.failures = left(label("", "small", wrap=True))
        reload_ = button("Refresh", "field", "refresh-people")
        reload_.clicked.connect(self.refresh)
        return [
            left(label("Checked in now", "field-name")),
            self.people,
            left(label("Recent failed check-ins", "field-name")),
            self.failures,
            reload_,
        ], []

    def _health_panel(self) -> Panel:
        self.health = left(label("", "caption", wrap=True))
        self.health.setObjectName("health")
        self.kept = KeptList()
        heading = left(label("Check-ins kept while the backend was away", "field-name", wrap=True))
        return [self.health, heading, self.kept], []

    def _exit_tapped(self) -> None:
        """The first tap asks (members cannot check in until the kiosk is started again), a
        second one within `EXIT_CONFIRM_MS` exits."""
        if self.exit_armed.isActive():
            self.exit_armed.stop()
            self.exit_button.setText(EXIT)
            self.leave.emit(Leave.EXIT)
            return
        self.exit_armed.start()
        self.exit_button.setText("Tap again to exit")
        self.show_message(
            "Exit the kiosk? Members cannot check in until it is started again.", error=True
        )

    def open_page(self, title: str) -> None:
        """Show the page `title`."""
        self._stack.setCurrentWidget(self.pages[title])
        for name, item in self.nav.items():
            restyle(item, selected="yes" if name == title else "no")
        if title in ("Who's in", "Health", "Location"):
            self.refresh.emit()

    @property
    def page(self) -> str:
        """The page showing (or "entry" while the keyboard is up)."""
        current = self._stack.currentWidget()
        return next((t for t, p in self.pages.items() if p is current), "entry")

    def back_from_entry(self, page: QWidget) -> None:
        """The page the keyboard was opened from, as when staff picks it."""
        self.open_page(next((t for t, p in self.pages.items() if p is page), PAGES[0][0]))

    # rendering

    def show_config(
        self, config: Config, secrets: set[Secret], remote: frozenset[str] = frozenset()
    ) -> None:
        """Show every setting's value, which secrets are set, and which settings were set
        from the server's web admin (`remote`)."""
        self.show_rows(config, secrets, remote)
        self.places.mark(config.kiosk.location)
        self.backend_code.setVisible(spec_of(config).two_factor)
        self.pairing.setVisible(spec_of(config).pairs)  # or the server the kiosk uses: staff mode

    def show_places(
        self,
        places: list[Place],
        current: str,
        problem: str = "",
        code_wanted: bool = False,
        can_create: bool = False,
    ) -> None:
        """The backend's locations to choose from, `current` marked; or why there are none,
        with a button for the two-factor code when that is why; `can_create`: staff may add
        one (the kiosk's own server)."""
        self.places.show_places(places, current)
        self.adder.setVisible(can_create)
        self.places_note.setText(problem or ("" if places else "The backend lists no locations."))
        self.places_code.setVisible(code_wanted)

    def show_tap(self, tap: TapInfo) -> None:
        """A card tapped in staff mode: its number in every format, the one in use marked."""
        lines = [f"{fmt.value:<13} {value}{'   ← in use' if fmt is tap.in_use else ''}"
                 for fmt, value in tap.formats]  # fmt: skip
        self.tap_result.setText(f"On {tap.reader}:\n" + "\n".join(lines))
        self._card = dict(tap.formats)[tap.in_use]
        self.card_note.setText(f"Card {self._card} was tapped.")
        self.card_add.setVisible(True)

    def show_people(
        self,
        present: list[Presence] | str,
        failed: list[FailedCheckin] | str,
        when: Callable[[datetime], str],
    ) -> None:
        """Who is in and the latest failures, or why they cannot be shown."""
        self.people.setText(
            present
            if isinstance(present, str)
            else "\n".join(f"{p.member} · since {when(p.since)}" for p in present) or "Nobody."
        )
        self.failures.setText(
            failed
            if isinstance(failed, str)
            else "\n".join(f"{when(f.at)} · {f.member or 'unknown'} · {f.reason}" for f in failed)
            or "None."
        )

    def show_health(self, health: Health, when: Callable[[datetime], str]) -> None:
        """The reader, the backend, the version and where the configuration is."""
        online = {True: "online", False: "offline", None: "not known yet"}[health.online]
        if health.problem:
            online += f" ({health.problem})"
        last_read = when(health.last_read) if health.last_read else "none yet"
        answer = when(health.last_answer) if health.last_answer else "none yet"
        self.health.setText(
            f"Reader: {health.reader} · last read {last_read}\n"
            f"Check-in backend: {health.backend} · {online} · last answer {answer}\n"
            f"Clock: {health.clock}\n"
            f"Kept check-ins: {_backlog(health.outbox, when)}\n"
            f"Version: {health.version}\n"
            f"Configuration: {health.config_path}\n"
            f"Secrets: {health.secrets}"
        )


def _backlog(backlog: Backlog, when: Callable[[datetime], str]) -> str:
    """``3, the oldest from 10:02, 1 waiting for staff · last error: …`` or ``none``."""
    text = "none"
    if backlog.count:
        oldest = when(backlog.oldest) if backlog.oldest else "?"
        text = f"{backlog.count}, the oldest from {oldest}"
        if backlog.held:
            text += f", {backlog.held} waiting for you"
        if backlog.last_error:
            text += f" · last error: {backlog.last_error}"
    return f"{text} · {backlog.problem}" if backlog.problem else text
