"""Staff mode's main screen: pages of settings on the left, looking after the kiosk, and leaving.

It renders what it is given (`show_config`, `show_places`, `show_tap`, `show_people`,
`show_health`, `show_message`) and sends intent (`edit`, `secret`, …); the staff controller
decides and the app wires the two together.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QScroller,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.backends.base import FailedCheckin, Place, Presence
from kiosk.config import BackendKind, Config
from kiosk.configfile import parse_text, setting, value_of
from kiosk.inputs.cardid import UidFormat
from kiosk.staff import Leave
from kiosk.ui.keyboard import TextEntry
from kiosk.ui.staff.fields import Edit, SecretRow, SettingRow, TextWanted
from kiosk.ui.widgets import StyledWidget, button, label, restyle
from kiosk.vault import Secret

PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Check-in", ("kiosk.mode", "pin.length", "pin.submit_on_length", "kiosk.first_name_only",
                  "timeouts.result", "timeouts.pin", "timeouts.debounce", "timeouts.busy_delay")),
    ("Location", ("kiosk.name", "kiosk.hide_cursor")),
    ("Backend", ("backend.kind", "backend.url", Secret.ADMIN_TOKEN, "backend.subdomain",
                 "backend.username", Secret.PASSWORD, "backend.client_id", Secret.CLIENT_SECRET,
                 "backend.pin_field", "backend.db", "backend.connect_timeout", "backend.timeout")),
    ("Reader", ("reader.enabled", "reader.name_filter", "reader.uid_format", "reader.phone_aid",
                "reader.repeat_after", "reader.feedback")),
    ("QR", ("wedge.enabled", "wedge.gap_ms", "wedge.min_length", "camera.enabled",
            "camera.device", "camera.rate", "camera.preview")),
    ("Staff", ("staff.cards",)),
    ("Who's in", ()),
    ("Health", ()),
)  # fmt: skip
SECRET_HELP = {
    Secret.ADMIN_TOKEN: "a `kiosk serve` server's admin token, for Who's in",
    Secret.PASSWORD: "Nexudus: the admin's password, for staff views",
    Secret.CLIENT_SECRET: "Kadence: the API client secret",
}
ONLY_FOR = {
    "backend.url": BackendKind.LOCAL,
    Secret.ADMIN_TOKEN.value: BackendKind.LOCAL,
    "backend.db": BackendKind.LOCAL,
    "backend.subdomain": BackendKind.NEXUDUS,
    "backend.username": BackendKind.NEXUDUS,
    Secret.PASSWORD.value: BackendKind.NEXUDUS,
    "backend.client_id": BackendKind.KADENCE,
    Secret.CLIENT_SECRET.value: BackendKind.KADENCE,
}


@dataclasses.dataclass(frozen=True)
class SecretEdit:
    """Staff typed a new value for a secret."""

    name: Secret
    value: str


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
    version: str
    config_path: str
    secrets: str


Panel = tuple[list[QWidget], list[QWidget]]  # widgets above and below a page's settings


def _left(widget: QLabel) -> QLabel:
    widget.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


TITLES = {
    "pin.length": "PIN length",
    "pin.submit_on_length": "Check as soon as the PIN is complete",
    "timeouts.result": "Result shown for (s)",
    "timeouts.pin": "PIN pad closes after (s)",
    "timeouts.debounce": "Same card again ignored for (s)",
    "timeouts.busy_delay": "Busy screen after (s)",
    "reader.enabled": "Card reader",
    "reader.repeat_after": "Card tapped again read after (s)",
    "wedge.enabled": "Scanner (keyboard wedge)",
    "wedge.gap_ms": "Scanner key gap (ms)",
    "wedge.min_length": "Scanner minimum length",
    "camera.enabled": "Camera",
    "camera.device": "Which camera",
    "camera.rate": "Camera decodes a second",
    "camera.preview": "Camera picture on screen",
    "backend.kind": "Check-in backend",
    "backend.url": "Server address",
    "backend.db": "Embedded server's database",
    "backend.connect_timeout": "Connect timeout (s)",
    "backend.timeout": "Answer timeout (s)",
    "staff.cards": "Staff cards",
}


def title_of(key: str) -> str:
    """`reader.uid_format` → "UID format"."""
    if key in TITLES:
        return TITLES[key]
    name = key.split(".")[-1].replace("_", " ")
    for word, better in (("uid", "UID"), ("aid", "AID"), ("pin", "PIN"), ("url", "URL")):
        name = " ".join(better if w == word else w for w in name.split())
    return name[0].upper() + name[1:]


class StaffScreen(StyledWidget):
    """Settings pages, the kiosk's state, and the ways out.

    Signals:
        edit(Edit): change a setting.
        secret(SecretEdit): keep a secret.
        new_pin(): staff wants to change the staff PIN.
        add_card(str): make the card just tapped a staff card.
        refresh(): reload the locations, who is in and the health.
        closed(): back to the members' screens.
        leave(Leave): exit or restart the kiosk.
    """

    edit = Signal(object)
    secret = Signal(object)
    new_pin = Signal()
    add_card = Signal(str)
    refresh = Signal()
    closed = Signal()
    leave = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("staff")
        self.rows: dict[str, SettingRow | SecretRow] = {}
        self.nav: dict[str, QWidget] = {}
        self.pages: dict[str, QWidget] = {}
        self._editing: TextWanted | None = None
        self._return_to = PAGES[0][0]
        self._card = ""
        self._location = 0
        self.message = label("", "caption", wrap=True)
        self.entry = TextEntry()
        self.entry.accepted.connect(self._entered)
        self.entry.cancelled.connect(self._entry_done)
        self._stack = QStackedLayout()
        nav = QVBoxLayout()
        nav.setSpacing(6)
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
            ("Restart", "restart", lambda: self.leave.emit(Leave.RESTART)),
            ("Exit kiosk", "exit", lambda: self.leave.emit(Leave.EXIT)),
        ):
            widget = button(text, "nav", name)
            widget.clicked.connect(slot)
            nav.addWidget(widget)
        self.close_button = button("Close staff mode", "field", "close-staff")
        restyle(self.close_button, selected="yes")
        self.close_button.clicked.connect(self.closed)
        top = QHBoxLayout()
        top.addWidget(label("Staff mode", "subtitle"))
        top.addWidget(self.message, 1)
        top.addWidget(self.close_button)
        body = QHBoxLayout()
        body.addLayout(nav, 0)
        body.addLayout(self._stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.open_page(PAGES[0][0])

    # pages

    def _page(self, title: str, keys: tuple[str, ...]) -> QWidget:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(4)
        panels = {
            "Location": self._places_panel,
            "Reader": self._tap_panel,
            "Staff": self._staff_panel,
            "Who's in": self._people_panel,
            "Health": self._health_panel,
        }
        before, after = panels[title]() if title in panels else ([], [])
        for widget in before:
            column.addWidget(widget)
        for key in keys:
            row: SettingRow | SecretRow
            if isinstance(key, Secret):
                row = SecretRow(key.value, title_of(key.value), SECRET_HELP[key])
            else:
                row = SettingRow(setting(key), title_of(key))
                row.edit.connect(self.edit)
            row.text_wanted.connect(self._ask_text)
            self.rows[str(key)] = row
            column.addWidget(row)
        for widget in after:
            column.addWidget(widget)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName(f"page-{title}")
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        return scroll

    def _places_panel(self) -> Panel:
        self.places_note = _left(label("", "small", wrap=True))
        self.places_list = QWidget()
        self.places_box = QVBoxLayout(self.places_list)
        self.places_box.setContentsMargins(0, 0, 0, 0)
        self.place_buttons: dict[int, QWidget] = {}
        reload_ = button("Reload the list", "field", "reload-places")
        reload_.clicked.connect(self.refresh)
        heading = _left(label("Check members in to", "field-name"))
        return [heading, self.places_note, self.places_list, reload_], []

    def _tap_panel(self) -> Panel:
        text = "Tap a card on the reader to see its number in every format."
        self.tap_result = _left(label(text, "small", wrap=True))
        self.tap_result.setObjectName("tap-result")
        return [], [_left(label("Test: tap a card", "field-name")), self.tap_result]

    def _staff_panel(self) -> Panel:
        change = button("Change the staff PIN", "field", "change-staff-pin")
        change.clicked.connect(self.new_pin)
        self.card_note = _left(label("Tap a card to add it as a staff card.", "small", wrap=True))
        self.card_add = button("Add as a staff card", "field", "add-staff-card")
        self.card_add.setVisible(False)
        self.card_add.clicked.connect(lambda: self.add_card.emit(self._card))
        return [change], [self.card_note, self.card_add]

    def _people_panel(self) -> Panel:
        self.people = _left(label("", "small", wrap=True))
        self.failures = _left(label("", "small", wrap=True))
        reload_ = button("Refresh", "field", "refresh-people")
        reload_.clicked.connect(self.refresh)
        return [
            _left(label("Checked in now", "field-name")),
            self.people,
            _left(label("Recent failed check-ins", "field-name")),
            self.failures,
            reload_,
        ], []

    def _health_panel(self) -> Panel:
        self.health = _left(label("", "caption", wrap=True))
        self.health.setObjectName("health")
        return [self.health], []

    def set_portrait(self, portrait: bool) -> None:
        """Stack each setting's editor under its name on a narrow screen."""
        for row in self.rows.values():
            if isinstance(row, SettingRow):
                row.set_portrait(portrait)

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

    # text entry

    def _ask_text(self, wanted: TextWanted) -> None:
        self._editing = wanted
        self._return_to = self.page
        self.entry.open(title_of(wanted.key), wanted.text, wanted.title, wanted.secret)
        self._stack.setCurrentWidget(self.entry)

    def _entered(self, text: str) -> None:
        wanted = self._editing
        if wanted is None:
            return
        if wanted.secret:
            self.secret.emit(SecretEdit(Secret(wanted.key), text))
        else:
            self.edit.emit(Edit(wanted.key, parse_text(wanted.key, text)))
        self._entry_done()

    def _entry_done(self) -> None:
        self._editing = None
        self.open_page(self._return_to)

    # rendering

    def show_config(self, config: Config, secrets: set[Secret]) -> None:
        """Show every setting's value and which secrets are set."""
        for key, row in self.rows.items():
            if isinstance(row, SecretRow):
                row.show_set(Secret(key) in secrets)
            else:
                row.show_value(value_of(config, key))
            only = ONLY_FOR.get(key)
            row.setVisible(only is None or only is config.backend.kind)
        self._location = config.kiosk.location
        for ident, widget in self.place_buttons.items():
            restyle(widget, selected="yes" if ident == self._location else "no")

    def show_message(self, text: str, error: bool = False) -> None:
        """A line for staff at the top: what was saved, or why not."""
        self.message.setText(text)
        restyle(self.message, state="bad" if error else "ok" if text else "")

    def show_places(self, places: list[Place], current: int, problem: str = "") -> None:
        """The backend's locations to choose from; `current` is marked."""
        while self.places_box.count():
            item = self.places_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.place_buttons = {}
        for place in places:
            widget = button(f"{place.name}  ·  #{place.id}", "field", f"place-{place.id}")
            widget.clicked.connect(
                lambda _=False, i=place.id: self.edit.emit(Edit("kiosk.location", i))
            )
            restyle(widget, selected="yes" if place.id == current else "no")
            self.places_box.addWidget(widget)
            self.place_buttons[place.id] = widget
        self.places_note.setText(problem or ("" if places else "The backend lists no locations."))

    def show_tap(self, tap: TapInfo) -> None:
        """A card tapped in staff mode: its number in every format, the one in use marked."""
        lines = [f"{fmt.value:<13} {value}{'   ← in use' if fmt is tap.in_use else ''}"
                 for fmt, value in tap.formats]  # fmt: skip
        self.tap_result.setText(f"On {tap.reader}:\n" + "\n".join(lines))
        self._card = dict(tap.formats)[tap.in_use]
        self.card_note.setText(f"Card {self._card} was tapped.")
        self.card_add.setVisible(True)

    def show_people(
        self, present: list[Presence] | str, failed: list[FailedCheckin] | str, when: Any
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

    def show_health(self, health: Health, when: Any) -> None:
        """The reader, the backend, the version and where the configuration is."""
        online = {True: "online", False: "offline", None: "not known yet"}[health.online]
        last_read = when(health.last_read) if health.last_read else "none yet"
        answer = when(health.last_answer) if health.last_answer else "none yet"
        self.health.setText(
            f"Reader: {health.reader} · last read {last_read}\n"
            f"Check-in backend: {health.backend} · {online} · last answer {answer}\n"
            f"Version: {health.version}\n"
            f"Configuration: {health.config_path}\n"
            f"Secrets: {health.secrets}"
        )
