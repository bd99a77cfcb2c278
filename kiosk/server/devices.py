"""Pairing devices with the server, as pretix pairs its scanners: a device is added by an
admin, shows up with a one-time code, and gets a token of its own that an admin can revoke.

    service = DeviceService(store, keys)
    device, code = service.add("Front desk")     # code "K7F3-9QWX", valid for 15 minutes
    device, token = service.pair("k7f3 9qwx")    # once; the device keeps the token
    service.authenticate(token)                  # the device, or None (unknown or revoked)
    service.revoke(device.id)

Codes are 8 characters of the QR-pass alphabet (no I, O, Y or Z: nothing to misread or
mistype), about 40 bits: guessing one in its 15 minutes is out of reach even unthrottled.
Codes and tokens are stored as keyed hashes, as PINs are.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kiosk.passes import ALPHABET
from kiosk.server.keys import InstallKeys
from kiosk.server.store import Store
from kiosk.server.store.models import Device

CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=15)
KINDS = ("kiosk", "door", "presence")
EMBEDDED = "This kiosk (embedded server)"  # the kiosk's own server pairs itself under this


class PairingError(Exception):
    """A pairing code that is not valid: wrong, used, expired, or its device revoked."""


@dataclasses.dataclass(frozen=True)
class NewCode:
    """A pairing code as an admin passes it on, and until when it pairs."""

    device: Device
    code: str = dataclasses.field(repr=False)
    expires_at: datetime


class DeviceService:
    """Adds, pairs, authenticates and revokes devices."""

    def __init__(
        self,
        store: Store,
        keys: InstallKeys,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock

    def add(self, name: str, kind: str = "kiosk") -> NewCode:
        """A new device called `name` and its pairing code; `ValueError` for a bad name or kind."""
        name = " ".join(name.split())
        if not 1 <= len(name) <= 80:
            raise ValueError("a device's name is 1 to 80 characters")
        if kind not in KINDS:
            raise ValueError(f"a device's kind is one of {', '.join(KINDS)}")
        device = self._store.add_device(name, kind, self._clock())
        return self.new_code(device.id)

    def new_code(self, device_id: int) -> NewCode:
        """A fresh pairing code for a device (to pair it again, e.g. a replaced tablet)."""
        device = self._store.device(device_id)
        if device.revoked_at is not None:
            raise ValueError(f"device {device_id} is revoked: add a new one")
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        expires = self._clock() + CODE_LIFETIME
        self._store.add_pairing_code(device.id, self._keys.lookup("pairing", code), expires)
        return NewCode(device, f"{code[:4]}-{code[4:]}", expires)

    def pair(self, code: str) -> tuple[Device, str]:
        """The device a code pairs, and its new token; `PairingError` when it does not."""
        typed = normalise_code(code)
        token = f"kdev_{secrets.token_urlsafe(32)}"
        device = self._store.pair(
            self._keys.lookup("pairing", typed), self._keys.lookup("device", token), self._clock()
        )
        if device is None:
            raise PairingError("that pairing code is not valid: wrong, used or expired")
        return device, token

    def authenticate(self, token: str) -> Device | None:
        """The device holding `token`, or None (unknown or revoked)."""
        if not token.startswith("kdev_") or len(token) > 100:
            return None
        return self._store.device_for_token(self._keys.lookup("device", token))

    def revoke(self, device_id: int) -> Device:
        """End a device's token at once; `NotFoundError` when there is none."""
        return self._store.revoke_device(device_id, self._clock())

    def self_pair(self, name: str = EMBEDDED) -> str:
        """A token for the kiosk whose own server this is (its device is made once, its token
        renewed at each start: the old one ends)."""
        device = self._store.named_device(name, "kiosk") or self._store.add_device(
            name, "kiosk", self._clock()
        )
        token = f"kdev_{secrets.token_urlsafe(32)}"
        self._store.set_device_token(device.id, self._keys.lookup("device", token), self._clock())
        return token


def normalise_code(code: str) -> str:
    """A code as typed (any case, with dashes or blanks) as it was made.

    >>> normalise_code(" k7f3-9qwx ")
    'K7F39QWX'
    """
    return "".join(c for c in code.upper() if c.isalnum())


HEARTBEAT = timedelta(seconds=30)  # how often a kiosk says how it is
OFFLINE_AFTER = 3 * HEARTBEAT  # two heartbeats missed, and a little
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PUSHED: dict[str, Callable[[str], bool]] = {
    "kiosk.mode": lambda v: v in ("toggle", "in", "out", "ask"),
    "kiosk.language": lambda v: v in ("en", "de", "fr", "es"),
    "branding.welcome": lambda v: len(v) <= 120 and v.isprintable(),
    "branding.accent": lambda v: v == "" or _COLOUR.fullmatch(v) is not None,
}


def online(seen_at: datetime | None, now: datetime, every: int = 30) -> bool:
    """Whether a device last heard from at `seen_at`, saying its next heartbeat comes in
    `every` seconds, counts as online at `now`: until two of them are missed, and a little."""
    after = OFFLINE_AFTER * max(1.0, every / HEARTBEAT.total_seconds())
    return seen_at is not None and now - seen_at <= after
