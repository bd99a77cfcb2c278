"""Settings and constants for a whole kiosk under test: short timeouts, a reader, a staff PIN."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.app.kiosk import KioskApp
from kiosk.settings import staffpin
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, Mode, TimeoutSettings

READER = "ACS ACR122U PICC Interface 00 00"
FAST = TimeoutSettings(result=0.5, pin=1.0, debounce=3.0, busy_delay=0.15)
STAFF_PIN = "246813"
CHEAP = staffpin.Cost(time=1, memory_kib=1024)  # the real cost takes 0.25 s per PIN typed
HASH = staffpin.hash_pin(STAFF_PIN, CHEAP)

Build = Callable[..., KioskApp]


def older_hash(pin: str) -> str:
    """The staff PIN hash an earlier version wrote: scrypt, any length of PIN."""
    salt = b"saltsaltsaltsalt"
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${_b64(salt)}${_b64(digest)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def settings(mode: Mode = Mode.TOGGLE, **timeouts: float) -> Config:
    """Default settings with the UI tests' short timeouts."""
    config = Config(timeouts=dataclasses.replace(FAST, **timeouts))
    return dataclasses.replace(config, kiosk=dataclasses.replace(config.kiosk, mode=mode))


def valid() -> Config:
    """The UI tests' settings with timeouts the model accepts (the file must load again)."""
    return dataclasses.replace(settings(), timeouts=Config().timeouts)


def protected(**changes: Any) -> Config:
    """Valid settings with the staff PIN set and `changes` (`a__b` for key `a.b`)."""
    config = with_value(valid(), "staff.pin_hash", HASH)
    for key, value in changes.items():
        config = with_value(config, key.replace("__", "."), value)
    return config


def events(path: Path) -> list[dict[str, Any]]:
    """The event log's lines."""
    return [json.loads(line) for line in path.read_text().splitlines()]
