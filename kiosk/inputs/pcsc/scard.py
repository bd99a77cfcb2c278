"""PC/SC behind a small interface: `Pcsc.establish()` → `Context` → `Card`.

`ScardPcsc` drives pcscd (or WinSCard) through pyscard's `smartcard.scard`; `FakePcsc` in
`tests/fakes/pcsc.py` is its stand-in for unit tests. pyscard's result codes never leave
this module; callers see this tree:

    PcscError                 anything PC/SC refused (the message names the code)
     ├── UnavailableError     pyscard or libpcsclite is not installed: there will be no reader
     ├── ServiceError         no pcscd, or it stopped or restarted: release and establish again
     ├── ReaderGoneError      the reader was unplugged or is unknown
     ├── CardGoneError        the card was removed, reset, is mute or stopped answering
     └── WaitCancelledError        `Context.wait` was ended by `Context.cancel`

Reader states use PC/SC's own flag values (the same on pcsc-lite and Windows); the upper 16
bits of a state count the card insertions and removals.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

PNP = "\\\\?PnP?\\Notification"  # the pseudo-reader whose state changes when readers come and go

UNAWARE = 0x0000
CHANGED = 0x0002
UNKNOWN = 0x0004
UNAVAILABLE = 0x0008
EMPTY = 0x0010
PRESENT = 0x0020
MUTE = 0x0200


class PcscError(Exception):
    """PC/SC refused an operation."""


class UnavailableError(PcscError):
    """This machine has no PC/SC library."""


class ServiceError(PcscError):
    """The PC/SC service is not running, or stopped under us."""


class ReaderGoneError(PcscError):
    """The reader is no longer there."""


class CardGoneError(PcscError):
    """The card left the reader or stopped answering."""


class WaitCancelledError(PcscError):
    """A wait was cancelled from another thread."""


@dataclasses.dataclass(frozen=True)
class Slot:
    """One reader's state as the service reports it."""

    reader: str
    state: int = UNAWARE

    @property
    def present(self) -> bool:
        """A card is on the reader."""
        return bool(self.state & PRESENT)

    @property
    def mute(self) -> bool:
        """The card on the reader does not answer."""
        return bool(self.state & MUTE)

    @property
    def gone(self) -> bool:
        """The reader disappeared."""
        return bool(self.state & (UNKNOWN | UNAVAILABLE))

    @property
    def changed(self) -> bool:
        """The state differs from the one waited on."""
        return bool(self.state & CHANGED)

    @property
    def counter(self) -> int:
        """How many times a card came or went, as the service counts."""
        return self.state >> 16

    def settled(self) -> Slot:
        """This state as the next `wait`'s starting point."""
        return Slot(self.reader, self.state & ~CHANGED)


class Card(Protocol):
    """A connection to the card on one reader."""

    def transmit(self, apdu: bytes) -> bytes:
        """Send `apdu`; the answer's data followed by SW1 SW2."""

    def control(self, code: int, data: bytes) -> bytes:
        """A reader escape command (`code` is the bare number, e.g. 3500)."""

    def disconnect(self) -> None:
        """End the connection, leaving the card as it is."""


class Context(Protocol):
    """A session with the PC/SC service; one per thread."""

    def readers(self) -> list[str]:
        """The readers connected now (none is an empty list)."""

    def wait(self, slots: list[Slot], timeout: float | None = None) -> list[Slot]:
        """Block until one of `slots` differs from its given state, or `timeout` seconds."""

    def cancel(self) -> None:
        """End a `wait` running in another thread (it raises `WaitCancelledError`)."""

    def connect(self, reader: str) -> Card:
        """Connect to the card on `reader`, shared with other applications."""

    def release(self) -> None:
        """End the session."""


class Pcsc(Protocol):
    """The PC/SC service."""

    def establish(self) -> Context:
        """A new session; `ServiceError` when there is no service."""


class ScardPcsc:
    """The real PC/SC service, through pyscard, loaded by the first `establish` (in the
    reader's thread, not on the kiosk's start-up path)."""

    def __init__(self) -> None:
        self._s: Any = None

    def establish(self) -> Context:
        """A new session; `ServiceError` when there is no service, `UnavailableError` when
        there is no PC/SC library."""
        if self._s is None:
            self._s = _load()
        hr, handle = self._s.SCardEstablishContext(self._s.SCARD_SCOPE_USER)
        _check(self._s, hr, "establish a context")
        return _ScardContext(self._s, handle)


def _load() -> Any:
    try:
        from smartcard import scard
    except (ImportError, OSError) as exc:  # pyscard or libpcsclite is not installed
        raise UnavailableError(f"cannot load PC/SC: {exc}") from None
    return scard


class _ScardContext:
    def __init__(self, s: Any, handle: int) -> None:
        self._s = s
        self._h = handle

    def readers(self) -> list[str]:
        hr, names = self._s.SCardListReaders(self._h, [])
        if _unsigned(hr) == _NO_READERS:
            return []
        _check(self._s, hr, "list readers")
        return list(names)

    def wait(self, slots: list[Slot], timeout: float | None = None) -> list[Slot]:
        ms = self._s.INFINITE if timeout is None else max(0, round(timeout * 1000))
        hr, states = self._s.SCardGetStatusChange(self._h, ms, [(s.reader, s.state) for s in slots])
        if _unsigned(hr) == _TIMEOUT:
            return [s.settled() for s in slots]
        _check(self._s, hr, "wait for readers")
        return [Slot(name, _unsigned(state)) for name, state, _atr in states]

    def cancel(self) -> None:
        self._s.SCardCancel(self._h)

    def connect(self, reader: str) -> Card:
        s = self._s
        hr, card, protocol = s.SCardConnect(
            self._h, reader, s.SCARD_SHARE_SHARED, s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
        )
        _check(s, hr, f"connect to the card on {reader}")
        return _ScardCard(s, card, protocol)

    def release(self) -> None:
        self._s.SCardReleaseContext(self._h)


class _ScardCard:
    def __init__(self, s: Any, handle: int, protocol: int) -> None:
        self._s = s
        self._h = handle
        self._protocol = protocol

    def transmit(self, apdu: bytes) -> bytes:
        hr, answer = self._s.SCardTransmit(self._h, self._protocol, list(apdu))
        _check(self._s, hr, "send a command to the card")
        return bytes(answer)

    def control(self, code: int, data: bytes) -> bytes:
        s = self._s
        hr, answer = s.SCardControl(self._h, s.SCARD_CTL_CODE(code), list(data))
        _check(s, hr, "send a reader command")
        return bytes(answer)

    def disconnect(self) -> None:
        self._s.SCardDisconnect(self._h, self._s.SCARD_LEAVE_CARD)


_NO_READERS = 0x8010002E
_TIMEOUT = 0x8010000A
_ERRORS: dict[int, type[PcscError]] = {
    0x8010001D: ServiceError,  # SCARD_E_NO_SERVICE
    0x8010001E: ServiceError,  # SCARD_E_SERVICE_STOPPED
    0x80100013: ServiceError,  # SCARD_F_COMM_ERROR: the socket to pcscd broke
    0x80100003: ServiceError,  # SCARD_E_INVALID_HANDLE: a context from before a restart
    0x80100009: ReaderGoneError,  # SCARD_E_UNKNOWN_READER
    0x80100017: ReaderGoneError,  # SCARD_E_READER_UNAVAILABLE
    0x80100069: CardGoneError,  # SCARD_W_REMOVED_CARD
    0x80100068: CardGoneError,  # SCARD_W_RESET_CARD
    0x80100067: CardGoneError,  # SCARD_W_UNPOWERED_CARD
    0x80100066: CardGoneError,  # SCARD_W_UNRESPONSIVE_CARD
    0x8010000C: CardGoneError,  # SCARD_E_NO_SMARTCARD
    0x8010000A: CardGoneError,  # SCARD_E_TIMEOUT (an exchange, not a wait)
    0x8010002F: CardGoneError,  # SCARD_E_COMM_DATA_LOST
    0x80100002: WaitCancelledError,  # SCARD_E_CANCELLED
}


def _unsigned(code: int) -> int:
    return code & 0xFFFFFFFF


def _check(s: Any, hr: int, doing: str) -> None:
    code = _unsigned(hr)
    if code == 0:
        return
    error = _ERRORS.get(code, PcscError)
    raise error(f"cannot {doing}: {s.SCardGetErrorMessage(hr)} (0x{code:08X})")
