"""The staff PIN: stored only as an argon2id hash, and guarded against guessing.

    >>> stored = hash_pin("246813", Cost(time=1, memory_kib=1024))
    >>> stored.startswith("$argon2id$"), verify_pin("246813", stored), needs_rehash(stored)
    (True, True, False)

A new PIN has `MIN_DIGITS` to `MAX_DIGITS` digits and is hashed with argon2id tuned to about a
quarter of a second (`COST`); a hash in the form earlier versions wrote (``scrypt$N$r$p$<salt>
$<digest>``, any length of PIN) still opens staff mode, and `needs_rehash` says to store it again.
`StaffGate` counts wrong PINs: after `ATTEMPTS` in a row it refuses every PIN for `LOCKOUT` s.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import hashlib
import hmac
import re
import time
from collections.abc import Callable

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

MIN_DIGITS = 6
MAX_DIGITS = 8
ATTEMPTS = 5
LOCKOUT = 60.0
_SCRYPT = re.compile(
    r"scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{43})"
)
_ARGON2 = re.compile(
    r"\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{43}"
)
_MAX_MEMORY_KIB = 2**18  # a hash asking for more (256 MiB) is not one we made: never computed


@dataclasses.dataclass(frozen=True)
class Cost:
    """argon2id's work per PIN: passes over `memory_kib` of memory."""

    time: int = 4
    memory_kib: int = 64 * 1024


COST = Cost()  # about 0.25 s on one core of a 2020s tablet or laptop


class PinError(ValueError):
    """A staff PIN we do not accept; the message says why."""


def check_pin(pin: str) -> str:
    """`pin` if it has `MIN_DIGITS` to `MAX_DIGITS` digits, else `PinError`."""
    if not (pin.isascii() and pin.isdigit() and MIN_DIGITS <= len(pin) <= MAX_DIGITS):
        raise PinError(f"a staff PIN has {MIN_DIGITS} to {MAX_DIGITS} digits")
    return pin


def hash_pin(pin: str, cost: Cost = COST) -> str:
    """The argon2id hash of `pin` (checked with `check_pin`), with a fresh salt."""
    return rehash(check_pin(pin), cost)


def rehash(pin: str, cost: Cost = COST) -> str:
    """The argon2id hash of a PIN that already opened staff mode, whatever its length."""
    return argon2_hash(pin, cost)


def argon2_hash(secret: str, cost: Cost) -> str:
    """`secret`'s argon2id hash at `cost`, with a fresh salt, self-describing."""
    return _hasher(cost).hash(secret)


def argon2_verify(secret: str, stored: str) -> bool:
    """Whether `stored` (an argon2id hash within `is_hash`'s bounds) was made from `secret`."""
    try:
        return _hasher(COST).verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def is_hash(text: str) -> bool:
    """Whether `text` is a hash `hash_pin` (or an earlier version) could have made."""
    if text.startswith("$argon2id$"):
        return is_argon2(text)
    match = _SCRYPT.fullmatch(text)
    if match is None:
        return False
    n, r, p = (int(match[i]) for i in (1, 2, 3))
    return n >= 2**10 and n & (n - 1) == 0 and n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16


def is_argon2(text: str) -> bool:
    """Whether `text` is an argon2id hash at a cost we would compute (a hand-edited one asking
    for gigabytes opens nothing and costs nothing)."""
    match = _ARGON2.fullmatch(text)
    if match is None:
        return False
    m, t, p = (int(match[i]) for i in (1, 2, 3))
    return 8 * p <= m <= _MAX_MEMORY_KIB and 1 <= t <= 16 and 1 <= p <= 8


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` is the PIN `stored` was made from (constant time)."""
    if not is_hash(stored):
        return False
    if stored.startswith("$argon2id$"):
        return argon2_verify(pin, stored)
    match = _SCRYPT.fullmatch(stored)
    assert match is not None
    n, r, p = (int(match[i]) for i in (1, 2, 3))
    try:
        salt, digest = _unb64(match[4]), _unb64(match[5])
    except binascii.Error:
        return False
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p), digest)


def needs_rehash(stored: str) -> bool:
    """Whether `stored` (which just opened staff mode) is of the older kind (scrypt) and
    should be stored again as argon2id."""
    return not stored.startswith("$argon2id$")


def _hasher(cost: Cost) -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=cost.time, memory_cost=cost.memory_kib, parallelism=1, hash_len=32
    )


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**28, dklen=32)


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
