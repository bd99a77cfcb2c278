"""Making guessing futile without bothering members: a leaky bucket of failed attempts per
caller (a paired device, or an address on an open server) and per account (an email whose
password was wrong).

    throttle = Throttle()
    wait = throttle.wait(("device", 3), now)    # seconds the caller must wait first, or 0
    throttle.failed(("device", 3), now)         # an unknown credential: the bucket fills

Each failure adds one to the caller's level; the level drains by one every `DRAIN` seconds.
Up to `FREE` failures cost nothing (a member mistyping); past that, each failure makes the
caller wait 2, 4, 8 … up to `LONGEST` seconds, as Odoo's kiosk does (0, 0, 0, 2, 4 … 60 s),
less what drained while it waited. A caller that keeps guessing settles near one guess every
20 s: a 5-digit PIN space takes weeks from one device, and the attempts refused while it
waits are counted, not written.
An account's bucket (draining one wrong password every `ACCOUNT_DRAIN`) locks email check-in
for that address alone, for up to `ACCOUNT_LONGEST`: about one password guess in 5 minutes.
A success does not empty a bucket: a guesser who knows one valid PIN gains nothing by mixing
it in. Callers are independent: one device's guessing never delays another's members.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Hashable

log = logging.getLogger(__name__)

FREE = 3  # failures a caller may make before it has to wait
DRAIN = 20.0  # seconds for the level to drop by one
LONGEST = 60.0  # a caller's longest wait, in seconds
ACCOUNT_LONGEST = 15 * 60.0  # an account's longest lock
ACCOUNT_DRAIN = 5 * 60.0  # an account forgets a wrong password this slowly
KEPT = 10_000  # callers remembered at most (the quietest are forgotten first)


@dataclasses.dataclass
class _Bucket:
    level: float = 0.0
    at: float = 0.0  # when `level` was last brought up to date
    until: float = 0.0  # no attempt before this
    refused: int = 0  # attempts refused while waiting, since the wait began


class Throttle:
    """Leaky buckets of failures, one per caller or account; times are `time.monotonic`."""

    def __init__(self, longest: float = LONGEST, drain: float = DRAIN) -> None:
        self._longest = longest
        self._drain = drain
        self._buckets: dict[Hashable, _Bucket] = {}

    def wait(self, key: Hashable, now: float) -> float:
        """Seconds `key` must still wait (0: it may try); a refused attempt is counted."""
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.until:
            return 0.0
        bucket.refused += 1
        return bucket.until - now

    def failed(self, key: Hashable, now: float) -> float:
        """A failure by `key`: how long it must now wait (0 while it is within `FREE`)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= KEPT:
                self._forget(now)
            bucket = self._buckets[key] = _Bucket(at=now)
        bucket.level = max(0.0, bucket.level - (now - bucket.at) / self._drain) + 1
        bucket.at = now
        if bucket.level <= FREE:
            return 0.0
        wait: float = min(2.0 ** (bucket.level - FREE), self._longest)
        if bucket.refused:
            log.warning("%s: %d attempts refused while it waited", _name(key), bucket.refused)
        bucket.until, bucket.refused = now + wait, 0
        log.warning("%s: %.0f failures in a row; waits %.0f s", _name(key), bucket.level, wait)
        return wait

    def _forget(self, now: float) -> None:
        """Make room: drop the callers whose buckets drained longest ago."""

        def empty_at(key: Hashable) -> float:
            bucket = self._buckets[key]
            return bucket.at + bucket.level * self._drain

        drained = sorted(self._buckets, key=empty_at)
        for key in drained[: len(drained) // 10 or 1]:
            del self._buckets[key]


def _name(key: Hashable) -> str:
    """A caller in words for the log (an account is not named: its email is personal)."""
    if isinstance(key, tuple) and key and key[0] == "account":
        return "an account"
    return " ".join(map(str, key)) if isinstance(key, tuple) else str(key)
