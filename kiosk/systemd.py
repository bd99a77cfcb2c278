"""systemd's service notifications (sd_notify(3)) without a library: READY when the service
serves, watchdog pings while its loop runs, STOPPING when it stops. Outside systemd (no
``NOTIFY_SOCKET``) every call does nothing.

    notifier = Notifier.from_environment()
    notifier.ready()
    if notifier.watchdog_interval: ping every `watchdog_interval` seconds with notifier.ping()
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends ``KEY=value`` datagrams to the service manager's socket."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_interval = watchdog_usec / 2e6 if watchdog_usec else None
        """Seconds between pings (half of ``WatchdogSec``), or None without a watchdog."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """The notifier systemd's environment asks for. The watchdog is kept for a process
        started by the service's main one too (the kiosk under cage, ``NotifyAccess=all``)."""
        env = os.environ if environ is None else environ
        usec = env.get("WATCHDOG_USEC", "")
        return cls(env.get("NOTIFY_SOCKET") or None, int(usec) if usec.isdigit() else None)

    def ready(self, status: str = "") -> None:
        """The service is up."""
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def status(self, text: str) -> None:
        """A line for ``systemctl status``."""
        self._send(f"STATUS={text}")

    def ping(self) -> None:
        """The loop still runs (only sent when the service has a watchdog)."""
        if self.watchdog_interval:
            self._send("WATCHDOG=1")

    def reloading(self) -> None:
        """The service starts again in this process (READY follows)."""
        self._send("RELOADING=1")

    def stopping(self) -> None:
        """The service is stopping on purpose."""
        self._send("STOPPING=1")

    def _send(self, message: str) -> None:
        if not self.address:
            return
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message.encode(), address)
        except OSError as exc:  # a notification is never worth a crash
            log.warning("cannot notify systemd at %s: %s", self.address, exc.strerror)
