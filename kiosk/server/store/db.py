"""The SQLite connection under the store: pragmas, migrations, transactions, errors.

Errors::

    StoreError
     ├── DuplicateError   a PIN, card, token, email or name already enrolled
     └── NotFoundError    no such member, location or plan
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.server.store.schema import MIGRATIONS


class StoreError(Exception):
    """A storage operation could not be done as asked."""


class DuplicateError(StoreError):
    """A unique value is already enrolled; `field` names it as Nexudus does."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(StoreError):
    """The record asked for does not exist."""


class Database:
    """SQLite at `path` (WAL, foreign keys, 5 s busy timeout), one connection per thread: the
    event loop's check-ins and a thread pool's listings never share a transaction. `path` may
    be ``":memory:"`` (one private in-memory database, shared by this object's threads)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) == ":memory:":
            self._target = f"file:kiosk-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._target = str(path)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._anchor = self._connect()  # keeps an in-memory database alive; migrates
        self._migrate()

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
        return db

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
