"""An `Announcer` that writes down what a screen reader would have said."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


class RecordingAnnouncer:
    """Keeps every announcement, in order, as (widget's object name, text)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def announce(self, widget: QWidget, text: str) -> None:
        self.said.append((widget.objectName(), text))
