"""The result: welcome, goodbye or why not, and a bar counting down to the idle screen."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.ui import theme
from kiosk.ui.present import ResultText, Tone
from kiosk.ui.widgets import CountdownBar, Icon, StyledWidget, button, label, restyle
from kiosk.ui.words import Words


class ResultScreen(StyledWidget):
    """An icon, a headline, a detail line and a hint; colour is never the only signal.

    Signals:
        retry(): the member tapped "Try again" (shown after a PIN or email not recognised).
    """

    retry = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("result")
        self.icon = Icon("welcome", theme.COLOURS["welcome"], 160)
        self.title = label("", "headline", wrap=True)
        self.detail = label("", "subtitle", wrap=True)
        self.hint = label("", "caption", wrap=True)
        self.again = button("Try again", "primary", "try-again")
        self.again.clicked.connect(self.retry)
        self.again.setVisible(False)
        self.countdown = CountdownBar()
        self.tone: Tone | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 0)
        layout.addStretch(1)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(24)
        for widget in (self.title, self.detail, self.hint):
            layout.addWidget(widget)
        layout.addSpacing(24)
        layout.addWidget(self.again, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        layout.addWidget(self.countdown)

    def show_result(self, text: ResultText, seconds: float, retry: bool = False) -> None:
        """Show `text`; the bar empties over `seconds`; `retry`: offer "Try again"."""
        self.again.setVisible(retry)
        self.tone = text.tone
        self.icon.set_icon(text.tone.value, theme.COLOURS[text.tone.value])
        self.title.setText(text.title)
        restyle(self.title, tone=text.tone.value)
        self.detail.setText(text.detail)
        self.hint.setText(text.hint)
        self.hint.setVisible(bool(text.hint))
        self.countdown.start(seconds)

    def clear(self) -> None:
        """Remove every word: personal data leaves the screen with the result."""
        for widget in (self.title, self.detail, self.hint):
            widget.setText("")
        self.again.setVisible(False)
        self.countdown.stop()

    def retranslate(self, words: Words) -> None:
        """The button's words in `words`' language (the result's own come translated)."""
        self.again.setText(words("Try again"))

    def rescale(self, scale: float) -> None:
        """Resize the icon for `scale`."""
        self.icon.set_px(round(160 * scale))
