"""Slow and greedy clients cannot hold the server: uvicorn's HTTP protocol with three limits it
has no setting for.

    config = uvicorn.Config(app, http=guarded(), timeout_keep_alive=KEEP_ALIVE)

- A request (its headers and body, from its first byte, or from the connection's start) must
  arrive within `REQUEST_SECONDS`: a client sending a byte a second is cut off.
- Headers are at most `MAX_HEAD` bytes.
- At most `cap` connections are open, below the process's file limit: past it, the one that has
  been sending a request the longest is dropped, else the one idle the longest, so a kiosk's
  fresh connection is always taken and answered.

An idle kept-alive connection stays open `KEEP_ALIVE` (75 s, nginx's default): longer than the
kiosks' keep-alive (`backend.keep_alive`, 45 s) and the 30 s between their requests, so a
member's check-in goes out on a connection already open, in one round trip.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

REQUEST_SECONDS = 10.0
KEEP_ALIVE = 75.0
MAX_HEAD = 32 * 1024
HEADROOM = 64  # file descriptors kept for the database, logs and the listening socket


def connection_cap() -> int:
    """How many connections may be open: below the soft file limit, with headroom."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1000
    return max(16, min(1000, soft - HEADROOM))


def guarded(cap: int | None = None) -> type[HttpToolsProtocol]:
    """The guarded protocol class, capped at `cap` connections (default: `connection_cap`)."""
    limit = cap if cap is not None else connection_cap()

    class Guarded(_Guarded):
        most = limit

    return Guarded


class _Guarded(HttpToolsProtocol):
    most = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._since = 0.0  # when the request now arriving began (or the connection)
        self._head = 0  # bytes of the request now arriving, while its headers are not complete
        self._in_head = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()
        if len(self.connections) > self.most:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None:  # the next request on a kept-alive connection
            self._arm()
        if self._in_head:
            self._head += len(data)
        super().data_received(data)
        # counted as they come: the parser names a header only once its value has ended, so a
        # header that never ends would never be counted there
        if self._in_head and self._head > MAX_HEAD and not self.transport.is_closing():
            log.info("headers over %d bytes: connection closed", MAX_HEAD)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._head = True, 0  # the next request on this connection
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    @property
    def _answered(self) -> bool:
        """Whether every request on this connection has its answer (it waits, kept alive)."""
        cycle = self.cycle
        return (cycle is None or cycle.response_complete) and not self.pipeline

    def _arm(self) -> None:
        self._since = self.loop.time()
        self._deadline = self.loop.call_later(REQUEST_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        log.info("a request took over %.0f s to arrive: connection closed", REQUEST_SECONDS)
        self.transport.close()

    def _make_room(self) -> None:
        """Over the cap: drop the connection that has been sending a request the longest,
        else the kept-alive one idle the longest (a warm kiosk connects again, in one round
        trip more)."""
        others = [c for c in self.connections if isinstance(c, _Guarded) and c is not self]
        waiting = [c for c in others if c._deadline is not None]
        idle = [c for c in others if c._deadline is None and c._answered]
        oldest = min(waiting or idle, key=lambda c: c._since, default=self)
        open_now = len(self.connections)
        log.info("%d connections open (at most %d): the slowest is closed", open_now, self.most)
        oldest.transport.close()
