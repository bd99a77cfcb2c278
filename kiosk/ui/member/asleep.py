"""The dark screen of a kiosk asleep (`display.sleep_after`): black, no cursor, nothing that
moves; a touch wakes it (the window says so), and does nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class AsleepScreen(QWidget):
    """Black, whatever the theme."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("asleep")
        self.setCursor(Qt.CursorShape.BlankCursor)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        QPainter(self).fillRect(self.rect(), Qt.GlobalColor.black)
