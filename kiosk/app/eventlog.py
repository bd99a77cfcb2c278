"""The event log: one JSON object per line, flushed at once, for tests, benchmarks and operators.

    {"t": 1764000000.12, "event": "outcome", "status": "checked_in", "reason": null,
     "member": "Ada Lovelace", "session_expire": "2026-03-02T17:00:00Z", "latency_ms": 23.4}

Events: `ready` (idle screen painted), `credential` (kind, source, masked value), `outcome`
(latency_ms from credential to painted result), `screen` (name), `reader` (state, readers),
`read_failed` (reader, reason, detail), `backend` (online, outbox: how many attempts are kept),
`replayed` (a kept attempt's kind, action, status, reason, member, tries, waited_s),
`discarded` (why). Never a PIN, token or password: credentials are logged masked.

The file is capped: past `MAX_BYTES` it becomes ``events.jsonl.1`` (the older ones move up to
``.{KEEP}``, and the oldest is dropped), so a kiosk that runs for years keeps about 50 MB.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from kiosk.domain import Credential, Outcome
from kiosk.flows.checkin import Attempt, Screen, View
from kiosk.outbox.store import Entry

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
KEEP = 5


class EventLog:
    """Appends events to `path`; with no path it writes nothing."""

    def __init__(
        self,
        path: Path | None,
        clock: Callable[[], float] = time.time,
        perf: Callable[[], float] = time.perf_counter,
        max_bytes: int = MAX_BYTES,
        keep: int = KEEP,
    ) -> None:
        self._clock = clock
        self._perf = perf
        self._path = path
        self._max_bytes, self._keep = max_bytes, keep
        self._file: IO[str] | None = None
        self._size = 0
        self._ready = False
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._open(path)

    def _open(self, path: Path) -> IO[str]:
        """The log, appended to; private (0600): it says who came and went, and when."""
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
        file = self._file = os.fdopen(fd, "a", encoding="utf-8", buffering=1)
        self._size = path.stat().st_size
        return file

    def write(self, event: str, **fields: Any) -> None:
        """One line: `t`, `event` and `fields`."""
        if self._file is None or self._path is None:
            return
        line = json.dumps({"t": round(self._clock(), 4), "event": event, **fields}, default=str)
        file = self._file
        try:
            if self._size and self._size + len(line) + 1 > self._max_bytes:
                file.close()
                self._rotate(self._path)
                file = self._open(self._path)
            file.write(line + "\n")
            file.flush()
            self._size += len(line.encode()) + 1
        except OSError as exc:  # a full disk must not stop check-ins
            log.warning("cannot write the event log: %s", exc)

    def _rotate(self, path: Path) -> None:
        """``events.jsonl`` → ``.1`` → … → ``.{keep}``; the oldest is dropped."""
        for n in range(self._keep - 1, 0, -1):
            older = path.with_name(f"{path.name}.{n}")
            if older.exists():
                older.replace(path.with_name(f"{path.name}.{n + 1}"))
        path.replace(path.with_name(f"{path.name}.1"))

    def credential(self, credential: Credential) -> None:
        """A credential the controller acts on, masked."""
        self.write(
            "credential",
            kind=credential.kind.value,
            source=credential.source,
            value=credential.masked(),
        )

    def painted(self, view: View) -> None:
        """A view reached the screen: `ready`, `screen`, and for a result its `outcome`."""
        self.write("screen", name=view.screen.value)
        if view.screen is Screen.IDLE and not self._ready:
            self._ready = True
            self.write("ready")
        if view.screen is Screen.RESULT and view.outcome is not None and view.attempt:
            self.outcome(view.attempt, view.outcome)

    def outcome(self, attempt: Attempt, outcome: Outcome) -> None:
        """How a check ended, and how long from the credential to the painted result."""
        expire = outcome.session_expire
        self.write(
            "outcome",
            status=outcome.status.value,
            reason=outcome.reason.value if outcome.reason else None,
            member=outcome.member,
            session_expire=expire.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if expire
            else None,
            latency_ms=round((self._perf() - attempt.started) * 1000, 2),
        )

    def backend(self, online: bool, outbox: int = 0) -> None:
        """The backend went online or offline."""
        self.write("backend", online=online, outbox=outbox)

    def replayed(self, entry: Entry, outcome: Outcome) -> None:
        """A kept attempt got its answer on a re-send: what it became, and how long it waited."""
        waited = (datetime.now(UTC) - entry.attempted_at).total_seconds()
        self.write(
            "replayed",
            kind=entry.kind.value,
            action=entry.action.value,
            status=outcome.status.value,
            reason=outcome.reason.value if outcome.reason else None,
            member=outcome.member,
            tries=entry.tries + 1,
            waited_s=round(waited, 1),
        )

    def reader(self, state: str, readers: tuple[str, ...] = ()) -> None:
        """The card reader's state changed."""
        self.write("reader", state=state, readers=list(readers))

    def camera(self, state: str, camera: str = "") -> None:
        """The camera's state changed."""
        self.write("camera", state=state, camera=camera)

    def read_failed(self, reader: str, reason: str, detail: str) -> None:
        """A tap that gave no credential, and what the reader saw."""
        self.write("read_failed", reader=reader, reason=reason, detail=detail)

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
