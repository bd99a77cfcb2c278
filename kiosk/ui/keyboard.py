"""An on-screen keyboard, for staff entering text on a touchscreen with no keyboard attached.

`TextEntry` is a field with the keyboard under it; `open()` it with a title and the current
text, and it emits `accepted(text)` or `cancelled()`. A secret is shown as dots and starts empty.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.ui.widgets import button, label

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm._@", ":/+&=#,")
SHIFT, SPACE, BACKSPACE = "⇧", "space", "⌫"


class Keyboard(QWidget):
    """Keys in, characters out.

    Signals:
        typed(str): a character, or `BACKSPACE`.
    """

    typed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("keyboard")
        self.shifted = False
        self.keys: dict[str, QWidget] = {}
        grid = QGridLayout(self)
        grid.setSpacing(6)
        for row, chars in enumerate(ROWS):
            for col, char in enumerate(chars):
                self._key(grid, char, row, col)
        last = len(ROWS)
        self._key(grid, SHIFT, last, 0, 2)
        self._key(grid, SPACE, last, 2, 6)
        self._key(grid, BACKSPACE, last, 8, 2)

    def _key(self, grid: QGridLayout, name: str, row: int, col: int, span: int = 1) -> None:
        key = button(name.replace("&", "&&"), "key", f"kb-{name}")
        key.setMinimumSize(48, 56)
        key.clicked.connect(lambda _=False, k=name: self.press(k))
        grid.addWidget(key, row, col, 1, span)
        self.keys[name] = key

    def press(self, name: str) -> None:
        """Press the key `name` (a character, `SHIFT`, `SPACE` or `BACKSPACE`)."""
        if name == SHIFT:
            self.shifted = not self.shifted
            for char, key in self.keys.items():
                if len(char) == 1 and char.isalpha():
                    key.setText(char.upper() if self.shifted else char)  # type: ignore[attr-defined]
            return
        if name == SPACE:
            self.typed.emit(" ")
        elif name == BACKSPACE:
            self.typed.emit(BACKSPACE)
        else:
            self.typed.emit(name.upper() if self.shifted else name)


class TextEntry(QWidget):
    """A titled text field with the on-screen keyboard.

    Signals:
        accepted(str): OK with this text.
        cancelled(): staff left without changing anything.
    """

    accepted = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("text-entry")
        self.title = label("", "subtitle", wrap=True)
        self.hint = label("", "small", wrap=True)
        self.field = QLineEdit()
        self.field.setObjectName("entry-field")
        self.field.setMinimumHeight(64)
        self.field.returnPressed.connect(self._ok)
        self.keyboard = Keyboard()
        self.keyboard.typed.connect(self._typed)
        self.ok = button("OK", "primary", "entry-ok")
        self.ok.clicked.connect(self._ok)
        self.cancel = button("Cancel", "quiet", "entry-cancel")
        self.cancel.clicked.connect(self.cancelled)
        actions = QHBoxLayout()
        actions.addWidget(self.cancel, 1)
        actions.addWidget(self.ok, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.hint, self.field, self.keyboard):
            layout.addWidget(widget)
        layout.addLayout(actions)

    def open(self, title: str, text: str = "", hint: str = "", secret: bool = False) -> None:
        """Ask for a text; a secret is hidden and starts empty."""
        self.title.setText(title)
        self.hint.setText(hint)
        self.field.setEchoMode(QLineEdit.EchoMode.Password if secret else QLineEdit.EchoMode.Normal)
        self.field.setText("" if secret else text)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _typed(self, char: str) -> None:
        if char == BACKSPACE:
            self.field.backspace()
        else:
            self.field.insert(char)

    def _ok(self) -> None:
        text = self.field.text()
        self.field.clear()
        self.accepted.emit(text)
