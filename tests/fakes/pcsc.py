"""An in-process PC/SC service for unit tests: readers, cards and outages on demand.

    pcsc = FakePcsc(["ACS ACR122U 00 00"])
    pcsc.place("ACS ACR122U 00 00", FakeCard(lambda apdu: uid + b"\\x90\\x00"))
    pcsc.stop_service()          # every context breaks, as when pcscd dies

It follows pcsc-lite's semantics where the supervisor relies on them: `wait` blocks until a
reader's state differs from the one given, the upper 16 bits count insertions and removals,
the PnP pseudo-reader changes when the number of readers differs from the count in the upper
16 bits of its given state (as pcsc-lite ≥ 1.9 does), and `cancel` ends a wait.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from kiosk.inputs.pcsc.scard import (
    CHANGED,
    EMPTY,
    MUTE,
    PNP,
    PRESENT,
    UNKNOWN,
    Card,
    CardGoneError,
    Context,
    PcscError,
    ReaderGoneError,
    ServiceError,
    Slot,
    WaitCancelledError,
)

Answer = Callable[[bytes], bytes]


@dataclasses.dataclass
class FakeCard:
    """A card whose answers come from `answer(apdu)`; `control` answers escape commands."""

    answer: Answer
    mute: bool = False
    control: Answer | None = None
    apdus: list[bytes] = dataclasses.field(default_factory=list)


class FakePcsc:
    """The service; `readers` are plugged in at the start."""

    def __init__(self, readers: list[str] | None = None) -> None:
        self._cond = threading.Condition()
        self._cards: dict[str, FakeCard | None] = dict.fromkeys(readers or [])
        self._counters: dict[str, int] = dict.fromkeys(self._cards, 0)
        self._running = True
        self._generation = 0
        self.contexts = 0

    # what a test does

    def plug(self, reader: str) -> None:
        """Connect a reader."""
        with self._cond:
            self._cards[reader] = None
            self._counters.setdefault(reader, 0)
            self._cond.notify_all()

    def unplug(self, reader: str) -> None:
        """Disconnect a reader (and its card)."""
        with self._cond:
            self._cards.pop(reader, None)
            self._cond.notify_all()

    def place(self, reader: str, card: FakeCard) -> None:
        """Put `card` on `reader`."""
        with self._cond:
            self._cards[reader] = card
            self._counters[reader] += 1
            self._cond.notify_all()

    def remove(self, reader: str) -> None:
        """Take the card off `reader`."""
        with self._cond:
            self._cards[reader] = None
            self._counters[reader] += 1
            self._cond.notify_all()

    def stop_service(self) -> None:
        """Stop the service: every context fails from now on."""
        with self._cond:
            self._running = False
            self._generation += 1
            self._cond.notify_all()

    def start_service(self) -> None:
        """Start the service again."""
        with self._cond:
            self._running = True
            self._cond.notify_all()

    # what the supervisor sees

    def establish(self) -> Context:
        """A new context; `ServiceError` while the service is stopped."""
        with self._cond:
            if not self._running:
                raise ServiceError("cannot establish a context: Service not available.")
            self.contexts += 1
            return _Context(self, self._generation)

    def _state(self, reader: str) -> int:
        if reader == PNP:
            return len(self._cards) << 16
        if reader not in self._cards:
            return UNKNOWN
        card = self._cards[reader]
        flags = EMPTY if card is None else PRESENT | (MUTE if card.mute else 0)
        return flags | self._counters[reader] << 16

    def _card(self, reader: str) -> FakeCard:
        card = self._cards.get(reader)
        if card is None:
            raise CardGoneError(f"no card on {reader}")
        return card


class _Context:
    def __init__(self, pcsc: FakePcsc, generation: int) -> None:
        self._pcsc = pcsc
        self._generation = generation
        self._cancelled = False

    def _check(self) -> None:
        if not self._pcsc._running or self._pcsc._generation != self._generation:
            raise ServiceError("the service stopped (0x8010001E)")

    def readers(self) -> list[str]:
        with self._pcsc._cond:
            self._check()
            return list(self._pcsc._cards)

    def wait(self, slots: list[Slot], timeout: float | None = None) -> list[Slot]:
        pcsc = self._pcsc
        with pcsc._cond:
            while True:
                self._check()
                if self._cancelled:
                    self._cancelled = False
                    raise WaitCancelledError("cancelled")
                changed = [s for s in slots if _differs(s, pcsc._state(s.reader))]
                if changed:
                    return [_report(s, pcsc._state(s.reader)) for s in slots]
                if not pcsc._cond.wait(timeout):
                    return [s.settled() for s in slots]

    def cancel(self) -> None:
        with self._pcsc._cond:
            self._cancelled = True
            self._pcsc._cond.notify_all()

    def connect(self, reader: str) -> Card:
        with self._pcsc._cond:
            self._check()
            if reader not in self._pcsc._cards:
                raise ReaderGoneError(f"unknown reader {reader}")
            return _Connection(self._pcsc, reader, self._pcsc._card(reader))

    def release(self) -> None:
        self._cancelled = False


class _Connection:
    def __init__(self, pcsc: FakePcsc, reader: str, card: FakeCard) -> None:
        self._pcsc = pcsc
        self._reader = reader
        self._card = card

    def _present(self) -> FakeCard:
        with self._pcsc._cond:
            if self._pcsc._cards.get(self._reader) is not self._card:
                raise CardGoneError("the card was removed (0x80100069)")
        return self._card

    def transmit(self, apdu: bytes) -> bytes:
        card = self._present()
        card.apdus.append(apdu)
        return card.answer(apdu)

    def control(self, code: int, data: bytes) -> bytes:
        card = self._present()
        if card.control is None:
            raise PcscError("cannot send a reader command: Unsupported feature (0x8010001F)")
        return card.control(data)

    def disconnect(self) -> None:
        pass


def _differs(slot: Slot, state: int) -> bool:
    if slot.reader == PNP:  # the reader count, in the upper 16 bits
        return slot.state >> 16 != state >> 16
    return slot.state != state


def _report(slot: Slot, state: int) -> Slot:
    return Slot(slot.reader, state | CHANGED if _differs(slot, state) else state)
