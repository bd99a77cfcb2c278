"""The busy screen, shown only when the backend is slow to answer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from kiosk.ui.widgets import Spinner, StyledWidget, label
from kiosk.ui.words import Words


class BusyScreen(StyledWidget):
    """A spinner and "Checking…"; it turns only while shown."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("busy")
        self.spinner = Spinner()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(32)
        self.title = label("Checking…", "headline", wrap=True)
        layout.addWidget(self.title)
        layout.addStretch(1)

    def retranslate(self, words: Words) -> None:
        """Show "Checking…" in `words`' language."""
        self.title.setText(words("Checking…"))

    def set_active(self, active: bool) -> None:
        """Turn while shown, rest otherwise (no CPU at idle)."""
        if active:
            self.spinner.start()
        else:
            self.spinner.stop()
