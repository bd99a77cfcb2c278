"""The web admin's accounts: an email and an argon2id password hash each."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from kiosk.server.store.db import Database, DuplicateError, NotFoundError
from kiosk.server.store.models import Admin, from_text, to_text


class Admins(Database):
    """Admin accounts."""

    def add_admin(self, email: str, password_hash: str, now: datetime) -> Admin:
        """A new account; `DuplicateError` when the email has one."""
        try:
            with self.transaction():
                cur = self._db.execute(
                    "INSERT INTO admins (email, password_hash, created_at) VALUES (?, ?, ?)",
                    (email, password_hash, to_text(now)),
                )
        except sqlite3.IntegrityError:
            raise DuplicateError("Email", f"{email} has an admin account already") from None
        return Admin(int(cur.lastrowid or 0), email, now)

    def admins(self) -> list[Admin]:
        """Every account, oldest first."""
        found = self._db.execute("SELECT id, email, created_at FROM admins ORDER BY id")
        return [Admin(r["id"], r["email"], from_text(r["created_at"])) for r in found]

    def admin_hash(self, email: str) -> tuple[Admin, str] | None:
        """The account with `email` and its password hash, if there is one."""
        row = self._one("SELECT * FROM admins WHERE email = ?", email)
        if row is None:
            return None
        return Admin(row["id"], row["email"], from_text(row["created_at"])), row["password_hash"]

    def set_admin_hash(self, admin_id: int, password_hash: str) -> None:
        """A new password hash (a reset, or the old hash made stronger)."""
        with self.transaction():
            self._db.execute(
                "UPDATE admins SET password_hash = ? WHERE id = ?", (password_hash, admin_id)
            )

    def remove_admin(self, email: str) -> None:
        """Remove the account with `email`; `NotFoundError` when there is none."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM admins WHERE email = ?", (email,))
        if cur.rowcount == 0:
            raise NotFoundError(f"no admin account for {email}")

    def open_session(self, session_key: str, admin_id: int, now: datetime) -> None:
        """Record a signed-in session under the keyed hash of its cookie."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO admin_sessions VALUES (?, ?, ?, ?)",
                (session_key, admin_id, to_text(now), to_text(now)),
            )

    def session_admin(
        self, session_key: str, idle_since: datetime, started_since: datetime, now: datetime
    ) -> Admin | None:
        """The account of a session seen after `idle_since` and opened after `started_since`,
        marked seen at `now`; None (and the session ended) otherwise."""
        with self.transaction():
            row = self._one(
                "SELECT a.id, a.email, a.created_at, s.seen_at, s.created_at AS opened"
                " FROM admin_sessions s JOIN admins a ON a.id = s.admin_id"
                " WHERE s.session_key = ?",
                session_key,
            )
            if row is None:
                return None
            if row["seen_at"] < to_text(idle_since) or row["opened"] < to_text(started_since):
                self._db.execute("DELETE FROM admin_sessions WHERE session_key = ?", (session_key,))
                return None
            self._db.execute(
                "UPDATE admin_sessions SET seen_at = ? WHERE session_key = ?",
                (to_text(now), session_key),
            )
        return Admin(row["id"], row["email"], from_text(row["created_at"]))

    def end_session(self, session_key: str) -> None:
        """Sign a session out."""
        with self.transaction():
            self._db.execute("DELETE FROM admin_sessions WHERE session_key = ?", (session_key,))

    def forget_sessions(self, idle_since: datetime) -> int:
        """Remove sessions not seen since `idle_since`; how many."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM admin_sessions WHERE seen_at < ?", (to_text(idle_since),)
            )
        return cur.rowcount

    def add_admin_link(self, link_key: str, expires_at: datetime) -> None:
        """A one-time link that makes the first admin account; any older link ends."""
        with self.transaction():
            self._db.execute("DELETE FROM admin_links")
            self._db.execute(
                "INSERT INTO admin_links VALUES (?, ?)", (link_key, to_text(expires_at))
            )

    def admin_link_valid(self, link_key: str, now: datetime) -> bool:
        """Whether `link_key` is an unexpired first-admin link and no account exists yet."""
        row = self._one(
            "SELECT 1 FROM admin_links WHERE link_key = ? AND expires_at > ?"
            " AND NOT EXISTS (SELECT 1 FROM admins)",
            link_key,
            to_text(now),
        )
        return row is not None

    def use_admin_link(self, link_key: str, email: str, password_hash: str, now: datetime) -> Admin:
        """Make the first account through a valid link, once; `NotFoundError` otherwise."""
        with self.transaction():
            if not self.admin_link_valid(link_key, now):
                raise NotFoundError("this sign-in link is used, expired or unknown")
            self._db.execute("DELETE FROM admin_links")
            return self.add_admin(email, password_hash, now)
