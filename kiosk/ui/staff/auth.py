"""The staff PIN pad: asks for the staff PIN (or a staff card), or for a new PIN twice.

During a lockout the keys are off and a countdown says when they come back.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout

from kiosk.flows.staff import StaffState, StaffView
from kiosk.settings import staffpin
from kiosk.ui.member.pinpad import PinScreen
from kiosk.ui.widgets import StyledWidget, restyle

OLDEST_DIGITS = 4  # staff PINs set by earlier versions still open staff mode


class StaffPinScreen(StyledWidget):
    """The PIN pad for staff.

    Signals:
        entered(str): the staff PIN to check.
        chosen(str, str): a new staff PIN, typed twice.
        cancelled(): back to the members' screens.
        touched(): any key.
    """

    entered = Signal(str)
    chosen = Signal(str, str)
    cancelled = Signal()
    touched = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("staff-pin")
        self.pad = PinScreen(length=0, title="Staff PIN", name="staff-pad")  # length unknown
        self.pad.submitted.connect(self._submitted)
        self.pad.cancelled.connect(self._cancelled)
        self.pad.touched.connect(self.touched)
        self._choosing = False
        self._first: str | None = None
        self._locked_until = 0.0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may tick early
        self._countdown.timeout.connect(self._tick)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pad)

    def show_view(self, view: StaffView) -> None:
        """Render the auth, lockout or new-PIN state of `view`."""
        choosing = {StaffState.SETUP: True, StaffState.AUTH: False, StaffState.LOCKED: False}.get(
            view.state, self.choosing
        )
        if choosing != self.choosing:
            self._first = None
        self.choosing = choosing
        self.pad.cancel.setVisible(view.state is not StaffState.SETUP)
        if view.state is StaffState.LOCKED:
            self._locked_until = time.monotonic() + view.locked_for
            self.pad.set_locked(True)
            self._countdown.start()
            self._tick()
            return
        self._countdown.stop()
        self.pad.set_locked(False)
        if choosing:
            again = self._first is not None
            self.pad.title.setText("Type the same PIN again" if again else "Choose a staff PIN")
        else:
            self.pad.title.setText("Staff PIN")
        self._say(view.message, view.error)

    def ask_new(self) -> None:
        """Ask for a new staff PIN (twice)."""
        self.choosing = True
        self._first = None
        self.pad.reset()
        self.pad.cancel.setVisible(True)
        self.pad.title.setText("Choose a new staff PIN")
        self._say(f"{staffpin.MIN_DIGITS} to {staffpin.MAX_DIGITS} digits", False)

    @property
    def choosing(self) -> bool:
        """Whether the pad asks for a new staff PIN (else for the staff PIN)."""
        return self._choosing

    @choosing.setter
    def choosing(self, choosing: bool) -> None:
        """A new PIN has at least `staffpin.MIN_DIGITS`; one that opens may be an older, shorter
        one."""
        self._choosing = choosing
        self.pad.set_min_digits(staffpin.MIN_DIGITS if choosing else OLDEST_DIGITS)

    def _tick(self) -> None:
        left = math.ceil(self._locked_until - time.monotonic())
        if left <= 0:
            self._countdown.stop()
            return
        self._say(f"Too many wrong PINs · try again in {left} s", True)

    def _say(self, text: str, error: bool) -> None:
        self.pad.message.setText(text)
        restyle(self.pad.message, state="bad" if error else "")

    def _submitted(self, pin: str) -> None:
        if not self.choosing:
            self.entered.emit(pin)
            return
        if self._first is None:
            self._first = pin
            self.pad.title.setText("Type the same PIN again")
            self._say("", False)
            return
        first, self._first = self._first, None
        self.pad.title.setText("Choose a staff PIN")
        self.chosen.emit(first, pin)

    def _cancelled(self) -> None:
        self._first = None
        self.cancelled.emit()
