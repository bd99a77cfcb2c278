"""The result: welcome, goodbye or why not, and a bar counting down to the idle screen."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.ui import theme
from kiosk.ui.present import ResultText, Tone
from kiosk.ui.widgets import CountdownBar, Icon, StyledWidget, button, label, restyle
from kiosk.ui.words import Words


class ResultScreen(StyledWidget):
    """An icon, a headline, a detail line and a hint; colour is never the only signal.

    Signals:
        retry(): the member tapped "Try again" (shown after a PIN or email not recognised).
        keep(): the member wants more time to read the result.
        done(): the member has read a kept result.
    """

    retry = Signal()
    keep = Signal()
    done = Signal()

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
        self.hold = button("Keep", "quiet", "keep")
        self.hold.setProperty("words", "yes")
        self.hold.clicked.connect(self._hold)
        self._words = Words()
        self._kept = False
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
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.again)
        actions.addWidget(self.hold)
        actions.addStretch(1)
        layout.addLayout(actions)
        layout.addStretch(1)
        layout.addWidget(self.countdown)

    def show_result(
        self, text: ResultText, seconds: float, retry: bool = False, kept: bool = False
    ) -> None:
        """Show `text`; the bar empties over `seconds` (`kept`: no bar, and "Done" in place
        of "Keep"); `retry`: offer "Try again"."""
        self.again.setVisible(retry)
        self._kept = kept
        self.hold.setText(self._words("Done") if kept else self._words("Keep"))
        self.hold.setAccessibleDescription(
            self._words("Back to the start") if kept else self._words("Keep this on screen")
        )
        self.countdown.setVisible(not kept)
        self.tone = text.tone
        self.icon.set_icon(text.tone.value, theme.COLOURS[text.tone.value])
        self.title.setText(text.title)
        restyle(self.title, tone=text.tone.value)
        self.detail.setText(text.detail)
        self.hint.setText(text.hint)
        self.hint.setVisible(bool(text.hint))
        self.countdown.start(seconds)
        self.setAccessibleName(text.title)
        self.setAccessibleDescription(" ".join(p for p in (text.detail, text.hint) if p))

    def _hold(self) -> None:
        (self.done if self._kept else self.keep).emit()

    def clear(self) -> None:
        """Remove every word: personal data leaves the screen with the result."""
        for widget in (self.title, self.detail, self.hint):
            widget.setText("")
        self.setAccessibleName("")
        self.setAccessibleDescription("")
        self.again.setVisible(False)
        self.countdown.stop()

    def retranslate(self, words: Words) -> None:
        """The buttons' words in `words`' language (the result's own come translated)."""
        self._words = words
        self.again.setText(words("Try again"))
        self.again.setAccessibleDescription(words("Type it again"))
        self.hold.setText(words("Done") if self._kept else words("Keep"))

    def rescale(self, scale: float) -> None:
        """Resize the icon for `scale`."""
        self.icon.set_px(round(160 * scale))
