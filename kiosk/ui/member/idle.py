"""The idle screen: where the kiosk is, the time, and the ways to check in."""

from __future__ import annotations

import enum
from datetime import datetime, tzinfo

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.inputs.camera import CameraState
from kiosk.inputs.status import ReaderState
from kiosk.ui import theme
from kiosk.ui.member.ways import buttons_tile, tile
from kiosk.ui.present import zone
from kiosk.ui.widgets import Icon, StatusDot, StyledWidget, button, label, svg_icon
from kiosk.ui.words import Words


class Method(enum.StrEnum):
    """A way to check in, as the idle screen offers it."""

    TAP = "tap"
    SCAN = "scan"
    PIN = "pin"
    EMAIL = "email"


DIM = QColor(15, 23, 32, 200)  # over a background picture: the page's colour, 78 % opaque
READER_OUT, CAMERA_OUT = "Card reader unavailable", "Camera unavailable"
USE_PIN, USE_EMAIL, SEE_RECEPTION = (
    "please use your PIN",
    "please use your email",
    "please see reception",
)
NOTICES = (READER_OUT, CAMERA_OUT, USE_PIN, USE_EMAIL, SEE_RECEPTION)  # words' sources

_CAPTIONS = {
    Method.TAP: ("contactless", "Tap your card or phone"),
    Method.SCAN: ("qr", "Scan your pass"),
}


class IdleScreen(StyledWidget):
    """The call to action (the ways this kiosk takes, big and central), the location, the
    time, and for staff a small dot for the reader's, camera's and backend's state; words for
    members only when a way in is out of order.

    Signals:
        pin_requested(): the member wants the PIN pad.
        email_requested(): the member wants to type their email.
        said(str): a notice for members appeared (for a screen reader).
        sound_wanted(bool): a member turned the speaker on (or off again).
    """

    pin_requested = Signal()
    email_requested = Signal()
    said = Signal(str)
    sound_wanted = Signal(bool)

    def __init__(self, kiosk_name: str, words: Words = Words()) -> None:  # noqa: B008
        super().__init__()
        self.setObjectName("idle")
        self._tz: tzinfo = zone(None)
        self._words = words
        self._reader_state: ReaderState | None = None
        self._camera_state: CameraState | None = None
        self._online: bool | None = None
        self._kept = 0
        self._previewing = False
        self.states: dict[str, str] = {}  # "reader", "camera", "backend": words for staff
        self.kiosk_name = label(kiosk_name, "small")
        self.place = label("", "subtitle", wrap=True)
        self.place.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.logo = QLabel()
        self.logo.setObjectName("logo")
        self.logo.hide()
        self._logo: QPixmap | None = None
        self._background: QPixmap | None = None
        self._logo_px = 64
        self.clock = label("", "clock")
        self.date = label("", "small")
        self.status = StatusDot()
        when = QVBoxLayout()
        when.setSpacing(0)
        when.addWidget(self.clock, 0, Qt.AlignmentFlag.AlignRight)
        when.addWidget(self.date, 0, Qt.AlignmentFlag.AlignRight)
        top = QHBoxLayout()
        top.addWidget(self.logo)
        top.addWidget(self.place, 1)
        top.addLayout(when)
        top.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        self.welcome = label("", "subtitle", wrap=True)
        self.welcome.setObjectName("welcome")
        self.welcome.hide()
        self.prompt = label(words("Check in or out"), "headline", wrap=True)
        self.notice = label("", "notice", wrap=True)
        self.notice.setObjectName("notice")
        self.notice.hide()
        self.pin = button(words("Enter PIN"), "primary", "enter-pin")
        self.pin.clicked.connect(self.pin_requested)
        self.email = button(words("Use your email"), "primary", "use-email")
        self.email.clicked.connect(self.email_requested)
        self._methods_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._method_widgets: list[QWidget] = []
        self._preview_box = QVBoxLayout()
        self._middle = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._middle.addLayout(self._methods_row)
        self._middle.addLayout(self._preview_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 20, 32, 16)
        layout.addLayout(top)
        layout.addStretch(1)
        for widget in (self.welcome, self.prompt, self.notice):
            layout.addWidget(widget)
        layout.addSpacing(24)
        layout.addLayout(self._middle)
        layout.addStretch(1)
        self.speaker = button("", "quiet", "speaker")
        self.speaker.setCheckable(True)
        self.speaker.toggled.connect(self._speaker)
        self.speaker.hide()
        bottom = QHBoxLayout()
        bottom.addWidget(
            self.kiosk_name, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
        )
        bottom.addStretch(1)
        bottom.addWidget(self.speaker)
        layout.addLayout(bottom)
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
            tile(icon, self._words(caption))
            for icon, caption in (_CAPTIONS[m] for m in (Method.TAP, Method.SCAN) if m in methods)
        ]
        if len(buttons) == 2:
            self._method_widgets.append(buttons_tile(*(each for _, each in buttons)))
        elif buttons:
            self._method_widgets.append(tile(*buttons[0]))
        self._methods_row.addStretch(1)
        for i, widget in enumerate(self._method_widgets):
            if i:
                self._methods_row.addSpacing(64 if len(self._method_widgets) < 3 else 40)
            self._methods_row.addWidget(widget, 0, Qt.AlignmentFlag.AlignCenter)
            widget.show()  # now, not when the layout gets to it
        self._methods_row.addStretch(1)
        self.pin.setVisible(Method.PIN in methods)
        self.email.setVisible(Method.EMAIL in methods)
        self._show_scan()
        self._refresh()

    def set_reader(self, state: ReaderState | None) -> None:
        """The card reader's state; None (or off) when this kiosk has no reader."""
        self._reader_state = state
        label = state.label if state is not None else None
        words = self._words
        self._state("reader", words("● Reader: {state}", state=words(label)) if label else "")
        self._refresh()

    def set_camera(self, state: CameraState | None) -> None:
        """The camera's state; None (or off) when this kiosk uses no camera."""
        self._camera_state = state
        label = state.label if state is not None else None
        words = self._words
        self._state("camera", words("● Camera: {state}", state=words(label)) if label else "")
        self._refresh()

    def set_preview(self, preview: QWidget | None) -> None:
        """Show the camera's picture, small, beside or under the ways to check in; it says
        how to scan a pass, in place of the scan caption."""
        self._previewing = preview is not None
        self._show_scan()
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

    def _show_scan(self) -> None:
        scan = self.findChild(QWidget, "method-qr")
        if scan is not None:
            scan.setVisible(not self._previewing)

    def set_backend(self, online: bool | None) -> None:
        """Whether the check-in backend answers; None while unknown."""
        self._online = online
        state = self._words({True: "online", False: "offline", None: "connecting…"}[online])
        if self._kept and online:
            state = self._words("online — sending {count} saved", count=self._kept)
        elif self._kept:
            state = self._words("server problem — {count} saved locally", count=self._kept)
        self._state("backend", self._words("● Check-in: {state}", state=state))
        self._refresh()

    def set_sound_button(self, shown: bool) -> None:
        """Offer members the speaker button (staff allow it, and sounds are off)."""
        self.speaker.setVisible(shown)
        if not shown:
            self.speaker.setChecked(False)
        self._speaker(self.speaker.isChecked())

    def _speaker(self, on: bool) -> None:
        self.speaker.setIcon(
            svg_icon("sound-on" if on else "sound-off", theme.COLOURS["plain"], 96)
        )
        self.speaker.setIconSize(QSize(self._logo_px // 2, self._logo_px // 2))
        self.speaker.setAccessibleName(self._words("Sound on") if on else self._words("Sound off"))
        self.speaker.setAccessibleDescription(self._words("Hear a sound with your result"))
        self.sound_wanted.emit(on)

    def set_welcome(self, text: str) -> None:
        """The site's own welcome line over the call to action ("" for none)."""
        self.welcome.setText(text)
        self.welcome.setVisible(bool(text))

    def set_logo(self, logo: QPixmap | None) -> None:
        """The site's logo at the top left, beside the location's name (None: none)."""
        self._logo = logo
        self.logo.setVisible(logo is not None)
        self._fit_logo()
        self.logo.setAccessibleName(self._words("Logo") if logo is not None else "")

    def set_background(self, picture: QPixmap | None) -> None:
        """A picture behind everything, dimmed so that the words stay readable (None: none)."""
        self._background = picture
        self.update()

    def _fit_logo(self) -> None:
        if self._logo is not None:
            smooth = Qt.TransformationMode.SmoothTransformation
            self.logo.setPixmap(self._logo.scaledToHeight(self._logo_px, smooth))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self._background is None or self._background.isNull():
            return
        painter = QPainter(self)
        cover = self._background.scaled(
            self.size(),
            Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
        x, y = (cover.width() - self.width()) // 2, (cover.height() - self.height()) // 2
        painter.drawPixmap(0, 0, cover, x, y, self.width(), self.height())
        painter.fillRect(self.rect(), DIM)

    def _state(self, part: str, text: str) -> None:
        if text:
            self.states[part] = text
        else:
            self.states.pop(part, None)

    def _refresh(self) -> None:
        """The dot's colour and words, and the notice for members when a way in is out (the
        reader's way is then no longer offered: see `KioskWindow.set_methods`)."""
        reader, camera = self._reader_state, self._camera_state
        broken_reader = reader not in (None, ReaderState.READY, ReaderState.OFF)
        broken_camera = camera not in (None, CameraState.READY, CameraState.OFF)
        good = not broken_reader and not broken_camera and self._online is not False
        self.status.show_state(
            "ok" if good and self._online and not self._kept else "bad" if not good else "wait",
            "\n".join(self.states[p] for p in ("reader", "camera", "backend") if p in self.states),
        )
        out = [w for w, broken in ((READER_OUT, broken_reader), (CAMERA_OUT, broken_camera))
               if broken]  # fmt: skip
        if out:
            instead = (
                USE_PIN if Method.PIN in self.methods
                else USE_EMAIL if Method.EMAIL in self.methods
                else SEE_RECEPTION
            )  # fmt: skip
            text = " — ".join(self._words(part) for part in (*out, instead))
            if text != self.notice.text() or self.notice.isHidden():
                self.notice.setText(text)
                self.said.emit(text)
        self.notice.setVisible(bool(out))

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
        self.pin.setAccessibleDescription(words("Open the keypad to type your PIN"))
        self.email.setAccessibleDescription(words("Open a keyboard to type your email address"))
        self.set_methods(set(self.methods))
        self.set_reader(self._reader_state)
        self.set_camera(self._camera_state)
        self.set_backend(self._online)
        self._speaker(self.speaker.isChecked())
        for caption in self.findChildren(QLabel, "preview-caption"):
            caption.setText(words("Hold your QR pass up to the camera"))
        self._tick()

    def set_portrait(self, portrait: bool) -> None:
        """Stack the ways to check in, and the camera's picture under them, on a portrait
        screen; side by side on a wide one."""
        down, across = QBoxLayout.Direction.TopToBottom, QBoxLayout.Direction.LeftToRight
        self._methods_row.setDirection(down if portrait else across)
        self._middle.setDirection(down if portrait else across)

    def rescale(self, scale: float) -> None:
        """Resize icons and the logo for `scale`."""
        self._logo_px = round(theme.size("target", scale) * 0.9)
        self._fit_logo()
        for widget in self._method_widgets:
            for icon in widget.findChildren(Icon):
                icon.set_px(theme.size("target", scale))

    def _tick(self) -> None:
        now = datetime.now(self._tz)
        self.clock.setText(self._words.time(now))
        self.date.setText(self._words.date(now))
        self._ticker.start((60 - now.second) * 1000 - now.microsecond // 1000 + 50)
