"""The SQLite connection under the store: pragmas, migrations, transactions, errors.

Errors::

    StoreError
     ├── DuplicateError   a PIN, card, token, email or name already enrolled
     ├── NotFoundError    no such member, location or plan
     └── StorageError     the database cannot be used: disk full, read-only, corrupt, locked
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.server.store.schema import MIGRATIONS

log = logging.getLogger(__name__)


class StoreError(Exception):
    """A storage operation could not be done as asked."""


class DuplicateError(StoreError):
    """A unique value is already enrolled; `field` names it as Nexudus does."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(StoreError):
    """The record asked for does not exist."""


class StorageError(StoreError):
    """The database cannot be written or read; `why` says so in a few words."""

    def __init__(self, why: str, detail: str = "") -> None:
        super().__init__(f"{why}: {detail}" if detail else why)
        self.why = why


def _private(path: Path) -> None:
    """The database file (and its journal) readable by its owner only, created so in a 0700
    directory: it holds who came and went, and card numbers."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if part.stat().st_mode & 0o077:
                log.warning("%s was readable by others; making it private (0600)", part)
                part.chmod(0o600)


def storage_error(exc: sqlite3.Error) -> StorageError:
    """`exc` in words staff understand.

    >>> storage_error(sqlite3.OperationalError("database or disk is full")).why
    'disk full'
    """
    text = str(exc).lower()
    for words, why in _FAULTS:
        if words in text:
            return StorageError(why, str(exc))
    return StorageError("database error", str(exc))


_FAULTS = (
    ("disk is full", "disk full"),
    ("readonly", "read-only"),
    ("read-only", "read-only"),
    ("malformed", "corrupt"),
    ("not a database", "corrupt"),
    ("locked", "locked"),
    ("busy", "locked"),
    ("unable to open", "cannot open the database file"),
    ("disk i/o error", "disk I/O error"),
)
QUICK_CHECK_SECONDS = 300.0  # a full page check at most this often


class Database:
    """SQLite at `path` (WAL, foreign keys, 5 s busy timeout), one connection per thread: the
    event loop's check-ins and a thread pool's listings never share a transaction. `path` may
    be ``":memory:"`` (one private in-memory database, shared by this object's threads)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) == ":memory:":
            self._target = f"file:kiosk-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            _private(Path(path))
            self._target = str(path)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._checked_at: float | None = None  # when the pages were last checked (monotonic)
        self._anchor = self._connect()  # keeps an in-memory database alive; migrates
        self._migrate()

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
        return db

    def _quick_check(self) -> str:
        """SQLite's page check, on a connection of its own so that it reads the file and not
        a cache (an in-memory database has no file: this thread's connection)."""
        if self._target.startswith("file:"):
            return str(self._db.execute("PRAGMA quick_check(1)").fetchone()[0])
        with contextlib.closing(sqlite3.connect(self._target, timeout=5.0)) as fresh:
            return str(fresh.execute("PRAGMA quick_check(1)").fetchone()[0])

    def _connect(self) -> sqlite3.Connection:
        uri = self._target.startswith("file:")
        db = sqlite3.connect(self._target, isolation_level=None, check_same_thread=False, uri=uri)
        db.row_factory = sqlite3.Row
        if not uri:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 5000")
        self._local.db = db
        with self._lock:
            self._opened.append(db)
        return db

    def close(self) -> None:
        """Close every connection (the last one to close checkpoints the WAL)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for db in reversed(opened):
            db.close()

    def health(self, now: float) -> str | None:
        """What keeps the database from taking check-ins, or None: a real write to a scratch
        table each time, and SQLite's page check every `QUICK_CHECK_SECONDS` (`now` is a
        monotonic time)."""
        try:
            with self.transaction():
                self._db.execute("INSERT OR REPLACE INTO health (id, at) VALUES (1, ?)", (now,))
            checked = self._checked_at
            if checked is None or now - checked >= QUICK_CHECK_SECONDS:
                result = self._quick_check()
                if result != "ok":
                    return f"corrupt: {result}"
                self._checked_at = now
        except sqlite3.Error as exc:
            return str(storage_error(exc))
        return None

    @property
    def schema_version(self) -> int:
        """How many migrations have been applied."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction (taken at once, so reads in it are consistent)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self.transaction():
            version = self.schema_version
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")

    def _one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db.execute(sql, args).fetchone()
        return row
