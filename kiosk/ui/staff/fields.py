"""One row per setting, its editor made from the model: on/off, choices, − value +, or text.

A row shows the value it is given and asks for changes with `Edit`s; whether a change is
allowed is decided by the model (through the staff controller), never here.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.settings.file import COUNTED, Setting
from kiosk.settings.model import Value
from kiosk.ui.widgets import button, label, restyle

STEPS = {"timeouts.busy_delay": 0.05, "wedge.gap_ms": 5, "timeouts.pin": 5.0,
         "display.sleep_after": 5.0}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Edit:
    """Staff wants `key` set to `value`."""

    key: str
    value: object  # checked by the model before it is used


@dataclasses.dataclass(frozen=True)
class TextWanted:
    """Staff wants to type a new text for `key` (`secret`: never shown); `title` replaces the
    key's own title; `choices`: the texts staff may choose from, listed to pick or search."""

    key: str
    hint: str
    text: str = ""
    secret: bool = False
    title: str = ""
    choices: tuple[str, ...] = ()


class SettingRow(QWidget):
    """A setting's name and help, and its editor.

    Signals:
        edit(Edit): set the setting to a value.
        text_wanted(TextWanted): open the keyboard for a text value.
    """

    edit = Signal(object)
    text_wanted = Signal(object)

    def __init__(self, spec: Setting, title: str) -> None:
        super().__init__()
        self.spec = spec
        self.setObjectName(f"row-{spec.key}")
        self.value: Value = spec.default
        self.buttons: dict[str, QPushButton] = {}
        self._values: list[Value] = []  # the choices, in order
        name = label(title, "field-name", wrap=True)  # a long one wraps on a narrow page
        name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        help_ = label(spec.help, "small", wrap=True)
        help_.setAlignment(Qt.AlignmentFlag.AlignLeft)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(name)
        text.addWidget(help_)
        self.remote = label("Set from the server's web admin", "small", wrap=True)
        self.remote.setObjectName(f"remote-{spec.key}")
        self.remote.setVisible(False)
        text.addWidget(self.remote)
        self._editor = QHBoxLayout()
        self._editor.setSpacing(6)
        self._choices = QGridLayout()
        self._choices.setSpacing(6)
        self._editor.addLayout(self._choices)
        self.shown = label("", "field-value")
        self._row = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._row.setContentsMargins(0, 6, 0, 6)
        self._row.addLayout(text, 1)
        self._row.addLayout(self._editor, 0)
        self._build()

    def set_portrait(self, portrait: bool) -> None:
        """Put the editor under the name on a narrow screen."""
        direction = (
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self._row.setDirection(direction)
        self._grid(portrait)

    def _grid(self, portrait: bool) -> None:
        """Lay the choices out in rows: four (three when there are more) across a wide page,
        two across a narrow one."""
        choices = [self.buttons[str(c).lower()] for c in self._values]
        columns = 2 if portrait and len(choices) >= 4 else 3 if len(choices) > 4 else 4
        for widget in choices:
            self._choices.removeWidget(widget)
        for i, widget in enumerate(choices):
            self._choices.addWidget(widget, i // columns, i % columns)

    def _build(self) -> None:
        spec = self.spec
        if spec.kind is bool:
            for word, value in (("On", True), ("Off", False)):
                self._choice(word, value)
        elif spec.choices:
            for choice in spec.choices:
                self._choice(choice, choice)
        elif spec.kind in (int, float):
            minus = self._button("−", "minus", lambda: self._step(-1))
            self.shown.setMinimumWidth(90)
            self._editor.addWidget(minus)
            self._editor.addWidget(self.shown)
            self._button("+", "plus", lambda: self._step(1))
        else:
            self._button("Change…", "change", self._ask_text)
            self.shown.setWordWrap(True)  # a long text wraps; the button keeps its words
            self._editor.insertWidget(0, self.shown, 1)
        if self._values:
            self._grid(portrait=False)  # once, with every choice made

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        widget = button(text, "field", f"{self.spec.key}:{name}")
        widget.clicked.connect(slot)
        self._editor.addWidget(widget)
        self.buttons[name] = widget
        return widget

    def _choice(self, text: str, value: Value) -> None:
        name = str(value).lower()
        widget = button(text, "field", f"{self.spec.key}:{name}")
        widget.clicked.connect(lambda: self.edit.emit(Edit(self.spec.key, value)))
        widget.setCheckable(True)
        self.buttons[name] = widget
        self._values.append(value)

    def show_remote(self, remote: bool) -> None:
        """Say whether this setting was set from the server's web admin (it is again at the
        kiosk's next start)."""
        self.remote.setVisible(remote)

    def show_value(self, value: Value) -> None:
        """Render `value`."""
        self.value = value
        spec = self.spec
        if spec.kind is bool or spec.choices:
            current = str(value.value if isinstance(value, enum.Enum) else value).lower()
            for name, widget in self.buttons.items():
                widget.setChecked(name == current)
                restyle(widget, selected="yes" if name == current else "no")
        elif isinstance(value, int | float):
            self.shown.setText(f"{value:g}")
            self.buttons["minus"].setEnabled(spec.lo is None or value > spec.lo)
            self.buttons["plus"].setEnabled(spec.hi is None or value < spec.hi)
        elif isinstance(value, tuple) and spec.key in COUNTED:
            self.shown.setText(f"{len(value)} set" if value else "none")
        elif isinstance(value, tuple):
            self.shown.setText(", ".join(value) if value else "none")
        else:
            self.shown.setText(str(value) if value else "(empty)")

    def _step(self, direction: int) -> None:
        spec = self.spec
        step = STEPS.get(spec.key, 1 if spec.kind is int else 0.5 if (spec.hi or 0) <= 10 else 1.0)
        if not isinstance(self.value, int | float):
            return
        value = round(self.value + direction * step, 4)
        if spec.lo is not None:
            value = max(spec.lo, value)
        if spec.hi is not None:
            value = min(spec.hi, value)
        self.edit.emit(Edit(spec.key, round(value) if spec.kind is int else float(value)))

    def _ask_text(self) -> None:
        value = self.value
        if self.spec.key in COUNTED:  # kept as hashes: typed afresh, never shown
            hint = "Card numbers, comma-separated: they replace those set; empty removes them all"
            self.text_wanted.emit(TextWanted(self.spec.key, hint))
            return
        text = ", ".join(value) if isinstance(value, tuple) else str(value)
        self.text_wanted.emit(TextWanted(self.spec.key, self.spec.help, text))


class SecretRow(QWidget):
    """A secret: whether it is set, and a button to type a new one (never shown).

    Signals:
        text_wanted(TextWanted): open the keyboard, hidden.
    """

    text_wanted = Signal(object)

    def __init__(self, key: str, title: str, help_text: str) -> None:
        super().__init__()
        self.key = key
        self.setObjectName(f"row-{key}")
        name = label(title, "field-name", wrap=True)  # a long one wraps on a narrow page
        name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        help_ = label(help_text, "small", wrap=True)
        help_.setAlignment(Qt.AlignmentFlag.AlignLeft)
        text = QVBoxLayout()
        text.addWidget(name)
        text.addWidget(help_)
        self.shown = label("not set", "field-value")
        self.change = button("Change…", "field", f"{key}:change")
        self.change.clicked.connect(
            lambda: self.text_wanted.emit(TextWanted(key, help_text, secret=True))
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 6, 0, 6)
        row.addLayout(text, 1)
        row.addWidget(self.shown)
        row.addWidget(self.change)

    def show_set(self, is_set: bool) -> None:
        """Whether the secret is set (its value never reaches the screen)."""
        self.shown.setText("set" if is_set else "not set")
