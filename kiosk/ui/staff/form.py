"""What staff mode's screens share: setting rows made from the model, the on-screen keyboard
for text, and a message line. `StaffScreen` and the setup wizard's screen are forms.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.backends.base import Place
from kiosk.backends.registry import backend_keys, keys_for
from kiosk.flows.wizard import timezones
from kiosk.settings.file import parse_text, setting, value_of
from kiosk.settings.model import Config, ConfigError
from kiosk.settings.vault import Secret
from kiosk.ui.keyboard import TextEntry
from kiosk.ui.staff.fields import Edit, SecretRow, SettingRow, TextWanted
from kiosk.ui.widgets import StyledWidget, button, label, restyle

SECRETS = {s.value for s in Secret.staff()}
BACKEND_KEYS = backend_keys()  # shown only while their backend is in use
CODE = "backend.two_factor_code"  # what the keyboard is open for: typed, used once, not kept
PAIRING = "backend.pairing_code"  # the same: exchanged once for this kiosk's device token
NEW_PLACE = "location.new"  # a new location's name, for the embedded server
TIMEZONE = "location.timezone"  # and its time zone
TITLES = {
    "kiosk.name": "This kiosk's name",
    "kiosk.language": "Language",
    "display.rotation": "Screen turned clockwise (°)",
    "display.sleep_after": "Screen dark after (min; 0: never)",
    "kiosk.sounds": "Sounds",
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
    "backend.ca_file": "Trusted CA file (HTTPS)",
    "backend.connect_timeout": "Connect timeout (s)",
    "backend.timeout": "Answer timeout (s)",
    "offline.policy": "While the backend is away",
    "offline.remember_days": "Greet members seen within (days)",
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


def left(widget: QLabel) -> QLabel:
    """`widget` as plain text, aligned top left (staff screens read like forms)."""
    widget.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def scrolled(widgets: list[QWidget], spacing: int, name: str = "") -> QScrollArea:
    """`widgets` in a column that scrolls vertically, by finger too."""
    content = QWidget()
    column = QVBoxLayout(content)
    column.setSpacing(spacing)
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    scroll = QScrollArea()
    scroll.setObjectName(name)
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return scroll


class PlaceAdder(QWidget):
    """Adding a location to the kiosk's own server: its time zone, picked from the list of
    zones (this machine's first), and its name.

    Signals:
        asked(TextWanted): open the keyboard for the name or the zone.
    """

    asked = Signal(object)

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.zone_name = ""
        self.zone = button("", "field", f"{prefix}timezone")
        self.zone.clicked.connect(self._ask_zone)
        self.add = button("Add a location…", "field", f"{prefix}add-place")
        self.add.clicked.connect(self._ask_name)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.zone)
        column.addWidget(self.add)

    def set_zone(self, zone: str) -> None:
        """The time zone a location added here gets."""
        self.zone_name = zone
        self.zone.setText(f"Time zone: {zone}")

    def _ask_zone(self) -> None:
        hint = "Type a city or region to find it, then tap it"
        title = "The location's time zone"
        self.asked.emit(
            TextWanted(TIMEZONE, hint, self.zone_name, title=title, choices=timezones())
        )

    def _ask_name(self) -> None:
        self.asked.emit(TextWanted(NEW_PLACE, "The name members see", title="New location"))


class PlaceList(QWidget):
    """The backend's locations as buttons, the one in use marked.

    Signals:
        picked(str): check members in to this location.
    """

    picked = Signal(str)

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._prefix = prefix
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}

    def show_places(self, places: list[Place] | tuple[Place, ...], current: str) -> None:
        """A button per location; `current` is marked."""
        while self._box.count():
            item = self._box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        for place in places:
            widget = button(f"{place.name}  ·  #{place.id}", "field", f"{self._prefix}{place.id}")
            widget.clicked.connect(lambda _=False, i=place.id: self.picked.emit(i))
            self._box.addWidget(widget)
            self.buttons[place.id] = widget
        self.mark(current)

    def mark(self, current: str) -> None:
        """Mark the location in use."""
        for ident, widget in self.buttons.items():
            restyle(widget, selected="yes" if ident == current else "no")


@dataclasses.dataclass(frozen=True)
class SecretEdit:
    """Staff typed a new value for a secret."""

    name: Secret
    value: str


class Form(StyledWidget):
    """Setting rows over a stack of pages, and the keyboard for their text.

    Signals:
        edit(Edit): change a setting.
        secret(SecretEdit): keep a secret.
        code(str): sign in to Nexudus with this two-factor code.
        pair(str): pair this kiosk with its `kiosk serve` server with this one-time code.
        new_place(str): add a location by this name (with the zone of the `PlaceAdder`).
        timezone(str): the time zone for a location added here.
    """

    edit = Signal(object)
    secret = Signal(object)
    code = Signal(str)
    pair = Signal(str)
    new_place = Signal(str)
    timezone = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, SettingRow | SecretRow] = {}
        self.message = label("", "caption", wrap=True)
        self.entry = TextEntry()
        self.entry.accepted.connect(self._entered)
        self.entry.cancelled.connect(self._entry_done)
        self._stack = QStackedLayout()
        self._editing: TextWanted | None = None
        self._return_to: QWidget | None = None

    def row(self, key: str) -> SettingRow | SecretRow:
        """The editor for setting or secret `key`, wired to this form."""
        row: SettingRow | SecretRow
        if key in SECRETS:
            secret = Secret(key)
            row = SecretRow(key, title_of(key), secret.help)
        else:
            row = SettingRow(setting(key), title_of(key))
            row.edit.connect(self.edit)
        row.text_wanted.connect(self.ask_text)
        self.rows[key] = row
        return row

    def set_portrait(self, portrait: bool) -> None:
        """Stack each setting's editor under its name on a narrow screen."""
        for row in self.rows.values():
            if isinstance(row, SettingRow):
                row.set_portrait(portrait)

    def show_rows(
        self,
        config: Config,
        secrets: set[Secret] | frozenset[Secret],
        remote: frozenset[str] = frozenset(),
    ) -> None:
        """Every row's value, whether each secret is set, which were set from the server's
        web admin, and only the backend's own rows."""
        own = keys_for(config.backend.kind)
        for key, row in self.rows.items():
            if isinstance(row, SecretRow):
                row.show_set(Secret(key) in secrets)
            else:
                row.show_value(value_of(config, key))
                row.show_remote(key in remote)
            row.setVisible(key not in BACKEND_KEYS or key in own)

    def show_message(self, text: str, error: bool = False) -> None:
        """A line for staff at the top: what was saved, or why not."""
        self.message.setText(text)
        restyle(self.message, state="bad" if error else "ok" if text else "")

    def code_button(self, name: str) -> QPushButton:
        """A button that asks for the Nexudus admin's two-factor code."""
        hint = "The digits the admin's authenticator app shows now"
        wanted = TextWanted(CODE, hint, title="Nexudus two-factor code")
        return self._asking_button("Type the two-factor code…", name, wanted)

    def pair_button(self, name: str) -> QPushButton:
        """A button that asks for the one-time code pairing this kiosk with its server."""
        hint = "The code `kiosk devices add` printed on the server, like K7F3-9QWX"
        wanted = TextWanted(PAIRING, hint, title="Pairing code")
        return self._asking_button("Pair with the server…", name, wanted)

    def _asking_button(self, text: str, name: str, wanted: TextWanted) -> QPushButton:
        """A button that opens the keyboard for `wanted`."""
        widget = button(text, "field", name)
        widget.clicked.connect(lambda: self.ask_text(wanted))
        return widget

    # text entry

    def ask_text(self, wanted: TextWanted) -> None:
        """Open the keyboard for `wanted`; OK or Cancel come back to the page showing."""
        self._editing = wanted
        self._return_to = self._stack.currentWidget()
        title = wanted.title or title_of(wanted.key)
        self.entry.open(title, wanted.text, wanted.hint, wanted.secret, wanted.choices)
        self._stack.setCurrentWidget(self.entry)

    def entered(self, wanted: TextWanted, text: str) -> None:
        """Staff typed `text` for `wanted`: a setting's new value, a secret or a code."""
        if wanted.key == CODE:
            self.code.emit(text)
            return
        if wanted.key == PAIRING:
            self.pair.emit(text)
            return
        if wanted.key == NEW_PLACE:
            self.new_place.emit(text)
            return
        if wanted.key == TIMEZONE:
            self.timezone.emit(text.strip())
            return
        if wanted.secret:
            self.secret.emit(SecretEdit(Secret(wanted.key), text))
            return
        try:
            value = parse_text(wanted.key, text)
        except ConfigError as exc:
            self.show_message(f"Not changed: {exc}", error=True)
            return
        self.edit.emit(Edit(wanted.key, value))

    def back_from_entry(self, page: QWidget) -> None:
        """Show `page` again after the keyboard."""
        self._stack.setCurrentWidget(page)

    def _entered(self, text: str) -> None:
        wanted = self._editing
        if wanted is not None:
            self.entered(wanted, text)
        self._entry_done()

    def _entry_done(self) -> None:
        self._editing = None
        if self._return_to is not None:
            self.back_from_entry(self._return_to)
