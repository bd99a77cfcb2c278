"""Checking in by email, typed on the on-screen keyboard (Kadence knows members by email;
Nexudus takes an email with the member's password).

The address is checked for shape before it is sent; a password is shown as dots and both
fields are cleared as soon as they are submitted or the screen is left.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.ui.keyboard import BACKSPACE, Keyboard
from kiosk.ui.widgets import StyledWidget, button, label
from kiosk.ui.words import Words

ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class EmailScreen(StyledWidget):
    """An email field (and a password field when the backend wants one) over a keyboard.

    Signals:
        submitted(str, str): the address, and the password ("" when none is asked).
        cancelled(): the member left.
        touched(): any key; the screen stays open.
        said(str): a message for the member (for a screen reader).
    """

    submitted = Signal(str, str)
    cancelled = Signal()
    touched = Signal()
    said = Signal(str)

    def __init__(self, words: Words = Words()) -> None:  # noqa: B008 - frozen
        super().__init__()
        self.setObjectName("email")
        self._words = words
        self.title = label("", "headline", wrap=True)
        self.message = label("", "caption", wrap=True)
        self.address = QLineEdit()
        self.address.setObjectName("email-address")
        self.password = QLineEdit()
        self.password.setObjectName("email-password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.current = self.address  # where the keyboard types: the field last touched
        for field in (self.address, self.password):
            field.installEventFilter(self)
            field.setMinimumHeight(64)
            field.textEdited.connect(lambda _: self.touched.emit())
            field.returnPressed.connect(self._enter)
        self.ok = button("", "primary", "email-ok")
        self.ok.clicked.connect(self.submit)
        self.keyboard = Keyboard(self.ok, member=True)
        self.keyboard.typed.connect(self._typed)
        self.cancel = button("", "quiet", "email-cancel")
        self.cancel.clicked.connect(self._cancel)
        heading = QVBoxLayout()
        heading.setSpacing(0)
        heading.addWidget(self.title)
        heading.addWidget(self.message)
        top = QHBoxLayout()
        top.addWidget(self.cancel)
        top.addLayout(heading, 1)
        self._fields = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._fields.addWidget(self.address, 3)
        self._fields.addWidget(self.password, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(self._fields)
        layout.addStretch(1)
        layout.addWidget(self.keyboard)
        self.set_password_wanted(False)
        self.retranslate(words)

    def set_portrait(self, portrait: bool) -> None:
        """The password under the address on a portrait screen, beside it on a wide one."""
        down = QBoxLayout.Direction.TopToBottom
        self._fields.setDirection(down if portrait else QBoxLayout.Direction.LeftToRight)

    def set_password_wanted(self, wanted: bool) -> None:
        """Ask for the member's password too (Nexudus), or only the address (Kadence)."""
        self.wants_password = wanted
        self.password.setVisible(wanted)

    def open(self) -> None:
        """Start empty, with the address field ready."""
        self.reset()
        self._go(self.address)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """A field touched or focused is where the keyboard types next."""
        touched = event.type() in (QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress)
        if touched and watched in (self.address, self.password):
            self.current = self.address if watched is self.address else self.password
        return False

    def _go(self, field: QLineEdit) -> None:
        self.current = field
        field.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset(self) -> None:
        """Forget what was typed."""
        self.address.clear()
        self.password.clear()
        self.message.setText("")
        self.message.hide()
        self.keyboard.reset()
        self.current = self.address

    def submit(self) -> None:
        """Send the address (and password) if the address looks like one."""
        self.touched.emit()
        address = self.address.text().strip()
        if not ADDRESS.fullmatch(address):
            self._say(self._words("Please type your full email address"))
            self._go(self.address)
            return
        if self.wants_password and not self.password.text():
            self._say(self._words("Please type your password"))
            self._go(self.password)
            return
        password = self.password.text() if self.wants_password else ""
        self.reset()
        self.submitted.emit(address, password)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.said.emit(text)

    def retranslate(self, words: Words) -> None:
        """Show every text in `words`' language."""
        self._words = words
        self.title.setText(words("Enter your email"))
        self.address.setPlaceholderText(words("name@example.com"))
        self.password.setPlaceholderText(words("Password"))
        self.address.setAccessibleName(words("Email address"))
        self.password.setAccessibleName(words("Password"))
        self.ok.setText(words("OK"))
        self.cancel.setText(words("Cancel"))
        self.ok.setAccessibleDescription(words("Check in with this email address"))
        self.cancel.setAccessibleDescription(words("Back to the start"))
        self.keyboard.retranslate(words)

    def _typed(self, char: str) -> None:
        self.touched.emit()
        if char == BACKSPACE:
            self.current.backspace()
        else:
            self.current.insert(char)

    def _enter(self) -> None:
        if self.wants_password and self.current is self.address:
            self._go(self.password)
        else:
            self.submit()

    def _cancel(self) -> None:
        self.reset()
        self.cancelled.emit()
