"""A fake hostapd control socket: a UNIX datagram socket at a path of the test's, speaking the
commands and events the presence agent uses (ATTACH, PING, STA-FIRST, STA-NEXT;
AP-STA-CONNECTED and AP-STA-DISCONNECTED to attached monitors), in a thread.

    with FakeHostapd(tmp_path / "wlan0") as ap:
        ap.connect("00:1b:63:84:45:e6")      # a station joins: attached monitors hear it
"""

from __future__ import annotations

import select
import socket
import threading
from pathlib import Path
from types import TracebackType


class FakeHostapd:
    """An access point's control interface at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stations: list[str] = []
        self.monitors: set[str] = set()
        self.attached = threading.Event()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-hostapd", daemon=True)

    def __enter__(self) -> FakeHostapd:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Go away, as hostapd does when it stops: the socket file is removed."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
        self.path.unlink(missing_ok=True)

    def connect(self, mac: str) -> None:
        with self._lock:
            self.stations.append(mac)
        self._event(f"<3>AP-STA-CONNECTED {mac} keyid=home")

    def disconnect(self, mac: str) -> None:
        with self._lock:
            self.stations.remove(mac)
        self._event(f"<3>AP-STA-DISCONNECTED {mac}")

    def _event(self, text: str) -> None:
        for monitor in list(self.monitors):
            self._sock.sendto(text.encode(), monitor)

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.05)
            if not ready:
                continue
            try:
                data, sender = self._sock.recvfrom(4096)
            except OSError:
                return
            self._sock.sendto(self._answer(data.decode(), sender).encode(), sender)

    def _answer(self, command: str, sender: str) -> str:
        with self._lock:
            stations = list(self.stations)
        if command == "ATTACH":
            self.monitors.add(sender)
            self.attached.set()
            return "OK\n"
        if command == "PING":
            return "PONG\n"
        if command == "STA-FIRST":
            return f"{stations[0]}\nflags=[AUTH][ASSOC][AUTHORIZED]\n" if stations else ""
        if command.startswith("STA-NEXT "):
            after = command.split()[1]
            at = stations.index(after) + 1 if after in stations else len(stations)
            return f"{stations[at]}\nflags=[AUTH][ASSOC]\n" if at < len(stations) else ""
        return "UNKNOWN COMMAND\n"
