"""Ask mode: the member says whether they are arriving or leaving."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout

from kiosk.domain import Action
from kiosk.ui.widgets import StyledWidget, button, label
from kiosk.ui.words import Words


class AskScreen(StyledWidget):
    """Two big buttons, "Check in" and "Check out".

    Signals:
        chosen(Action): in or out.
        cancelled(): neither.
    """

    chosen = Signal(object)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ask")
        self._words = Words()
        self._name = ""
        self.title = label("Arriving or leaving?", "headline", wrap=True)
        self.check_in = button("Check in", "choice", "check-in")
        self.check_in.setProperty("action", "in")
        self.check_in.clicked.connect(lambda: self.chosen.emit(Action.IN))
        self.check_out = button("Check out", "choice", "check-out")
        self.check_out.setProperty("action", "out")
        self.check_out.clicked.connect(lambda: self.chosen.emit(Action.OUT))
        self.cancel = button("Cancel", "quiet", "cancel")
        self.cancel.clicked.connect(self.cancelled)
        self._choices = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._choices.setSpacing(40)
        self._choices.addWidget(self.check_in, 1)
        self._choices.addWidget(self.check_out, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(40)
        layout.addLayout(self._choices)
        layout.addSpacing(40)
        layout.addWidget(self.cancel)
        layout.addStretch(1)

    def retranslate(self, words: Words) -> None:
        """Show the question and choices in `words`' language."""
        self._words = words
        self.show_member(self._name)
        self.check_in.setText(words("Check in"))
        self.check_out.setText(words("Check out"))
        self.cancel.setText(words("Cancel"))
        self.check_in.setAccessibleDescription(words("You are arriving"))
        self.check_out.setAccessibleDescription(words("You are leaving"))
        self.cancel.setAccessibleDescription(words("Back to the start"))

    def show_member(self, name: str) -> None:
        """Ask `name` by name (once the backend has said whose credential it is), or no one."""
        self._name = name
        words = self._words
        question = words("{name}, arriving or leaving?", name=name) if name else None
        self.title.setText(question or words("Arriving or leaving?"))

    def set_portrait(self, portrait: bool) -> None:
        """Stack the two choices on a portrait screen."""
        direction = (
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self._choices.setDirection(direction)
