"""Sightings to the server, a batch at a time: `POST /api/public/sightings`.

    reporter = Reporter(SightingsClient(url, token))
    reporter.add(source.read(now), now)     # the latest sighting of each device is kept
    reporter.flush(now)                     # one request (per MOST); kept if the server is away

While the server is away every device's latest sighting is kept (at most `KEPT` devices), and
sent with its own time when it is back. An address the server says is nobody's device is not
sent again for `UNKNOWN_FOR`: a busy network's visitors cost one request an hour, not one a
minute.
"""

from __future__ import annotations

import dataclasses
import logging
import ssl
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx

from kiosk.agent.seen import Seen
from kiosk.backends.http import describe, snippet

log = logging.getLogger(__name__)

MOST = 5000  # sightings in one request (the server's limit)
KEPT = 50_000  # devices whose latest sighting is kept while the server is away
UNKNOWN_FOR = timedelta(hours=1)
TIMEOUT = 20.0


class ServerAwayError(Exception):
    """The server did not take the sightings this time (unreachable, busy, failing)."""


class RefusedError(Exception):
    """The server will not take sightings from us (token revoked, not a presence device)."""


@dataclasses.dataclass(frozen=True)
class About:
    """What the agent says of itself with each batch, for the web admin's Kiosks page."""

    version: str = ""
    uptime: int = 0  # seconds since it started
    sources: str = ""  # each source and whether it could be read
    every: int = 60  # seconds until the next report


class Sender(Protocol):
    """Sends one batch; the addresses the server says are nobody's device."""

    def send(self, batch: list[Seen], about: About) -> list[str]: ...


class SightingsClient:
    """The server at `url`, called with this agent's device `token`."""

    def __init__(
        self, url: str, token: str, location_id: int | None = None,
        verify: ssl.SSLContext | bool = True, transport: httpx.BaseTransport | None = None,
    ) -> None:  # fmt: skip
        self._url = f"{url.rstrip('/')}/api/public/sightings"
        self._location_id = location_id
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "kiosk-presence"}
        self._http = httpx.Client(
            headers=headers, timeout=TIMEOUT, verify=verify, transport=transport
        )

    def send(self, batch: list[Seen], about: About) -> list[str]:
        body = {
            "BusinessId": self._location_id,
            "Version": about.version[:40],
            "Uptime": about.uptime,
            "Sources": about.sources[:200],
            "Every": min(3600, max(5, about.every)),
            "Sightings": [
                {"Mac": s.mac, "SeenAt": s.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
                for s in batch
            ],
        }
        try:
            response = self._http.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise ServerAwayError(describe(exc)) from None
        if response.status_code in (401, 403):
            raise RefusedError(f"HTTP {response.status_code}: {snippet(response)}")
        if response.status_code == 429 or response.status_code >= 500:
            raise ServerAwayError(f"HTTP {response.status_code}")
        if not response.is_success:
            raise RefusedError(f"HTTP {response.status_code}: {snippet(response)}")
        try:
            unknown = response.json()["Unknown"]
            return [str(mac) for mac in unknown]
        except (ValueError, KeyError, TypeError):
            raise ServerAwayError(f"not an answer to sightings: {snippet(response)}") from None

    def close(self) -> None:
        self._http.close()


@dataclasses.dataclass(frozen=True)
class Flushed:
    """What one flush did."""

    sent: int = 0
    unknown: int = 0
    kept: int = 0  # sightings still waiting (the server was away)
    problem: str = ""


class Reporter:
    """Keeps the latest sighting of each device and sends them in batches."""

    def __init__(self, sender: Sender, unknown_for: timedelta = UNKNOWN_FOR) -> None:
        self._sender = sender
        self._unknown_for = unknown_for
        self._pending: dict[str, datetime] = {}
        self._unknown: dict[str, datetime] = {}  # address → until when it is not sent

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, seen: Iterable[Seen], now: datetime) -> None:
        """Take in sightings; an address the server said is unknown is left out a while."""
        for one in seen:
            until = self._unknown.get(one.mac)
            if until is not None:
                if now < until:
                    continue
                del self._unknown[one.mac]
            last = self._pending.get(one.mac)
            if last is None and len(self._pending) >= KEPT:
                continue  # the server has been away long: the devices seen first are kept
            if last is None or one.at > last:
                self._pending[one.mac] = one.at

    def flush(self, now: datetime, about: About | None = None) -> Flushed:
        """Send what is waiting, `MOST` a request; what the server did not take is kept. With
        `about`, one request goes even with nothing waiting: the server sees the agent alive."""
        sent = unknown = 0
        while self._pending or (about is not None and sent == 0):
            batch = [Seen(m, at) for m, at in list(self._pending.items())[:MOST]]
            try:
                refused = self._sender.send(batch, about or About())
            except (ServerAwayError, RefusedError) as exc:
                return Flushed(sent, unknown, len(self._pending), str(exc))
            for one in batch:
                del self._pending[one.mac]
            for mac in refused:
                if len(self._unknown) < KEPT:
                    self._unknown[mac] = now + self._unknown_for
            sent, unknown = sent + len(batch), unknown + len(refused)
            if not batch:
                break
        self._forget(now)
        return Flushed(sent, unknown)

    def _forget(self, now: datetime) -> None:
        """Drop unknown addresses whose time is up, so the cache does not grow."""
        for mac in [m for m, until in self._unknown.items() if until <= now]:
            del self._unknown[mac]
