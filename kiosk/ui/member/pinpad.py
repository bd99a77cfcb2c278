"""The PIN pad: large keys, the PIN shown as dots only, never echoed or logged."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui import theme
from kiosk.ui.widgets import StyledWidget, button, label
from kiosk.ui.words import Words

MIN_DIGITS = 4
MAX_DIGITS = 8
BACKSPACE = "⌫"


class PinDots(QWidget):
    """One dot per digit typed, and an empty ring for each digit still expected.

    Signals:
        painted(): the dots were just painted (for the keypress latency benchmark).
    """

    painted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.expected = 5
        self._px = 36

    def set_count(self, count: int, expected: int) -> None:
        """Show `count` dots out of `expected`."""
        self.count, self.expected = count, expected
        self.update()

    def set_px(self, px: int) -> None:
        """Dots of `px` across."""
        self._px = px
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(MAX_DIGITS * self._px * 2, self._px * 2)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        slots = max(self.count, self.expected)
        step = self._px * 1.8
        left = (self.width() - step * (slots - 1) - self._px) / 2
        top = (self.height() - self._px) / 2
        colour = QColor(theme.COLOURS["plain"])
        for i in range(slots):
            box = QRectF(left + i * step, top, self._px, self._px)
            painter.setPen(QPen(colour, 3))
            painter.setBrush(colour if i < self.count else Qt.BrushStyle.NoBrush)
            painter.drawEllipse(box.adjusted(2, 2, -2, -2))
        painter.end()
        self.painted.emit()


class PinScreen(StyledWidget):
    """Digits in, a PIN out; the PIN is cleared as soon as it is submitted.

    Signals:
        submitted(str): the member pressed OK (or typed the configured length).
        cancelled(): the member left the pad.
        touched(): any key; the pad stays open.
        said(str): a message for the member (for a screen reader).
    """

    submitted = Signal(str)
    cancelled = Signal()
    touched = Signal()
    said = Signal(str)

    def __init__(
        self,
        length: int = 5,
        submit_on_length: bool = False,
        title: str = "Enter your PIN",
        name: str = "pin",
    ) -> None:
        """`length` 0: no length is expected (the staff PIN's is not known), a dot per digit."""
        super().__init__()
        self.setObjectName(name)
        self.length = length
        self.min_digits = MIN_DIGITS
        self.submit_on_length = submit_on_length
        self._digits: list[str] = []
        self.locked = False
        self._title = title
        self._words = Words()
        self.title = label(title, "headline", wrap=True)
        self.dots = PinDots()
        self.message = label("", "caption")
        self.ok = button("OK", "primary", "ok")
        self.ok.clicked.connect(self.submit)
        self.cancel = button("Cancel", "quiet", "cancel")
        self.cancel.setProperty("words", "yes")  # "Abbrechen" fits a third of the pad
        self.cancel.clicked.connect(self._cancel)
        grid = QGridLayout()
        grid.setSpacing(14)
        keys = [*"123456789", "Clear", "0", BACKSPACE]
        self.keys: dict[str, QWidget] = {}
        for i, key in enumerate(keys):
            widget = button(key, name=f"key-{key}")
            if key == "Clear":  # a word among digits: smaller, so that every language fits
                widget.setProperty("words", "yes")
            widget.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(widget, i // 3, i % 3)
            self.keys[key] = widget
        actions = QHBoxLayout()
        actions.addWidget(self.cancel, 1)
        actions.addWidget(self.ok, 1)
        info = QVBoxLayout()
        info.addStretch(1)
        for item in (self.title, self.dots, self.message):
            info.addWidget(item)
        info.addStretch(1)
        self._pad = QVBoxLayout()
        self._pad.addLayout(grid)
        self._pad.addSpacing(14)
        self._pad.addLayout(actions)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(40, 32, 40, 32)
        self._layout.setSpacing(40)
        self._layout.addLayout(info, 1)
        self._layout.addLayout(self._pad, 1)
        self.retranslate(self._words)

    def configure(self, length: int, submit_on_length: bool) -> None:
        """The expected PIN length, and whether reaching it submits."""
        self.length, self.submit_on_length = length, submit_on_length
        self._refresh()

    def set_min_digits(self, digits: int) -> None:
        """OK takes a PIN of at least `digits`."""
        self.min_digits = digits
        self._refresh()

    def press(self, key: str) -> None:
        """A key: a digit, `Clear` or backspace."""
        self.touched.emit()
        if self.locked:
            return
        if key == "Clear":
            self._digits.clear()
        elif key == BACKSPACE:
            if self._digits:
                self._digits.pop()
        elif key.isdigit() and len(key) == 1 and len(self._digits) < MAX_DIGITS:
            self._digits.append(key)
            if self.submit_on_length and len(self._digits) == self.length:
                self.submit()
                return
        self.message.setText("")
        self._refresh()

    def key(self, key: int, text: str) -> bool:
        """A key typed on a keyboard or keypad; whether the pad used it."""
        if text.isdigit() and len(text) == 1:
            self.press(text)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif key == Qt.Key.Key_Backspace:
            self.press(BACKSPACE)
        elif key == Qt.Key.Key_Delete:
            self.press("Clear")
        elif key == Qt.Key.Key_Escape:
            self.cancel.click()
        else:
            return False
        return True

    def submit(self) -> None:
        """Send the PIN if it is long enough; it is cleared either way only when sent."""
        self.touched.emit()
        if self.locked:
            return
        if len(self._digits) < self.min_digits:
            self.message.setText(
                self._words(
                    "A PIN has {low} to {high} digits", low=self.min_digits, high=MAX_DIGITS
                )
            )
            self.said.emit(self.message.text())
            return
        pin = "".join(self._digits)
        self.reset()
        self.submitted.emit(pin)

    def reset(self) -> None:
        """Forget the digits."""
        self._digits.clear()
        self.message.setText("")
        self._refresh()

    def set_locked(self, locked: bool) -> None:
        """Take no digits while `locked` (a staff PIN lockout)."""
        self.locked = locked
        for key in self.keys.values():
            key.setEnabled(not locked)
        if locked:
            self.reset()
        self._refresh()
        self.ok.setEnabled(not locked and len(self._digits) >= self.min_digits)

    def retranslate(self, words: Words) -> None:
        """Show the pad's words in `words`' language."""
        self._words = words
        self.title.setText(words(self._title))
        self.ok.setText(words("OK"))
        self.cancel.setText(words("Cancel"))
        self.keys["Clear"].setText(words("Clear"))  # type: ignore[attr-defined]
        self.keys[BACKSPACE].setAccessibleName(words("Delete last digit"))
        self.ok.setAccessibleDescription(words("Check your PIN"))
        self.cancel.setAccessibleDescription(words("Back to the start"))
        self.message.setText("")
        self._refresh()

    def rescale(self, scale: float) -> None:
        """Resize the dots for `scale`."""
        self.dots.set_px(theme.size("h2", scale))

    def set_portrait(self, portrait: bool) -> None:
        """Stack the pad under the title on a portrait screen."""
        direction = (
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self._layout.setDirection(direction)

    def _cancel(self) -> None:
        self.reset()
        self.cancelled.emit()

    def _refresh(self) -> None:
        self.dots.set_count(len(self._digits), self.length)
        self.dots.setAccessibleName(self._words("PIN"))
        self.dots.setAccessibleDescription(
            self._words("{count} digits typed", count=len(self._digits))
        )
        self.ok.setEnabled(len(self._digits) >= self.min_digits)
