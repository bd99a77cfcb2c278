"""Sightings from a DHCP server's leases file: dnsmasq's (``dhcp-leasefile``, one lease a
line) or ISC dhcpd's (``dhcpd.leases``, a block a lease), told apart by their look.

A device is seen when it takes or renews its lease: ISC dhcpd writes when (``cltt``, else
``starts``); dnsmasq rewrites the lease's expiry, so a changed expiry is a renewal seen at the
read. A client renews at half its lease time: for presence, give leases of at most twice
presence.idle_minutes (dnsmasq ``dhcp-range=…,10m``; dhcpd ``default-lease-time 600``).
When the agent starts, every lease still running counts as seen once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from kiosk.agent.seen import Seen, SourceError, mac_of

LARGEST = 64 * 1024 * 1024  # bytes of leases file read at most
_BLOCK = re.compile(r"lease\s+\S+\s*\{(.*?)\}", re.S)
_FIELD = re.compile(r"^\s*(starts|ends|cltt|binding state|hardware ethernet)\s+([^;]*);", re.M)


class LeasesFile:
    """The leases file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"leases {path}"
        self._expiry: dict[str, str] = {}  # dnsmasq: a lease's expiry when last read
        self._reported: dict[str, datetime] = {}  # ISC: the renewal last reported

    def read(self, now: datetime) -> list[Seen]:
        try:
            with self.path.open("rb") as file:
                raw = file.read(LARGEST + 1)
        except OSError as exc:
            raise SourceError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if len(raw) > LARGEST:
            raise SourceError(f"{self.path} is larger than {LARGEST >> 20} MB: not a leases file?")
        text = raw.decode("utf-8", "replace")
        if _BLOCK.search(text) or text.lstrip().startswith(("#", "lease ", "authoring-byte")):
            return self._isc(text, now)
        return self._dnsmasq(text, now)

    def _dnsmasq(self, text: str, now: datetime) -> list[Seen]:
        seen, expiry = [], {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) < 3 or not parts[0].isdigit():
                continue  # a DUID line, or anything else
            mac = mac_of(parts[1])
            if mac is None or (parts[0] != "0" and int(parts[0]) <= now.timestamp()):
                continue  # not an Ethernet address, or the lease has run out
            expiry[mac] = parts[0]
            if self._expiry.get(mac) != parts[0]:
                seen.append(Seen(mac, now))
        self._expiry = expiry
        return seen

    def _isc(self, text: str, now: datetime) -> list[Seen]:
        latest: dict[str, datetime] = {}
        for block in _BLOCK.finditer(text):
            fields = {m[1].strip(): m[2].strip() for m in _FIELD.finditer(block[1])}
            mac = mac_of(fields.get("hardware ethernet", ""))
            ends = _when(fields.get("ends", "never"))
            if mac is None or fields.get("binding state") != "active":
                continue
            if ends is not None and ends <= now:
                continue
            renewed = _when(fields.get("cltt", "")) or _when(fields.get("starts", "")) or now
            if renewed > latest.get(mac, datetime.min.replace(tzinfo=UTC)):
                latest[mac] = min(renewed, now)
        seen = [Seen(mac, at) for mac, at in latest.items() if self._reported.get(mac) != at]
        self._reported = latest
        return seen

    def close(self) -> None:
        """Nothing is held between reads."""


def _when(text: str) -> datetime | None:
    """An ISC lease time: ``1 2026/03/02 09:00:00`` (UTC, the weekday first) or ``epoch N``;
    None for ``never`` or anything unreadable."""
    parts = text.split()
    try:
        if len(parts) >= 2 and parts[0] == "epoch":
            return datetime.fromtimestamp(int(parts[1]), UTC)
        if len(parts) == 3:
            return datetime.strptime(f"{parts[1]} {parts[2]}", "%Y/%m/%d %H:%M:%S").replace(
                tzinfo=UTC
            )
    except (ValueError, OverflowError, OSError):
        return None
    return None
