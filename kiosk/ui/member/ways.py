"""The idle screen's tiles: one per way in, an icon over its caption, or the PIN and email
buttons stacked in one column."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from kiosk.ui.widgets import Icon


def tile(icon_name: str, caption: str | QWidget) -> QWidget:
    """An icon over its caption (or over a widget kept at its own width)."""
    box = QWidget()
    box.setObjectName(f"method-{icon_name}")
    box.setProperty("role", "tile")
    if isinstance(caption, str):
        box.setAccessibleName(caption)
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(16)
    column.addWidget(Icon(icon_name), 0, Qt.AlignmentFlag.AlignHCenter)
    column.addWidget(Caption(caption) if isinstance(caption, str) else caption)
    if not isinstance(caption, str):
        keep_width(box)
    return box


def buttons_tile(*buttons: QWidget) -> QWidget:
    """Buttons stacked in one column, as wide as the widest."""
    box = QWidget()
    box.setObjectName("method-buttons")
    box.setProperty("role", "tile")
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(16)
    for widget in buttons:
        column.addWidget(widget)
    keep_width(box)
    return box


def keep_width(box: QWidget) -> None:
    """A button is never cut short: the captions beside it wrap instead."""
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)


class Caption(QLabel):
    """A way's caption: on one line where there is room, on two where four ways share a row."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setProperty("role", "way")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As wide as the text on one line."""
        line = self.fontMetrics().horizontalAdvance(self.text()) + 8
        return QSize(line, self.heightForWidth(line))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Narrow enough for two or three lines."""
        narrow = min(self.sizeHint().width(), self.fontMetrics().averageCharWidth() * 14)
        return QSize(narrow, self.heightForWidth(narrow))
