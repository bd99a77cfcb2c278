"""The kiosk's heartbeat to its own server: every `EVERY` seconds how it is (version, reader,
backend, outbox, last check-in, uptime), so the web admin shows it online or offline since when;
the answer carries the settings staff set for it there, applied when their version is new.
When the screen goes dark (`display.sleep_after`) one last heartbeat says so and the next comes
when it wakes: the web admin shows it asleep, not offline.

A kiosk that starts says it has applied version 0, so the server's settings are applied again
at each start: what staff set in the web admin wins over a change made since in staff mode.
Backends other than our own server hear nothing (they do not `Reports`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from kiosk import __version__
from kiosk.backends.base import Backend, BackendError, KioskReport, Reports

log = logging.getLogger(__name__)
EVERY = 30.0
QUIET_EVERY = 300.0  # after an hour without members: the night's heartbeat


class Beating(Protocol):
    """What the heartbeat reads from the running kiosk."""

    @property
    def backend(self) -> Backend: ...

    def report(self) -> tuple[str, bool, int, datetime | None]:
        """The reader's state, whether the backend is online, the outbox's length, and when
        a member last checked in or out here."""
        ...


class Heartbeat:
    """Sends heartbeats and applies what they bring back through `apply` (which returns the
    problem in words, or "")."""

    def __init__(
        self,
        kiosk: Beating,
        apply: Callable[[dict[str, str]], str],
        every: float = EVERY,
        monotonic: Callable[[], float] = time.monotonic,
        quiet: Callable[[], bool] = lambda: False,
        asleep: Callable[[], bool] = lambda: False,
    ) -> None:
        self._kiosk, self._apply, self.every = kiosk, apply, every
        self._quiet = quiet  # no member for an hour: beat every `QUIET_EVERY`
        self._asleep = asleep  # the screen is dark: no beat until it wakes (`nudge`)
        self._nudged = asyncio.Event()
        self._monotonic = monotonic
        self._started = monotonic()
        self.applied = 0  # the version of the server's settings in force here
        self.problem = ""
        self.beats = 0  # heartbeats the server answered (for staff and tests)

    async def beat(self) -> bool:
        """One heartbeat; whether the server answered."""
        backend = self._kiosk.backend
        if not isinstance(backend, Reports):
            return False
        reader, online, outbox, last = self._kiosk.report()
        report = KioskReport(
            __version__, reader, "online" if online else "offline", outbox, last,
            int(self._monotonic() - self._started), self.applied, self.problem,
            min(3600, max(5, round(self.interval()))),  # as the server takes it
            self._asleep(),
        )  # fmt: skip
        try:
            remote = await backend.heartbeat(report)
        except BackendError as exc:
            log.debug("heartbeat not heard: %s", exc)
            return False
        self.beats += 1
        if remote.version != self.applied:
            self.problem = self._apply(dict(remote.values)) if remote.values else ""
            self.applied = remote.version
            log.info("settings version %d from the server: %s", remote.version,
                     self.problem or "applied")  # fmt: skip
        return True

    async def run(self) -> None:
        """Beat until cancelled; asleep, once it was heard, not until `nudge`d."""
        while True:
            self._nudged.clear()
            heard = await self.beat()
            wait = None if self._asleep() and heard else self.interval()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), wait)

    def nudge(self) -> None:
        """The screen went dark or woke: beat now, to say so."""
        self._nudged.set()

    def interval(self) -> float:
        """Seconds to the next heartbeat: `every`, or `QUIET_EVERY` at night."""
        return max(self.every, QUIET_EVERY) if self._quiet() else self.every
