"""The way into staff mode: press and hold the top-left corner of the screen for 3 seconds.

It watches the kiosk's QWindow, so it sees every press before any widget does, on whatever
screen is showing, and passes every event on. A press that leaves the corner, ends, or is
cancelled before the time is up does nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QTouchEvent

HOLD_SECONDS = 3.0
CORNER_PX = 120

_PRESS = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin}
_MOVE = {QEvent.Type.MouseMove, QEvent.Type.TouchUpdate}
_END = {QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel}


class CornerHold(QObject):
    """Emits `held` when the top-left corner is pressed for `HOLD_SECONDS`.

    Signals:
        held(): the corner was held long enough.
        pressed(): any press anywhere (staff mode counts it as a touch).
    """

    held = Signal()
    pressed = Signal()

    def __init__(self, parent: QObject | None = None, seconds: float = HOLD_SECONDS) -> None:
        super().__init__(parent)
        self.size = CORNER_PX
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(round(seconds * 1000))
        self._timer.timeout.connect(self.held)

    @property
    def holding(self) -> bool:
        """Whether a press in the corner is being timed."""
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in _PRESS:
            self.pressed.emit()
            if not self._timer.isActive() and self._in_corner(_position(event)):
                self._timer.start()
        elif kind in _MOVE:
            if self._timer.isActive() and not self._in_corner(_position(event)):
                self._timer.stop()
        elif kind in _END:
            self._timer.stop()
        return False

    def _in_corner(self, at: QPointF | None) -> bool:
        return at is not None and 0 <= at.x() < self.size and 0 <= at.y() < self.size


def _position(event: QEvent) -> QPointF | None:
    if isinstance(event, QMouseEvent):
        return event.position()
    if isinstance(event, QTouchEvent) and event.points():
        return event.points()[0].position()
    return None
