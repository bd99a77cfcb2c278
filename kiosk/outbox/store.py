"""The outbox: check-in attempts that got no definitive answer, kept on disk until they do.

    outbox = Outbox.open(path, sealer)     # SQLite, WAL, fsync on every commit, file 0600
    entry = outbox.add(request, Delivery.LOST)
    outbox.first()                         # the oldest entry not waiting for staff
    outbox.done(entry, outcome)            # answered: gone from the queue, kept in the history
    outbox.backlog()                       # count, oldest, last error, for staff

Like pretixSCAN's queued check-ins, each entry keeps the attempt's nonce and original time, so a
re-send is recognised by our server and applied when it happened. The credential is sealed
(`seal.Sealer`); the columns hold only its kind and a keyed hash. Each write is committed (and
synced) before it returns: an entry survives ``kill -9`` and a power cut once `add` returned.
A damaged file is set aside (renamed ``*.damaged-<time>``) and a new one started: staff see it.

Errors: `OutboxError` (the file cannot be opened or written); a credential that cannot be
opened again leaves its entry with `Entry.request` None, for staff to discard.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from kiosk.domain import (
    Action,
    CheckinRequest,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.outbox.seal import Sealer, SealError

log = logging.getLogger(__name__)

HISTORY_KEPT = 500  # answered and discarded entries kept for staff
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nonce TEXT NOT NULL UNIQUE,
    ident TEXT NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    location TEXT,
    attempted_at TEXT NOT NULL,
    sealed BLOB NOT NULL,
    member TEXT,
    delivery TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    held TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS entries_ident ON entries (ident);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nonce TEXT NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    member TEXT,
    note TEXT NOT NULL DEFAULT ''
);
"""


class OutboxError(Exception):
    """The outbox cannot be opened or written; the message says why, for staff."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """A kept attempt. `request` is None when its credential cannot be opened any more;
    `held` says why it waits for staff ("" when it does not)."""

    id: int
    nonce: str
    kind: CredentialKind
    action: Action
    attempted_at: datetime
    delivery: Delivery
    request: CheckinRequest | None
    member: str | None = None
    tries: int = 0
    last_error: str = ""
    held: str = ""


@dataclasses.dataclass(frozen=True)
class Ended:
    """A kept attempt that left the outbox: answered on a re-send, or discarded by staff."""

    kind: CredentialKind
    action: Action
    attempted_at: datetime
    ended_at: datetime
    status: Status | None  # None: discarded
    reason: Reason | None
    member: str | None
    note: str


@dataclasses.dataclass(frozen=True)
class Backlog:
    """The outbox in figures, for staff and the event log."""

    count: int = 0
    held: int = 0
    oldest: datetime | None = None
    last_error: str = ""
    problem: str = ""  # the outbox itself is damaged or cannot be written


class Outbox:
    """Kept attempts in one SQLite file, used from one thread (the kiosk's loop)."""

    def __init__(self, db: sqlite3.Connection, sealer: Sealer, problem: str = "") -> None:
        self._db = db
        self._sealer = sealer
        self.problem = problem  # what happened to a damaged file, for staff

    @classmethod
    def open(cls, path: Path, sealer: Sealer) -> Outbox:
        """The outbox at `path` (created 0600 in a 0700 directory); a damaged file is set
        aside and a new one started; raises `OutboxError`."""
        problem = ""
        try:
            db = _connect(path)
        except sqlite3.DatabaseError as exc:
            aside = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}")
            log.error("the outbox %s is damaged (%s); set aside as %s", path, exc, aside.name)
            try:
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        Path(f"{path}{suffix}").replace(Path(f"{aside}{suffix}"))
                db = _connect(path)
            except (OSError, sqlite3.Error) as again:
                raise OutboxError(f"cannot open the outbox {path}: {again}") from None
            problem = f"the outbox file was damaged and set aside as {aside.name}"
        except OSError as exc:
            raise OutboxError(f"cannot open the outbox {path}: {exc.strerror}") from None
        return cls(db, sealer, problem)

    @classmethod
    def memory(cls, sealer: Sealer) -> Outbox:
        """An outbox in memory (tests, and a kiosk whose file cannot be written)."""
        db = sqlite3.connect(":memory:", isolation_level=None)
        db.row_factory = sqlite3.Row
        db.executescript(_SCHEMA)
        return cls(db, sealer)

    def add(
        self,
        request: CheckinRequest,
        delivery: Delivery,
        member: str | None = None,
        error: str = "",
        target: str = "",
    ) -> Entry:
        """Keep `request`, which failed with `error` on the backend named `target` (synced to
        disk when this returns); raises `OutboxError`."""
        credential = request.credential
        with self._write():
            cursor = self._db.execute(
                "INSERT INTO entries (nonce, ident, kind, action, location, attempted_at,"
                " sealed, member, delivery, last_error, target)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (nonce) DO UPDATE SET delivery = excluded.delivery",
                (
                    request.nonce,
                    self._sealer.ident(credential),
                    credential.kind.value,
                    request.action.value,
                    request.location,
                    request.attempted_at.astimezone(UTC).isoformat(),
                    self._sealer.seal(credential),
                    member,
                    delivery.value,
                    error[:300],
                    target,
                ),
            )
        return Entry(
            cursor.lastrowid or 0,
            request.nonce,
            credential.kind,
            request.action,
            request.attempted_at,
            delivery,
            request,
            member,
            last_error=error[:300],
        )

    def first(self, target: str = "") -> Entry | None:
        """The oldest entry for the backend `target` that does not wait for staff, nor come
        after one of the same credential that does (a member's attempts go in their order)."""
        row = self._read(
            "SELECT * FROM entries WHERE held = '' AND target = ? AND ident NOT IN"
            " (SELECT ident FROM entries WHERE held != '') ORDER BY id LIMIT 1",
            target,
        ).fetchone()
        return self._entry(row) if row else None

    def entries(self) -> list[Entry]:
        """Every kept entry, oldest first."""
        return [self._entry(r) for r in self._read("SELECT * FROM entries ORDER BY id")]

    def waiting(self, request: CheckinRequest) -> bool:
        """Whether an attempt with the same credential is kept (a new one must go after it)."""
        ident = self._sealer.ident(request.credential)
        row = self._read("SELECT 1 FROM entries WHERE ident = ? LIMIT 1", ident)
        return row.fetchone() is not None

    def __len__(self) -> int:
        return int(self._read("SELECT count(*) FROM entries").fetchone()[0])

    def tried(self, entry: Entry, error: str, delivery: Delivery | None) -> None:
        """A re-send got no answer again: count it, and remember if it may have arrived."""
        lost = Delivery.LOST.value if delivery is Delivery.LOST else None
        with self._write():
            self._db.execute(
                "UPDATE entries SET tries = tries + 1, last_error = ?,"
                " delivery = coalesce(?, delivery) WHERE id = ?",
                (error[:300], lost, entry.id),
            )

    def hold(self, entry: Entry, why: str) -> None:
        """Let `entry` wait for staff (it cannot be sent again safely)."""
        with self._write():
            self._db.execute("UPDATE entries SET held = ? WHERE id = ?", (why[:300], entry.id))

    def hold_elsewhere(self, target: str) -> int:
        """Hold the entries kept for another backend than `target` (staff changed it): they
        are not sent to this one unless staff say so; how many."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE entries SET held = 'kept for another check-in backend (' || target ||"
                " '): send it to this one, or discard it' WHERE held = '' AND target != ?",
                (target,),
            )
        return cursor.rowcount

    def release(self, target: str = "") -> int:
        """Staff chose to send the held entries again as they are, to the backend `target`;
        how many there were."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE entries SET held = '', delivery = ?, target = ? WHERE held != ''",
                (Delivery.NOT_SENT.value, target),
            )
        return cursor.rowcount

    def done(self, entry: Entry, outcome: Outcome) -> None:
        """`entry` got its answer: out of the queue, into the history."""
        self._end(entry, outcome.status, outcome.reason, outcome.member, outcome.raw_message)

    def discard(self, entry_id: int, why: str) -> bool:
        """Staff dropped an entry, saying why; False when there is no such entry."""
        row = self._read("SELECT * FROM entries WHERE id = ?", entry_id).fetchone()
        if row is None:
            return False
        self._end(self._entry(row), None, None, row["member"], f"discarded: {why}")
        return True

    def history(self, limit: int = 20) -> list[Ended]:
        """The latest entries that left, newest first."""
        rows = self._read("SELECT * FROM history ORDER BY id DESC LIMIT ?", limit).fetchall()
        return [
            Ended(
                CredentialKind(r["kind"]),
                Action(r["action"]),
                _time(r["attempted_at"]),
                _time(r["ended_at"]),
                Status(r["status"]) if r["status"] else None,
                Reason(r["reason"]) if r["reason"] in set(Reason) else None,
                r["member"],
                r["note"],
            )
            for r in rows
        ]

    def backlog(self) -> Backlog:
        """How many are kept, how many wait for staff, the oldest and the last error."""
        count, held, oldest = self._read(
            "SELECT count(*), count(nullif(held, '')), min(attempted_at) FROM entries"
        ).fetchone()
        row = self._read(
            "SELECT last_error FROM entries WHERE last_error != '' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return Backlog(
            count, held, _time(oldest) if oldest else None, row[0] if row else "", self.problem
        )

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def _end(
        self,
        entry: Entry,
        status: Status | None,
        reason: Reason | None,
        member: str | None,
        note: str,
    ) -> None:
        with self._write():
            self._db.execute("DELETE FROM entries WHERE id = ?", (entry.id,))
            self._db.execute(
                "INSERT INTO history (nonce, kind, action, attempted_at, ended_at, status,"
                " reason, member, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.nonce,
                    entry.kind.value,
                    entry.action.value,
                    entry.attempted_at.astimezone(UTC).isoformat(),
                    datetime.now(UTC).isoformat(),
                    status.value if status else "",
                    reason.value if reason else None,
                    member,
                    note[:300],
                ),
            )
            self._db.execute(
                "DELETE FROM history WHERE id <= (SELECT max(id) FROM history) - ?",
                (HISTORY_KEPT,),
            )

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction, committed and synced before it returns; `OutboxError` if not."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise OutboxError(f"the outbox cannot be written: {exc}") from None

    def _read(self, sql: str, *params: object) -> sqlite3.Cursor:
        """A query; `OutboxError` if the file cannot be read."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise OutboxError(f"the outbox cannot be read: {exc}") from None

    def _entry(self, row: sqlite3.Row) -> Entry:
        try:
            credential = self._sealer.open(row["sealed"])
        except SealError:
            request = None
        else:
            request = CheckinRequest(
                credential,
                Action(row["action"]),
                row["location"],
                row["nonce"],
                _time(row["attempted_at"]),
            )
        return Entry(
            row["id"],
            row["nonce"],
            CredentialKind(row["kind"]),
            Action(row["action"]),
            _time(row["attempted_at"]),
            Delivery(row["delivery"]),
            request,
            row["member"],
            row["tries"],
            row["last_error"],
            row["held"],
        )


def _connect(path: Path) -> sqlite3.Connection:
    """Open (creating it 0600) and check the file; raises `sqlite3.DatabaseError` when it is
    damaged, `OSError` when it cannot be created."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite's -wal and -shm follow
    db = sqlite3.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # a commit is on disk when it returns
        db.execute("PRAGMA busy_timeout = 2000")
        (verdict,) = db.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict}")
        db.executescript(_SCHEMA)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
