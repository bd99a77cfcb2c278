"""An on-screen keyboard, for entering text on a touchscreen with no keyboard attached.

Four rows fit a 480 px screen: letters, or digits and symbols behind the "123" key, with the
screen's own OK button at the bottom right. `TextEntry` is a field with the keyboard under it
(and, when given choices, a list of them the text filters); `open()` it with a title and the
current text, and it emits `accepted(text)` or `cancelled()`. A secret is shown as dots and
starts empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.widgets import button, label

SHIFT, SPACE, BACKSPACE, LAYER = "⇧", "space", "⌫", "123"
LETTERS = ("qwertyuiop", "asdfghjkl-", "zxcvbnm")  # the third row: after ⇧
SYMBOLS = ("1234567890", "_:/+&=#,!?", "'\"()$%*;")
COLUMNS = 10


class Keyboard(QWidget):
    """Keys in, characters out; `action` (the screen's OK) is the bottom right key.

    `member`: keys as big as a member's touch targets, not staff's.

    Signals:
        typed(str): a character, or `BACKSPACE`.
    """

    typed = Signal(str)

    def __init__(self, action: QPushButton, member: bool = False) -> None:
        super().__init__()
        self.setObjectName("keyboard")
        self.setProperty("member", "yes" if member else "no")
        self.shifted = False
        self.symbols = False
        self._words: Callable[..., str] = lambda text, **_: text  # staff mode: English
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for row, chars in enumerate(LETTERS):
            for col, char in enumerate(chars):
                self._key(grid, char, row, col + (row == 2))
        for row, chars in enumerate(SYMBOLS):
            for col, char in enumerate(chars):
                self._key(grid, char, row, col)
        self._key(grid, SHIFT, 2, 0)
        self._key(grid, BACKSPACE, 2, 8, 2)
        self._key(grid, LAYER, 3, 0, 2)
        self._key(grid, "@", 3, 2)
        self._key(grid, SPACE, 3, 3, 4)
        self._key(grid, ".", 3, 7)
        grid.addWidget(action, 3, 8, 1, 2)
        action.setProperty("member", self.property("member"))
        action.setProperty("words", "yes")  # "Aceptar" as well as "OK": the size of words
        for col in range(COLUMNS):
            grid.setColumnStretch(col, 1)
        self.retranslate(self._words)

    def retranslate(self, words: Callable[..., str]) -> None:
        """The keys' names for a screen reader in `words`' language."""
        self._words = words
        self.keys[SPACE].setAccessibleName(words("Space"))
        self.keys[BACKSPACE].setAccessibleName(words("Delete"))
        self.keys[SHIFT].setAccessibleName(words("Shift"))
        self._show_layer()

    def _key(self, grid: QGridLayout, name: str, row: int, col: int, span: int = 1) -> None:
        key = button(name.replace("&", "&&"), "key", f"kb-{name}")
        key.setProperty("member", self.property("member"))
        key.setAccessibleName(name)
        key.clicked.connect(lambda _=False, k=name: self.press(k))
        grid.addWidget(key, row, col, 1, span)
        self.keys[name] = key

    def press(self, name: str) -> None:
        """Press the key `name` (a character, `SHIFT`, `LAYER`, `SPACE` or `BACKSPACE`)."""
        if name == SHIFT:
            self.shifted = not self.shifted
            self._show_layer()
        elif name == LAYER:
            self.symbols = not self.symbols
            self._show_layer()
        elif name == SPACE:
            self.typed.emit(" ")
        elif name == BACKSPACE:
            self.typed.emit(BACKSPACE)
        else:
            self.typed.emit(name.upper() if self.shifted else name)

    def _show_layer(self) -> None:
        letters = {c for row in LETTERS for c in row}
        symbols = {c for row in SYMBOLS for c in row}
        for name, key in self.keys.items():
            if name in letters:
                key.setVisible(not self.symbols)
                key.setText(name.upper() if self.shifted else name)
            elif name in symbols:
                key.setVisible(self.symbols)
        self.keys[SHIFT].setVisible(not self.symbols)
        self.keys[LAYER].setText("abc" if self.symbols else "123")
        words = self._words
        self.keys[LAYER].setAccessibleName(
            words("Letters") if self.symbols else words("Digits and symbols")
        )

    def reset(self) -> None:
        """Back to lower-case letters."""
        self.shifted = self.symbols = False
        self._show_layer()


class TextEntry(QWidget):
    """A titled text field with the on-screen keyboard, and a list of choices when it has any.

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
        self.field.setMinimumHeight(44)
        self.field.returnPressed.connect(self._ok)
        self.field.textChanged.connect(self._filter)
        self.choices = QListWidget()
        self.choices.setObjectName("entry-choices")
        self.choices.itemClicked.connect(lambda item: self.field.setText(item.text()))
        drag = QScroller.ScrollerGestureType.LeftMouseButtonGesture  # a finger scrolls the list
        QScroller.grabGesture(self.choices.viewport(), drag)
        self.choices.hide()
        self.ok = button("OK", "primary", "entry-ok")
        self.ok.clicked.connect(self._ok)
        self.keyboard = Keyboard(self.ok)
        self.keyboard.typed.connect(self._typed)
        self.cancel = button("Cancel", "quiet", "entry-cancel")
        self.cancel.setProperty("member", "no")
        self.cancel.clicked.connect(self.cancelled)
        top = QHBoxLayout()
        top.addWidget(self.cancel)
        words = QVBoxLayout()
        words.addWidget(self.title)
        words.addWidget(self.hint)
        top.addLayout(words, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.field)
        layout.addWidget(self.choices, 1)
        layout.addWidget(self.keyboard)

    def open(
        self, title: str, text: str = "", hint: str = "", secret: bool = False,
        choices: Sequence[str] = (),
    ) -> None:  # fmt: skip
        """Ask for a text; a secret is hidden and starts empty. `choices`: what may be chosen,
        listed with `text` selected, and filtered by what staff type."""
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.choices.clear()
        listed = list(choices)
        if choices and text and text not in listed:
            listed.insert(0, text)  # what is set now is always there to keep
        self.choices.addItems(listed)
        self.choices.setVisible(bool(choices))
        self.keyboard.reset()
        self.field.setEchoMode(QLineEdit.EchoMode.Password if secret else QLineEdit.EchoMode.Normal)
        self.field.setText("" if secret or choices else text)
        self.field.setPlaceholderText("Type to search" if choices else "")
        if found := self.choices.findItems(text, Qt.MatchFlag.MatchExactly):
            self.choices.setCurrentItem(found[0])
            self.choices.scrollToItem(found[0], QListWidget.ScrollHint.PositionAtCenter)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _filter(self, text: str) -> None:
        """Only the choices holding what was typed (any case; a space matches "_")."""
        wanted = text.strip().lower().replace(" ", "_")
        for row in range(self.choices.count()):
            item: QListWidgetItem = self.choices.item(row)
            item.setHidden(wanted not in item.text().lower())

    def _chosen(self) -> str:
        """With choices: the one typed in full, else the one selected if still listed, else
        the first listed; what was typed when none is."""
        text = self.field.text()
        if not self.choices.count():
            return text
        listed = [self.choices.item(row) for row in range(self.choices.count())]
        shown = [item for item in listed if not item.isHidden()]
        if any(item.text() == text for item in shown) or not shown:
            return text
        current = self.choices.currentItem()
        return (current if current is not None and not current.isHidden() else shown[0]).text()

    def _typed(self, char: str) -> None:
        if char == BACKSPACE:
            self.field.backspace()
        else:
            self.field.insert(char)

    def _ok(self) -> None:
        text = self._chosen()
        self.field.clear()
        self.accepted.emit(text)
