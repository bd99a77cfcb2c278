"""A virtual card on the real vpcd reader: connecting puts it on the reader, closing removes it.

vpcd (vsmartcard) speaks to a card over TCP on 127.0.0.1:35963 (reader "Virtual PCD 00 00";
35964 is "Virtual PCD 00 01"): every message is a 2-byte big-endian length and a payload. A
1-byte payload is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR); anything
longer is an APDU, answered with data + SW1 SW2. vpcd sends the length and the payload in
two writes, so the card acknowledges at once (TCP_QUICKACK): otherwise Nagle's algorithm and
delayed ACKs add 40 ms to every command.

    with VirtualCard(cards.card(uid)) as tap:   # on the reader until the block ends
        ...
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from types import TracebackType

from tests.helpers.cards import Answer, PullOut

PORTS = {"Virtual PCD 00 00": 35963, "Virtual PCD 00 01": 35964}
READER = "Virtual PCD 00 00"
ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")  # a contactless card (PC/SC part 3)
_ATR_REQUEST = 4


class VirtualCard:
    """A card (or phone) that answers with `behaviour`, on `reader`."""

    def __init__(self, behaviour: Answer, reader: str = READER) -> None:
        self.behaviour = behaviour
        self.reader = reader
        self.apdus: list[bytes] = []
        self.placed_at = 0.0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._answered = threading.Event()

    def place(self, timeout: float = 5.0) -> VirtualCard:
        """Put the card on the reader (connect to vpcd, retrying while pcscd starts)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", PORTS[self.reader]), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.placed_at = time.perf_counter()
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        """Take the card off the reader."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def wait_answered(self, timeout: float = 5.0) -> bool:
        """Wait until the card has answered its first command."""
        return self._answered.wait(timeout)

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
                    continue
                self.apdus.append(message)
                try:
                    reply = self.behaviour(message)
                except PullOut:
                    break
                if reply is None:  # silent: keep the reader waiting until removed
                    continue
                _send(sock, reply)
                self._answered.set()
        except (OSError, EOFError):
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.close()


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
