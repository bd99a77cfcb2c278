"""Telling a screen reader what just happened: a result, a notice, a PIN too short.

`Announcer` is the interface; `QtAnnouncer` raises an accessibility alert on the widget that
holds the words (Orca and other AT-SPI readers speak it). Tests use the recording fake in
tests/fakes/announcer.py.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QWidget


class Announcer(Protocol):
    """Says `text`, which `widget` now shows."""

    def announce(self, widget: QWidget, text: str) -> None: ...


class QtAnnouncer:
    """Announces through Qt's accessibility bridge: the widget's accessible description is
    set to the words, and an alert raised on it."""

    def announce(self, widget: QWidget, text: str) -> None:
        widget.setAccessibleDescription(text)
        QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))
