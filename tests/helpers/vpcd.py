"""A virtual card on the real vpcd reader: connecting puts it on the reader, closing removes it.

vpcd (vsmartcard) speaks to a card over TCP on 127.0.0.1, on the port our pcscd gave it (see
`tests.helpers.pcscd`; the next port is reader "Virtual PCD 00 01"): every message is a
2-byte big-endian length and a payload. A 1-byte payload is a control code (0 power off,
1 power on, 2 reset, 4 send the ATR); anything longer is an APDU, answered with data + SW1
SW2. vpcd sends the length and the payload in two writes, so the card acknowledges at once
(TCP_QUICKACK): otherwise Nagle's algorithm and delayed ACKs add 40 ms to every command.

    with VirtualCard(cards.card(uid)) as tap:   # on the reader until the block ends
        ...
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
from types import TracebackType

from smartcard import scard

from tests.helpers.cards import Answer, PullOut
from tests.helpers.pcscd import PORT_VARIABLE, READERS

READER = "Virtual PCD 00 00"
ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")  # a contactless card (PC/SC part 3)
_ATR_REQUEST = 4


class VirtualCard:
    """A card (or phone) that answers with `behaviour`, on `reader`."""

    placed: list[VirtualCard] = []  # noqa: RUF012 - every card on a reader, for `remove_all`

    def __init__(self, behaviour: Answer, reader: str = READER) -> None:
        self.behaviour = behaviour
        self.reader = reader
        self.apdus: list[bytes] = []
        self.placed_at = 0.0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._activity = threading.Condition()
        self.polls = 0

    def place(self, timeout: float = 5.0) -> VirtualCard:
        """Put the card on the reader (connect to vpcd, retrying while pcscd starts)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port_of(self.reader)), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.placed_at = time.perf_counter()
        VirtualCard.placed.append(self)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        return self

    def remove(self, wait: bool = True) -> None:
        """Take the card off the reader; by default wait until pcscd has seen it go (vpcd
        notices only at its next poll, and a card placed before that would pass for the
        old one, unpowered)."""
        sock, self._sock = self._sock, None
        if self in VirtualCard.placed:
            VirtualCard.placed.remove(self)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if wait:
            wait_empty(self.reader)

    @classmethod
    def remove_all(cls) -> None:
        """Take every card off the readers (a test's teardown)."""
        for card in list(cls.placed):
            card.remove()

    def wait_polls(self, count: int, timeout: float = 10.0) -> None:
        """Wait until vpcd has asked for the ATR `count` more times (at power-up, and every
        0.4–0.5 s to see that the card is still there): time tied to what the reader does."""
        with self._activity:
            target = self.polls + count
            if not self._activity.wait_for(lambda: self.polls >= target, timeout):
                raise TimeoutError(f"vpcd polled the card {self.polls} times, not {target}")

    def wait_apdu(self, timeout: float = 10.0) -> bytes:
        """Wait until the card has received a command; the first one."""
        with self._activity:
            if not self._activity.wait_for(lambda: bool(self.apdus), timeout):
                raise TimeoutError("the card received no command")
            return self.apdus[0]

    @property
    def on_reader(self) -> bool:
        """Still connected to vpcd."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> VirtualCard:
        return self.place()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                message = _receive(sock)
                if len(message) == 1:
                    if message[0] == _ATR_REQUEST:
                        _send(sock, ATR)
                        with self._activity:
                            self.polls += 1
                            self._activity.notify_all()
                    continue
                with self._activity:
                    self.apdus.append(message)
                    self._activity.notify_all()
                try:
                    reply = self.behaviour(message)
                except PullOut:
                    break
                if reply is None:  # silent: keep the reader waiting until removed
                    continue
                _send(sock, reply)
        except (OSError, EOFError):
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.close()


def port_of(reader: str) -> int:
    """The TCP port where vpcd waits for a card on `reader`, in this process's pcscd."""
    base = os.environ.get(PORT_VARIABLE)
    if base is None:
        raise RuntimeError("no pcscd of the tests' own: use the `pcscd` fixture")
    return int(base) + READERS.index(reader)


def wait_empty(reader: str, timeout: float = 5.0) -> None:
    """Block until pcscd reports no card on `reader` (no-op when pcscd is not running)."""
    hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        return
    try:
        deadline = time.monotonic() + timeout
        state = scard.SCARD_STATE_UNAWARE
        while time.monotonic() < deadline:
            ms = max(1, round((deadline - time.monotonic()) * 1000))
            hr, states = scard.SCardGetStatusChange(context, ms, [(reader, state)])
            if hr != scard.SCARD_S_SUCCESS:
                return
            state = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if state & scard.SCARD_STATE_EMPTY:
                return
        raise TimeoutError(f"pcscd still sees a card on {reader}")
    finally:
        scard.SCardReleaseContext(context)


def _receive(sock: socket.socket) -> bytes:
    (size,) = struct.unpack(">H", _exactly(sock, 2))
    return _exactly(sock, size)


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)
