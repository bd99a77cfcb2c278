"""The idle screen: where the kiosk is, the time, and the ways to check in."""

from __future__ import annotations

import enum
from datetime import datetime, tzinfo

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.inputs.camera import CameraState
from kiosk.inputs.status import ReaderState
from kiosk.ui import theme
from kiosk.ui.present import zone
from kiosk.ui.widgets import Icon, StyledWidget, button, label, restyle
from kiosk.ui.words import Words


class Method(enum.StrEnum):
    """A way to check in, as the idle screen offers it."""

    TAP = "tap"
    SCAN = "scan"
    PIN = "pin"
    EMAIL = "email"


_CAPTIONS = {
    Method.TAP: ("contactless", "Tap your card or phone"),
    Method.SCAN: ("qr", "Scan your pass"),
}


class IdleScreen(StyledWidget):
    """Location, clock, ways to check in, and the reader's and backend's state.

    Signals:
        pin_requested(): the member wants the PIN pad.
        email_requested(): the member wants to type their email.
    """

    pin_requested = Signal()
    email_requested = Signal()

    def __init__(self, kiosk_name: str, words: Words = Words()) -> None:  # noqa: B008
        super().__init__()
        self.setObjectName("idle")
        self._tz: tzinfo = zone(None)
        self._words = words
        self._reader_state: ReaderState | None = None
        self._camera_state: CameraState | None = None
        self._online: bool | None = None
        self._kept = 0
        self.kiosk_name = label(kiosk_name, "small")
        self.reader = label("", "status")
        self.camera = label("", "status")
        self.backend = label("", "status")
        top = QHBoxLayout()
        top.addWidget(self.kiosk_name)
        top.addStretch(1)
        top.addWidget(self.reader)
        top.addSpacing(24)
        top.addWidget(self.camera)
        top.addSpacing(24)
        top.addWidget(self.backend)
        self.clock = label("", "clock")
        self.date = label("", "subtitle")
        self.place = label("", "headline", wrap=True)
        self.prompt = label(words("Check in or out"), "subtitle", wrap=True)
        self.pin = button(words("Enter PIN"), "primary", "enter-pin")
        self.pin.clicked.connect(self.pin_requested)
        self.email = button(words("Use your email"), "primary", "use-email")
        self.email.clicked.connect(self.email_requested)
        self._methods_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._method_widgets: list[QWidget] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 32)
        layout.addLayout(top)
        layout.addStretch(2)
        for widget in (self.clock, self.date, self.place, self.prompt):
            layout.addWidget(widget)
        layout.addSpacing(32)
        layout.addLayout(self._methods_row)
        self._preview_box = QVBoxLayout()
        layout.addLayout(self._preview_box)
        layout.addStretch(3)
        self._ticker = QTimer(self)
        self._ticker.setSingleShot(True)
        self._ticker.timeout.connect(self._tick)
        self.set_methods({Method.PIN})
        self.set_reader(None)
        self.set_camera(None)
        self.set_backend(None)
        self._tick()

    def set_place(self, name: str, timezone: str | None) -> None:
        """The location's name and time zone."""
        self.place.setText(name)
        self._tz = zone(timezone)
        self._tick()

    def set_methods(self, methods: set[Method]) -> None:
        """Offer only `methods`, in a fixed order; the PIN and email buttons share a column
        when both show, so four ways fit side by side."""
        self.methods = frozenset(methods)
        while self._methods_row.count():
            self._methods_row.takeAt(0)
        buttons = [(icon, each) for method, icon, each in (
            (Method.PIN, "keypad", self.pin), (Method.EMAIL, "email", self.email)
        ) if method in methods]  # fmt: skip
        for each in (self.pin, self.email):
            each.setParent(self)  # kept while the boxes it was in go
        for old in self._method_widgets:
            old.hide()
            old.deleteLater()
        self._method_widgets = [
            _method(icon, self._words(caption))
            for icon, caption in (_CAPTIONS[m] for m in (Method.TAP, Method.SCAN) if m in methods)
        ]
        if len(buttons) == 2:
            self._method_widgets.append(_buttons(*(each for _, each in buttons)))
        elif buttons:
            self._method_widgets.append(_method(*buttons[0]))
        self._methods_row.addStretch(1)
        for i, widget in enumerate(self._method_widgets):
            if i:
                self._methods_row.addSpacing(64 if len(self._method_widgets) < 3 else 40)
            self._methods_row.addWidget(widget, 0, Qt.AlignmentFlag.AlignCenter)
            widget.show()  # now, not when the layout gets to it
        self._methods_row.addStretch(1)
        self.pin.setVisible(Method.PIN in methods)
        self.email.setVisible(Method.EMAIL in methods)

    def set_reader(self, state: ReaderState | None) -> None:
        """The card reader's state; None (or off) when this kiosk has no reader."""
        self._reader_state = state
        label = state.label if state is not None else None
        self.reader.setVisible(label is not None)
        words = self._words
        self.reader.setText(words("● Reader: {state}", state=words(label)) if label else "")
        restyle(self.reader, state="ok" if state is ReaderState.READY else "bad")

    def set_camera(self, state: CameraState | None) -> None:
        """The camera's state; None (or off) when this kiosk uses no camera."""
        self._camera_state = state
        label = state.label if state is not None else None
        self.camera.setVisible(label is not None)
        words = self._words
        self.camera.setText(words("● Camera: {state}", state=words(label)) if label else "")
        restyle(self.camera, state="ok" if state is CameraState.READY else "bad")

    def set_preview(self, preview: QWidget | None) -> None:
        """Show the camera's picture, small, under the ways to check in."""
        while self._preview_box.count():
            item = self._preview_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
        if preview is None:
            return
        preview.setFixedSize(240, 135)
        self._preview_box.addSpacing(8)
        self._preview_box.addWidget(preview, 0, Qt.AlignmentFlag.AlignCenter)
        caption = label(self._words("Hold your QR pass up to the camera"), "caption")
        caption.setObjectName("preview-caption")
        self._preview_box.addWidget(caption, 0, Qt.AlignmentFlag.AlignCenter)

    def set_backend(self, online: bool | None) -> None:
        """Whether the check-in backend answers; None while unknown."""
        self._online = online
        state = self._words({True: "online", False: "offline", None: "connecting…"}[online])
        if self._kept and online:
            state = self._words("online — sending {count} saved", count=self._kept)
        elif self._kept:
            state = self._words("server problem — {count} saved locally", count=self._kept)
        self.backend.setText(self._words("● Check-in: {state}", state=state))
        restyle(self.backend, state={True: "ok", False: "bad", None: ""}[online])

    def set_kept(self, count: int) -> None:
        """How many check-ins this kiosk keeps until the backend takes them."""
        self._kept = count
        self.set_backend(self._online)

    def retranslate(self, words: Words) -> None:
        """Show every text in `words`' language."""
        self._words = words
        self.prompt.setText(words("Check in or out"))
        self.pin.setText(words("Enter PIN"))
        self.email.setText(words("Use your email"))
        self.set_methods(set(self.methods))
        self.set_reader(self._reader_state)
        self.set_camera(self._camera_state)
        self.set_backend(self._online)
        for caption in self.findChildren(QLabel, "preview-caption"):
            caption.setText(words("Hold your QR pass up to the camera"))
        self._tick()

    def set_portrait(self, portrait: bool) -> None:
        """Stack the ways to check in on a portrait screen."""
        direction = (
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self._methods_row.setDirection(direction)

    def rescale(self, scale: float) -> None:
        """Resize icons for `scale`."""
        for widget in self._method_widgets:
            for icon in widget.findChildren(Icon):
                icon.set_px(theme.size("target", scale))

    def _tick(self) -> None:
        now = datetime.now(self._tz)
        self.clock.setText(f"{now:%H:%M}")
        self.date.setText(self._words.date(now))
        self._ticker.start((60 - now.second) * 1000 - now.microsecond // 1000 + 50)


def _method(icon_name: str, caption: str | QWidget) -> QWidget:
    box = QWidget()
    box.setObjectName(f"method-{icon_name}")
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(16)
    column.addWidget(Icon(icon_name), 0, Qt.AlignmentFlag.AlignHCenter)
    column.addWidget(_Caption(caption) if isinstance(caption, str) else caption)
    if not isinstance(caption, str):
        _keep_width(box)
    return box


def _buttons(*buttons: QWidget) -> QWidget:
    """Buttons stacked in one column, as wide as the widest."""
    box = QWidget()
    box.setObjectName("method-buttons")
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(16)
    for widget in buttons:
        column.addWidget(widget)
    _keep_width(box)
    return box


def _keep_width(box: QWidget) -> None:
    """A button is never cut short: the captions beside it wrap instead."""
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)


class _Caption(QLabel):
    """A way's caption: on one line where there is room, on two where four ways share a row."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setProperty("role", "caption")
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
