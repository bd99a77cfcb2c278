"""Sightings from hostapd's control socket (``ctrl_interface=/run/hostapd``, one socket per
interface): the stations connected to the access point are here.

The agent attaches as a monitor (``ATTACH``, as ``hostapd_cli`` does), lists the stations
already connected (``STA-FIRST`` / ``STA-NEXT``), then follows ``AP-STA-CONNECTED`` and
``AP-STA-DISCONNECTED`` events. Every read reports each connected station as seen now. When
hostapd restarts, the socket goes quiet or fails: the next read attaches again and lists anew.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from datetime import datetime
from pathlib import Path

from kiosk.agent.seen import Seen, SourceError, mac_of

REPLY_WAIT = 2.0  # seconds hostapd has to answer a command
LARGEST = 4096  # bytes of one message
MOST_STATIONS = 5000


class Hostapd:
    """The access point whose control socket is at `path` (e.g. /run/hostapd/wlan0)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"hostapd {path}"
        self._sock: socket.socket | None = None
        self._dir: str | None = None
        self._stations: set[str] = set()

    def read(self, now: datetime) -> list[Seen]:
        try:
            if self._sock is None:
                self._attach()
            elif self._ask("PING") != "PONG":  # a restarted hostapd forgot us: attach again
                raise OSError("hostapd did not answer PING")
            self._drain()
        except OSError as exc:
            self.close()
            raise SourceError(f"cannot talk to hostapd at {self.path}: {exc}") from None
        return [Seen(mac, now) for mac in sorted(self._stations)]

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def _attach(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="kiosk-hostapd-")  # 0700: our end of the socket
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock = sock
        sock.bind(str(Path(self._dir) / "ctrl"))
        sock.connect(str(self.path))
        if self._ask("ATTACH") != "OK":
            raise OSError("hostapd refused ATTACH")
        self._stations = set()
        reply = self._ask("STA-FIRST")
        while reply and reply != "FAIL" and len(self._stations) < MOST_STATIONS:
            mac = mac_of(reply.split("\n", 1)[0])
            if mac is None or mac in self._stations:
                break
            self._stations.add(mac)
            reply = self._ask(f"STA-NEXT {mac}")

    def _ask(self, command: str) -> str:
        """Send `command` and wait for its reply; events that come first are taken in."""
        assert self._sock is not None
        self._sock.settimeout(REPLY_WAIT)
        self._sock.send(command.encode())
        while True:
            try:
                message = self._sock.recv(LARGEST).decode("utf-8", "replace")
            except TimeoutError:
                raise OSError(f"no answer to {command.split()[0]}") from None
            if not message.startswith("<"):
                return message.strip()
            self._event(message)

    def _drain(self) -> None:
        assert self._sock is not None
        self._sock.setblocking(False)
        while True:
            try:
                message = self._sock.recv(LARGEST).decode("utf-8", "replace")
            except BlockingIOError:
                return
            self._event(message)

    def _event(self, message: str) -> None:
        """``<3>AP-STA-CONNECTED 02:00:00:00:01:00 [keyid=…]`` and its DISCONNECTED twin."""
        parts = message.split(">", 1)[-1].split()
        if len(parts) < 2 or (mac := mac_of(parts[1])) is None:
            return
        if parts[0] == "AP-STA-CONNECTED" and len(self._stations) < MOST_STATIONS:
            self._stations.add(mac)
        elif parts[0] == "AP-STA-DISCONNECTED":
            self._stations.discard(mac)
