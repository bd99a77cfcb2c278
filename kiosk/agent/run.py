"""The agent's loop: every `every` seconds, read each source, then report what was seen.

agent = Agent([LeasesFile(path)], Reporter(client))
agent.round()                 # once (`kiosk presence --once`, and tests)
agent.run(stop, every=60)     # until `stop` is set
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from kiosk import __version__
from kiosk.agent.report import About, Flushed, Reporter
from kiosk.agent.seen import Source, SourceError

log = logging.getLogger(__name__)

EVERY = 60.0  # seconds between rounds: one request a minute at most


class Agent:
    """Reads `sources` and reports through `reporter`."""

    def __init__(
        self,
        sources: Sequence[Source],
        reporter: Reporter,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sources, self.reporter, self._clock = sources, reporter, clock
        self._said: dict[str, str] = {}  # the last problem logged, per source and the server
        self._started = clock()
        self.every = EVERY

    def round(self) -> Flushed:
        """Read every source once and send what they saw."""
        now = self._clock()
        for source in self.sources:
            try:
                seen = source.read(now)
            except SourceError as exc:
                self._problem(source.name, str(exc))
                continue
            self._problem(source.name, "")
            self.reporter.add(seen, now)
        sources = "; ".join(f"{s.name}: {self._said.get(s.name) or 'ok'}" for s in self.sources)
        uptime = int((now - self._started).total_seconds())
        flushed = self.reporter.flush(now, About(__version__, uptime, sources, round(self.every)))
        self._problem("server", flushed.problem and f"{flushed.problem}; {flushed.kept} kept")
        if flushed.sent:
            log.info("reported %d devices (%d unknown)", flushed.sent, flushed.unknown)
        return flushed

    def run(self, stop: threading.Event, every: float = EVERY) -> None:
        """Rounds until `stop` is set; the sources are closed at the end."""
        self.every = every
        try:
            while not stop.is_set():
                self.round()
                stop.wait(every)
        finally:
            for source in self.sources:
                source.close()

    def _problem(self, where: str, problem: str) -> None:
        """Log a problem when it starts or changes, and once when it ends: not every round."""
        before = self._said.get(where, "")
        if problem and problem != before:
            log.warning("%s: %s", where, problem)
        elif before and not problem:
            log.warning("%s: working again", where)
        self._said[where] = problem
