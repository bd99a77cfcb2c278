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
