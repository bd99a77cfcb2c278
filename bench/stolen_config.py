"""What a copied `kiosk.toml` gives up: staff PIN guesses a second on one core against the
argon2id hash it now holds and against the scrypt hash earlier versions wrote, the time to
try every PIN of the shortest length each allows, and what a staff card tap costs the kiosk.

    .venv/bin/python bench/stolen_config.py

Medians of a few checks each (the machine is shared); no budget: the figures go in the notes.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import statistics
import sys
import time
from collections.abc import Callable

from kiosk.settings import staffcard, staffpin
from kiosk.settings.staffpin import COST, Cost


def median_seconds(check: Callable[[], object], times: int) -> float:
    """The median time of `times` calls of `check`."""
    took = []
    for _ in range(times):
        start = time.perf_counter()
        check()
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def older_hash(pin: str) -> str:
    """A staff PIN hash as earlier versions wrote it (scrypt, N=2^14, r=8, p=1)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt$16384$8$1${b64(salt).decode().rstrip('=')}${b64(digest).decode().rstrip('=')}"


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--times", type=int, default=9)
    parser.add_argument("--smoke", action="store_true", help="a short run (make test)")
    args = parser.parse_args()
    times = 1 if args.smoke else args.times
    cost = Cost(time=1, memory_kib=1024) if args.smoke else COST
    rows = (
        ("scrypt, 4 digits (before)", older_hash("2468"), 10**4),
        ("argon2id, 6 digits (now)", staffpin.hash_pin("246813", cost), 10**staffpin.MIN_DIGITS),
    )
    for label, stored, pins in rows:
        each = median_seconds(functools.partial(staffpin.verify_pin, "000000", stored), times)
        print(
            f"{label:<26} {each * 1000:6.0f} ms a guess, {1 / each:6.1f} guesses/s on one core:"
            f" all {pins:,} PINs in {_duration(pins * each)}"
        )
    cards = (staffcard.hash_card("04A1B2C3"),)
    tap = {f"{n:08X}" for n in range(9)}  # a card in each of the nine formats, none a staff card
    each = median_seconds(lambda: staffcard.matches(tap, cards), times)
    print(f"a tap at the staff prompt, 9 formats x 1 staff card: {each * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
