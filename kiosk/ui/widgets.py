"""Small widgets the screens share: icons, status labels, the countdown bar, the spinner."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOption,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui import theme

FRAME_MS = 33
DOTS = {"ok": "#4ade80", "wait": "#fcd34d", "bad": "#f87171"}  # the status dot's colours


def label(text: str = "", role: str = "caption", wrap: bool = False) -> QLabel:
    """A label styled by `role` (see the style sheet)."""
    widget = QLabel(text)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def button(text: str, role: str = "", name: str = "") -> QPushButton:
    """A touch button; Tab reaches it (a touch never focuses it: digits typed still go to
    the window, which handles keys)."""
    widget = QPushButton(text)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    widget.setObjectName(name or text)
    if role:
        widget.setProperty("role", role)
    return widget


class Option(QPushButton):
    """A choice as a button: its title, and under it words that wrap to the button's width."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "option")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.heading = label("", "option-title")
        self.summary = label("", "option-summary", wrap=True)
        box = self._box = QVBoxLayout(self)
        box.setContentsMargins(16, 8, 16, 8)
        box.setSpacing(2)
        for part in (self.heading, self.summary):
            part.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.addWidget(part)

    def set_text(self, title: str, summary: str) -> None:
        """Show `title` over `summary` (and tell a screen reader both)."""
        self.heading.setText(title)
        self.summary.setText(summary)
        self.setAccessibleName(title)
        self.setAccessibleDescription(summary)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._box.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self._box.minimumSize()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._box.totalHeightForWidth(width)


def restyle(widget: QWidget, **properties: str) -> None:
    """Set dynamic properties and re-apply the style sheet rules that match them."""
    for key, value in properties.items():
        widget.setProperty(key, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class StyledWidget(QWidget):
    """A plain widget that paints its style-sheet background."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        option = QStyleOption()
        option.initFrom(self)
        painter = QPainter(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)


def svg_icon(name: str, colour: str, px: int) -> QIcon:
    """The SVG icon `name` in `colour` as a button's icon of `px`×`px`."""
    picture = QPixmap(px, px)
    picture.fill(Qt.GlobalColor.transparent)
    painter = QPainter(picture)
    QSvgRenderer(QByteArray(theme.icon_svg(name, colour))).render(painter)
    painter.end()
    return QIcon(picture)


class Icon(QWidget):
    """An SVG icon from `kiosk/assets/icons`, drawn in one colour."""

    def __init__(self, name: str, colour: str = theme.COLOURS["plain"], px: int = 96) -> None:
        super().__init__()
        self._renderer = QSvgRenderer(self)
        self._px = px
        self.set_icon(name, colour)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_icon(self, name: str, colour: str) -> None:
        """Show icon `name` in `colour`."""
        self._renderer.load(QByteArray(theme.icon_svg(name, colour)))
        self.update()

    def set_px(self, px: int) -> None:
        """Resize to `px`×`px`."""
        self._px = px
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._px, self._px)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, QRectF(self.rect()))


class StatusDot(QWidget):
    """A small dot for staff: green when all is well, amber while connecting or sending what
    was kept, red when something is out of order; its words in the tooltip and for a screen
    reader."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("status-dot")
        self.setAccessibleName("Kiosk status")
        self.state = "wait"
        self.setFixedSize(18, 18)

    def show_state(self, state: str, words: str) -> None:
        """`state`: "ok", "wait" or "bad"; `words`: what each part is doing."""
        self.state = state
        self.setToolTip(words)
        self.setAccessibleDescription(words)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(DOTS[self.state]))
        painter.drawEllipse(self.rect().adjusted(3, 3, -3, -3))


class CountdownBar(QWidget):
    """A bar that empties over `seconds`: when the screen goes back to idle."""

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.update)
        self._start = 0.0
        self._seconds = 0.0
        self.clock: Callable[[], float] = time.monotonic  # a fixed one: the same picture
        self.setFixedHeight(12)

    def start(self, seconds: float) -> None:
        """Start emptying, full now and empty after `seconds`."""
        self._start, self._seconds = self.clock(), seconds
        self._timer.start()
        self.update()

    def stop(self) -> None:
        """Stop animating."""
        self._timer.stop()

    def remaining(self) -> float:
        """The fraction still to run, from 1.0 down to 0.0."""
        if self._seconds <= 0:
            return 0.0
        return max(0.0, 1.0 - (self.clock() - self._start) / self._seconds)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1d2a38"))
        left = self.remaining()
        painter.fillRect(0, 0, round(self.width() * left), self.height(), QColor("#7dd3fc"))
        if left <= 0:
            self._timer.stop()


class Spinner(QWidget):
    """A turning arc: the kiosk is waiting for the backend."""

    def __init__(self, px: int = 120) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.update)
        self.clock: Callable[[], float] = time.monotonic  # a fixed one: the same picture
        self.setFixedSize(px, px)

    def start(self) -> None:
        """Start turning."""
        self._timer.start()

    def stop(self) -> None:
        """Stop turning."""
        self._timer.stop()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(4, self.width() // 12)
        pen = QPen(QColor(theme.COLOURS["accent"]), width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        box = QRectF(self.rect()).adjusted(width, width, -width, -width)
        angle = int(self.clock() * 360 * 16) % (360 * 16)
        painter.drawArc(box, -angle, 270 * 16)
