"""Keyboard-wedge scanners: telling a scanner's burst of keys from a person typing.

A scanner types a whole code in a few milliseconds a key, then usually Enter or Tab; a person
at a keypad leaves 80 ms or more between keys. `BurstDetector` holds keys back until it can
tell which: a key followed within `gap` by the next is part of a burst; a burst of at least
`min_length` keys ends at Enter or Tab, or at a pause, and is a scan. Anything else is given
back, in order, as typing. Holding keys back delays a person's typing by `gap` at most.

    >>> d = BurstDetector(gap=0.03, min_length=4)
    >>> [d.feed(KeyPress(c), t / 1000) for t, c in enumerate("CKP1")]
    [[], [], [], []]
    >>> d.feed(KeyPress("\\r", suffix=True), 0.005)
    [Scan('CKP1')]

`WedgeFilter` is the application-wide event filter that feeds it with the key events that the
windowing system delivers to the kiosk's window (each key is seen there once), swallows what
it holds, and re-sends typing to the window when it gives it back. Key times come from the
events (the X server stamps them, so a busy event loop does not turn typing into a burst),
or from the clock when an event has none. A scan cut short by a pause (a Bluetooth scanner's
radio, a busy machine) that reads as nothing is held `REST` seconds for the rest of it: keys
that come meanwhile, however few, are its rest.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication

from kiosk.domain import Credential
from kiosk.inputs.codes import classify
from kiosk.inputs.reader import ReadFailure
from kiosk.settings.model import WedgeSettings

log = logging.getLogger(__name__)

LATE = 0.05  # a pause timer this late (s) means the event loop was held up
HELD_UP = 2.0  # the longest a decision is put off for a held-up loop (s)
REST = 1.0  # how long a scan cut by a pause, that reads as nothing, waits for its rest (s)
SOURCE = "wedge"


@dataclasses.dataclass(frozen=True)
class KeyPress:
    """One key: its text, whether it is Enter or Tab, and the event to give back as typing."""

    text: str
    suffix: bool = False
    event: tuple[QWindow, QKeyEvent] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )


@dataclasses.dataclass(frozen=True)
class Scan:
    """A burst: the text a scanner typed; `ended` when Enter or Tab ended it (not a pause)."""

    text: str
    ended: bool = dataclasses.field(default=True, compare=False)

    def __repr__(self) -> str:
        return f"Scan({self.text!r})"


@dataclasses.dataclass(frozen=True)
class Typed:
    """Keys a person typed, to be delivered as they came."""

    keys: tuple[KeyPress, ...]


Decision = Scan | Typed


class BurstDetector:
    """Splits a stream of timed keys into scans and typing."""

    def __init__(self, gap: float, min_length: int) -> None:
        self.gap = gap
        self.min_length = min_length
        self._held: list[KeyPress] = []
        self._last = 0.0

    @property
    def holding(self) -> int:
        """How many keys are held back."""
        return len(self._held)

    @property
    def wait(self) -> float:
        """How long to wait for the next key before `pause`: a started burst gets longer,
        so that a short stall in the event loop does not cut a scan in two."""
        return self.gap if len(self._held) < self.min_length else max(3 * self.gap, 0.1)

    def feed(self, key: KeyPress, at: float) -> list[Decision]:
        """A key at time `at` (seconds); returns what is decided by it."""
        decided: list[Decision] = []
        if self._held and at - self._last > self.gap:
            decided += self.pause()
        self._last = at
        if not key.suffix:
            self._held.append(key)
        elif len(self._held) >= self.min_length:
            decided.append(Scan("".join(k.text for k in self._held)))
            self._held = []
        else:
            decided.append(Typed((*self._held, key)))
            self._held = []
        return decided

    def pause(self) -> list[Decision]:
        """No key came for a while: what is held is a scan without a suffix, or typing."""
        held, self._held = self._held, []
        if not held:
            return []
        if len(held) >= self.min_length:
            return [Scan("".join(k.text for k in held), ended=False)]
        return [Typed(tuple(held))]


class WedgeFilter(QObject):
    """Scans from keyboard-wedge scanners, from every key the kiosk's windows receive.

    Signals:
        scanned(Credential): a QR pass.
        failed(ReadFailure): a code that is not a pass, or was typed with the wrong layout.
        started(): the first key of what may be a scan.
    """

    scanned = Signal(object)
    failed = Signal(object)
    started = Signal()

    def __init__(
        self,
        settings: WedgeSettings,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._detector = BurstDetector(settings.gap_ms / 1000, settings.min_length)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._paused)
        self._replaying = False
        self._installed = False
        self._due = 0.0  # when the pause timer should fire (`clock`)
        self._held_up = 0.0  # how long the decision has been put off for a starved loop
        self._cut = ""  # a scan cut by a pause that read as nothing: its rest may come
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._no_rest)
        self.scans = 0

    def install(self) -> None:
        """Start watching every key of the application."""
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def remove(self) -> None:
        """Stop watching; keys still held are given back."""
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False
        self._timer.stop()
        self._act(self._detector.pause())
        self._no_rest()

    def apply(self, settings: WedgeSettings) -> None:
        """New timing, from the next key on."""
        self._detector.gap = settings.gap_ms / 1000
        self._detector.min_length = settings.min_length

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            self._replaying
            or event.type() != QEvent.Type.KeyPress
            or not isinstance(watched, QWindow)
            or not isinstance(event, QKeyEvent)
        ):
            return False
        if event.key() in _MODIFIER_KEYS:  # a scanner presses Shift for capitals
            return False
        key = _key_press(watched, event)
        if key is None:  # a key that is never part of a scan: give back what is held first
            self._timer.stop()
            self._act(self._detector.pause())
            return False
        stamp = event.timestamp()
        at = stamp / 1000 if stamp else self._clock()
        began = not self._detector.holding
        self._act(self._detector.feed(key, at))
        if self._detector.holding:
            if began:
                self.started.emit()
            self._arm(self._detector.wait)
        else:
            self._timer.stop()
        return True

    def _arm(self, seconds: float) -> None:
        self._due = self._clock() + seconds
        self._held_up = 0.0
        self._timer.start(round(seconds * 1000))

    def _paused(self) -> None:
        """No key for the detector's wait. If the timer fired late, the kiosk was starved
        (a busy machine, a kiosk still starting): the rest of a scan may be queued behind it,
        stamped by the X server as one burst, so look again, for `HELD_UP` seconds at most."""
        late = self._clock() - self._due
        if late > LATE and self._held_up < HELD_UP:
            self._held_up += late
            self._due = self._clock() + LATE
            self._timer.start(round(LATE * 1000))
            return
        self._act(self._detector.pause())

    def _act(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            if isinstance(decision, Scan):
                self._read(self._cut + decision.text, decision.ended)
            elif self._cut:  # the rest of a cut scan, typed slower than a scanner's burst
                text = "".join(k.text for k in decision.keys if not k.suffix)
                self._read(self._cut + text, any(k.suffix for k in decision.keys))
            else:
                self._replay(decision.keys)

    def _read(self, text: str, ended: bool) -> None:
        """What a scan says; one cut by a pause that reads as nothing waits for its rest."""
        self._cut = ""
        self._rest.stop()
        items = classify(text, SOURCE)
        if not ended and all(isinstance(item, ReadFailure) for item in items):
            self._cut = text
            self._rest.start(round(REST * 1000))
            return
        self._say(items)

    def _no_rest(self) -> None:
        """No rest came for a cut scan: it is what it is."""
        self._rest.stop()
        text, self._cut = self._cut, ""
        if text:
            self._say(classify(text, SOURCE))

    def _say(self, items: list[Credential | ReadFailure]) -> None:
        self.scans += 1
        for item in items:
            if isinstance(item, ReadFailure):
                log.warning("scanner: %s: %s", item.reason.value, item.detail)
                self.failed.emit(item)
            else:
                self.scanned.emit(item)

    def _replay(self, keys: tuple[KeyPress, ...]) -> None:
        self._replaying = True
        try:
            for key in keys:
                if key.event is not None:
                    QApplication.sendEvent(*key.event)
        finally:
            self._replaying = False


_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)


def _key_press(window: QWindow, event: QKeyEvent) -> KeyPress | None:
    """The key as the detector sees it, holding a copy of the event to give back; None for
    keys that are never in a scan: not text, Enter or Tab (arrows, Escape, Backspace), with
    Ctrl or Alt, or repeated by holding a key down."""
    suffix = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
    text = event.text()
    modifiers = event.modifiers() & ~(
        Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
    )
    printable = len(text) == 1 and text.isprintable()
    if modifiers or event.isAutoRepeat() or not (suffix or printable):
        return None
    copy = QKeyEvent(
        event.type(),
        event.key(),
        event.modifiers(),
        event.nativeScanCode(),
        event.nativeVirtualKey(),
        event.nativeModifiers(),
        text,
        event.isAutoRepeat(),
        event.count(),
    )
    copy.setTimestamp(event.timestamp())
    return KeyPress(text, suffix, (window, copy))
