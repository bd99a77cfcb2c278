"""What the kiosk may know while the backend is away: who a credential was lately, and the key
that signs our server's passes.

    known = Known.open(path, sealer)            # the outbox's file, its own connection
    known.remember(credential, "Ada Lovelace", now)
    known.recall(credential, now, days=7)       # "Ada Lovelace", or None
    known.keep_pass_key(raw)                    # the server's Ed25519 public key (32 bytes)

A credential is kept only as its keyed hash (`Sealer.ident`), never itself. These writes are not
synced one by one (``synchronous = NORMAL``): losing the last few to a power cut costs a greeting,
and a check-in must not wait on the disk for it. Errors: `OutboxError`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.domain import Credential
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import OutboxError

KEPT_AT_MOST = timedelta(days=366)  # a longer remember_days is taken as this
_SCHEMA = """
CREATE TABLE IF NOT EXISTS known (
    ident TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kept_values (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
PASS_KEY = "pass_key"  # noqa: S105 - a row name: the public key it names is public


class Known:
    """Members seen lately, by keyed hash, and the pass key; on the kiosk's loop thread."""

    def __init__(self, db: sqlite3.Connection, sealer: Sealer) -> None:
        self._db = db
        self._sealer = sealer

    @classmethod
    def open(cls, path: Path, sealer: Sealer) -> Known:
        """Beside the outbox's entries, in the same file (opened by `Outbox.open` first)."""
        try:
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA busy_timeout = 2000")
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise OutboxError(f"cannot open {path}: {exc}") from None
        return cls(db, sealer)

    @classmethod
    def memory(cls, sealer: Sealer) -> Known:
        """Kept in memory only."""
        db = sqlite3.connect(":memory:", isolation_level=None)
        db.executescript(_SCHEMA)
        return cls(db, sealer)

    def remember(self, credential: Credential, member: str, now: datetime) -> None:
        """`credential` is `member`'s, seen to work at `now`."""
        self._run(
            "INSERT INTO known (ident, member, seen_at) VALUES (?, ?, ?) ON CONFLICT (ident)"
            " DO UPDATE SET member = excluded.member, seen_at = excluded.seen_at",
            self._sealer.ident(credential),
            member,
            now.astimezone(UTC).isoformat(),
        )

    def recall(self, credential: Credential, now: datetime, days: int) -> str | None:
        """Whose `credential` is, if it worked within `days` of `now`."""
        if days <= 0:
            return None
        since = now - min(timedelta(days=days), KEPT_AT_MOST)
        row = self._run(
            "SELECT member FROM known WHERE ident = ? AND seen_at >= ?",
            self._sealer.ident(credential),
            since.astimezone(UTC).isoformat(),
        ).fetchone()
        return str(row[0]) if row else None

    def forget_before(self, moment: datetime) -> int:
        """Forget members not seen since `moment`; how many."""
        cursor = self._run(
            "DELETE FROM known WHERE seen_at < ?", moment.astimezone(UTC).isoformat()
        )
        return cursor.rowcount

    def pass_key(self) -> bytes | None:
        """The server's pass key as last fetched, or None."""
        row = self._run("SELECT value FROM kept_values WHERE name = ?", PASS_KEY).fetchone()
        return bytes.fromhex(row[0]) if row else None

    def keep_pass_key(self, raw: bytes) -> None:
        """Keep the server's pass key (raw bytes) for checking passes offline."""
        self._run(
            "INSERT INTO kept_values (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            PASS_KEY,
            raw.hex(),
        )

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _run(self, sql: str, *params: object) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise OutboxError(f"the outbox cannot be used: {exc}") from None
