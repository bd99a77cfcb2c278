"""How fast one paired device can guess PINs against the real server on loopback, with the
throttle as it ships and with it switched off (as before it existed), and what that makes of
the 100,000 five-digit PINs.

    .venv/bin/python bench/guessing.py --seconds 30

A guess that gets an answer (404: nobody has this PIN) is one PIN tried; a 429 tried
nothing. Over a longer run than the bench's, the throttle's own model says where a patient
guesser settles (the last line). No budget: the figures go in the notes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from kiosk.server import throttle
from kiosk.server.demo import seed_demo
from kiosk.server.devices import DeviceService
from kiosk.server.runner import ServerThread, open_server

PINS = 100_000


def guess_for(seconds: float, throttled: bool) -> tuple[int, int]:
    """(requests, answered) from one device guessing for `seconds`."""
    free = throttle.FREE
    if not throttled:
        throttle.FREE = 10**9  # as before the throttle: every guess answered
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
            server = open_server(Path(folder) / "g.db")
            seed_demo(server.store, server.keys, datetime.now(UTC), timezone="UTC")
            devices = DeviceService(server.store, server.keys)
            _, token = devices.pair(devices.add("Guesser").code)
            with ServerThread(server) as running:
                headers = {"Authorization": f"Bearer {token}"}
                with httpx.Client(base_url=running.url, headers=headers) as client:
                    requests = answered = 0
                    stop = time.monotonic() + seconds
                    while time.monotonic() < stop:
                        pin = f"{90000 + requests % 10000}"
                        status = client.post("/api/public/checkin", json={"Pincode": pin})
                        requests += 1
                        answered += status.status_code != 429
            server.store.close()
    finally:
        throttle.FREE = free
    return requests, answered


def patient_guesser(days: float = 1.0) -> float:
    """Guesses a day from a device that waits exactly as long as it is told (the model)."""
    bucket, now, guesses = throttle.Throttle(), 0.0, 0
    while now < days * 86400:
        now += bucket.wait("device", now)
        bucket.failed("device", now)
        guesses += 1
    return guesses / days


def _duration(seconds: float) -> str:
    """``83 s``, ``4 min``, ``1.4 h``, ``4.3 days``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--smoke", action="store_true", help="a short run (make test)")
    args = parser.parse_args()
    logging.getLogger("kiosk").setLevel(logging.ERROR)  # the throttle's warnings, one a wait
    seconds = 1.0 if args.smoke else args.seconds
    for throttled in (False, True):
        requests, answered = guess_for(seconds, throttled)
        label = "throttled" if throttled else "no throttle (before)"
        rate = answered / seconds
        print(
            f"{label:<21} {requests / seconds:7.0f} requests/s, {rate:8.2f} PINs tried/s:"
            f" all {PINS:,} in {_duration(PINS / rate) if rate else 'never'} at that rate"
        )
    per_day = patient_guesser()
    print(
        f"a patient guesser   {per_day:7.0f} PINs tried a day (one every {86400 / per_day:.0f} s):"
        f" all {PINS:,} in {PINS / per_day:.0f} days from one device"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
