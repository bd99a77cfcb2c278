"""A device seen on the network, and what every source of sightings offers.

    source.read(now) → [Seen("00:1b:63:84:45:e6", now), …]

A source raises `SourceError` (saying why, in words) when it cannot be read this time; the
agent logs it and tries again at its next round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from kiosk.macs import MacError, normalise_mac


class SourceError(Exception):
    """A source that could not be read this time, and why."""


@dataclasses.dataclass(frozen=True)
class Seen:
    """The device with link-layer address `mac` (lower case, colons) was seen at `at`."""

    mac: str = dataclasses.field(repr=False)
    at: datetime


class Source(Protocol):
    """Where sightings come from."""

    name: str

    def read(self, now: datetime) -> list[Seen]:
        """The devices seen since the last read (or present now); `SourceError`."""
        ...

    def close(self) -> None:
        """Let go of what the source holds (a socket)."""
        ...


def mac_of(text: str) -> str | None:
    """`text` as ``aa:bb:cc:dd:ee:ff`` if it is a 48-bit address written any common way
    (`kiosk.macs`), else None (a FireWire or InfiniBand address, a placeholder, all zeros).

    >>> mac_of("00-1B-63-84-45-E6"), mac_of("001b.6384.45e6"), mac_of("*")
    ('00:1b:63:84:45:e6', '00:1b:63:84:45:e6', None)
    """
    try:
        mac = normalise_mac(text).lower()
    except MacError:
        return None
    return None if mac == "00:00:00:00:00:00" else mac


class FakeSource:
    """A source that gives what a test hands it, once each."""

    name = "fake"

    def __init__(self) -> None:
        self.waiting: list[Seen] = []
        self.failing: str | None = None
        self.closed = False

    def see(self, seen: Iterable[Seen]) -> None:
        self.waiting.extend(seen)

    def read(self, now: datetime) -> list[Seen]:
        if self.failing:
            raise SourceError(self.failing)
        out, self.waiting = self.waiting, []
        return out

    def close(self) -> None:
        self.closed = True
