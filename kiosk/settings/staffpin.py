"""The staff PIN: stored only as a scrypt hash, and guarded against guessing.

    >>> stored = hash_pin("2468")
    >>> stored.startswith("scrypt$"), verify_pin("2468", stored), verify_pin("1357", stored)
    (True, True, False)

A hash reads ``scrypt$N$r$p$<salt>$<digest>`` (salt and digest in unpadded base64). `StaffGate`
counts wrong PINs: after `ATTEMPTS` in a row it refuses every PIN for `LOCKOUT` seconds.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable

MIN_DIGITS = 4
MAX_DIGITS = 8
ATTEMPTS = 5
LOCKOUT = 60.0
_N, _R, _P = 2**14, 8, 1
_HASH = re.compile(
    r"scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{43})"
)


class PinError(ValueError):
    """A staff PIN we do not accept; the message says why."""


def check_pin(pin: str) -> str:
    """`pin` if it is 4 to 8 digits, else `PinError`."""
    if not (pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinError(f"a staff PIN has {MIN_DIGITS} to {MAX_DIGITS} digits")
    return pin


def hash_pin(pin: str) -> str:
    """The scrypt hash of `pin` (checked with `check_pin`), with a fresh salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(check_pin(pin), salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def is_hash(text: str) -> bool:
    """Whether `text` is a hash `hash_pin` could have made."""
    match = _HASH.fullmatch(text)
    if match is None:
        return False
    n, r, p = (int(match[i]) for i in (1, 2, 3))
    return n >= 2**10 and n & (n - 1) == 0 and n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` is the PIN `stored` was made from (constant time)."""
    match = _HASH.fullmatch(stored)
    if match is None or not is_hash(stored):
        return False
    n, r, p = (int(match[i]) for i in (1, 2, 3))
    try:
        salt, digest = _unb64(match[4]), _unb64(match[5])
    except binascii.Error:
        return False
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p), digest)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**28, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


class Verdict(enum.Enum):
    """What the gate says to a PIN."""

    OPEN = "open"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclasses.dataclass(frozen=True)
class Answer:
    """The gate's answer: the verdict, wrong tries left, and seconds until the lockout ends."""

    verdict: Verdict
    tries_left: int = ATTEMPTS
    locked_for: float = 0.0


class StaffGate:
    """Checks staff PINs against a hash; `ATTEMPTS` wrong ones in a row lock it for `LOCKOUT` s."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._wrong = 0
        self._locked_until = 0.0

    def locked_for(self) -> float:
        """Seconds until PINs are taken again; 0 when they are."""
        return max(0.0, self._locked_until - self._monotonic())

    def try_pin(self, pin: str, stored: str) -> Answer:
        """Check `pin` against the hash `stored`, unless the gate is locked."""
        left = self.locked_for()
        if left > 0:
            return Answer(Verdict.LOCKED, 0, left)
        if stored and verify_pin(pin, stored):
            self._wrong = 0
            return Answer(Verdict.OPEN)
        self._wrong += 1
        if self._wrong >= ATTEMPTS:
            self._wrong = 0
            self._locked_until = self._monotonic() + LOCKOUT
            return Answer(Verdict.LOCKED, 0, LOCKOUT)
        return Answer(Verdict.WRONG, ATTEMPTS - self._wrong)

    def reset(self) -> None:
        """Forget wrong tries (a staff card opened staff mode)."""
        self._wrong = 0
