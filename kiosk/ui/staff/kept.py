"""The Health page's outbox: the check-ins kept while the backend was away, for staff to send
again now or discard one, saying why.

    kept = KeptList()
    kept.show_kept(outbox.entries(), outbox.history(5), when)
    kept.retry.connect(...)                # send everything again now (held ones too)
    kept.discard.connect(...)              # (entry id, why)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.domain import Action, CredentialKind
from kiosk.outbox.store import Ended, Entry
from kiosk.ui.staff.form import left
from kiosk.ui.widgets import button, label

WHY = ("Entered by hand", "A duplicate", "Not needed")  # reasons staff may give for a discard
SHOWN = 20  # entries listed at most (the count says how many there are)


class KeptList(QWidget):
    """Kept check-ins, each with a Discard button (then the reason), and what became of the
    latest ones.

    Signals:
        retry(): send every kept check-in again now.
        discard(int, str): drop this entry, for this reason.
    """

    retry = Signal()
    discard = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self.send_now = button("Send kept check-ins now", "field", "kept-retry")
        self.send_now.clicked.connect(self.retry)
        self.rows: dict[int, QWidget] = {}
        self.ended = left(label("", "small", wrap=True))
        self.ended.setObjectName("kept-ended")

    def show_kept(
        self, entries: list[Entry], ended: list[Ended], when: Callable[[datetime], str]
    ) -> None:
        """A row per kept entry (oldest first), the button to send them now, and the latest
        that were sent or discarded."""
        while self._box.count():
            item = self._box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.send_now, self.ended):
                widget.deleteLater()
        self.rows = {}
        if not entries:
            self._box.addWidget(left(label("Nothing kept: every check-in was sent.", "small")))
        for entry in entries[:SHOWN]:
            self.rows[entry.id] = self._row(entry, when)
            self._box.addWidget(self.rows[entry.id])
        if len(entries) > SHOWN:
            self._box.addWidget(left(label(f"… and {len(entries) - SHOWN} more", "small")))
        self.send_now.setVisible(bool(entries))
        self._box.addWidget(self.send_now)
        self.ended.setText("\n".join(_ended(e, when) for e in ended) if ended else "None sent yet.")
        self._box.addWidget(left(label("Sent or discarded lately", "field-name")))
        self._box.addWidget(self.ended)

    def _row(self, entry: Entry, when: Callable[[datetime], str]) -> QWidget:
        row = QWidget()
        row.setObjectName(f"kept-{entry.id}")
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        who = f" · {entry.member}" if entry.member else ""
        text = f"{when(entry.attempted_at)} · {_what(entry.kind, entry.action)}{who}"
        if entry.tries:
            text += f" · tried {entry.tries}×: {entry.last_error}"
        if entry.held:
            text += f"\nWaits for you: {entry.held}"
        line.addWidget(left(label(text, "small", wrap=True)), 1)
        drop = button("Discard", "field", f"kept-discard-{entry.id}")
        line.addWidget(drop)
        reasons = [button(why, "field", f"kept-why-{entry.id}-{n}") for n, why in enumerate(WHY)]
        for n, choice in enumerate(reasons):
            choice.setVisible(False)
            choice.clicked.connect(lambda _=False, i=entry.id, w=WHY[n]: self.discard.emit(i, w))
            line.addWidget(choice)

        def ask_why() -> None:
            drop.setVisible(False)
            for choice in reasons:
                choice.setVisible(True)

        drop.clicked.connect(ask_why)
        return row


def _ended(entry: Ended, when: Callable[[datetime], str]) -> str:
    """``10:02 card toggle → checked in · Ada`` or ``… → discarded: a duplicate``."""
    if entry.status is None:
        result = entry.note
    elif entry.reason is not None:
        result = f"refused: {entry.reason.message}"
    else:
        result = entry.status.value.replace("_", " ")
    who = f" · {entry.member}" if entry.member else ""
    return f"{when(entry.attempted_at)} {_what(entry.kind, entry.action)} → {result}{who}"


def _what(kind: CredentialKind, action: Action) -> str:
    """``PIN, in or out``."""
    way = {Action.IN: "check-in", Action.OUT: "check-out", Action.TOGGLE: "in or out"}[action]
    return f"{_KINDS.get(kind, kind.value)}, {way}"


_KINDS = {
    CredentialKind.PIN: "PIN",
    CredentialKind.QR: "QR pass",
    CredentialKind.EMAIL_PASSWORD: "email",
}
