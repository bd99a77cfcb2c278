"""Devices: the kiosks, door controllers and sensors that may call the check-in endpoint.

A device is added with a name and waits for pairing; a pairing code (stored as a keyed hash,
single use, short-lived) is exchanged once for the device's token (a keyed hash too). Revoking
a device ends its token at once.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.server.store import rows
from kiosk.server.store.db import Database, NotFoundError
from kiosk.server.store.models import Device, to_text


class Devices(Database):
    """Devices and their pairing codes."""

    def add_device(self, name: str, kind: str, now: datetime) -> Device:
        """A new device, waiting for pairing."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO devices (name, kind, created_at) VALUES (?, ?, ?)",
                (name, kind, to_text(now)),
            )
        return self.device(int(cur.lastrowid or 0))

    def device(self, device_id: int) -> Device:
        """A device by id; `NotFoundError` when there is none."""
        row = self._one("SELECT * FROM devices WHERE id = ?", device_id)
        if row is None:
            raise NotFoundError(f"no device with id {device_id}")
        return rows.device(row)

    def devices(self) -> list[Device]:
        """Every device, revoked ones too, oldest first."""
        return [rows.device(r) for r in self._db.execute("SELECT * FROM devices ORDER BY id")]

    def named_device(self, name: str, kind: str) -> Device | None:
        """The device of `kind` called `name` that is not revoked, if there is one."""
        row = self._one(
            "SELECT * FROM devices WHERE name = ? AND kind = ? AND revoked_at IS NULL"
            " ORDER BY id LIMIT 1",
            name,
            kind,
        )
        return rows.device(row) if row else None

    def add_pairing_code(self, device_id: int, code_key: str, expires_at: datetime) -> None:
        """A code (its keyed hash) that pairs `device_id` until `expires_at`."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO pairing_codes (code_key, device_id, expires_at) VALUES (?, ?, ?)",
                (code_key, device_id, to_text(expires_at)),
            )

    def pair(self, code_key: str, token_key: str, now: datetime) -> Device | None:
        """Exchange a pairing code for the token whose keyed hash is `token_key`: the device,
        or None when the code is unknown, used or expired, or its device revoked. Every code
        of the device is spent."""
        with self.transaction():
            row = self._one(
                "SELECT d.* FROM pairing_codes p JOIN devices d ON d.id = p.device_id"
                " WHERE p.code_key = ? AND p.expires_at > ? AND d.revoked_at IS NULL",
                code_key,
                to_text(now),
            )
            if row is None:
                return None
            self._db.execute("DELETE FROM pairing_codes WHERE device_id = ?", (row["id"],))
            self.set_device_token(row["id"], token_key, now)
        return self.device(row["id"])

    def set_device_token(self, device_id: int, token_key: str, now: datetime) -> None:
        """Give `device_id` the token whose keyed hash is `token_key` (its old one ends)."""
        with self.transaction():
            self._db.execute(
                "UPDATE devices SET token_key = ?, paired_at = ? WHERE id = ?",
                (token_key, to_text(now), device_id),
            )

    def device_for_token(self, token_key: str) -> Device | None:
        """The device holding the token with keyed hash `token_key`, unless revoked."""
        row = self._one(
            "SELECT * FROM devices WHERE token_key = ? AND revoked_at IS NULL", token_key
        )
        return rows.device(row) if row else None

    def revoke_device(self, device_id: int, now: datetime) -> Device:
        """End a device's token and codes at once; `NotFoundError` when there is none."""
        self.device(device_id)
        with self.transaction():
            self._db.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?), token_key = NULL"
                " WHERE id = ?",
                (to_text(now), device_id),
            )
            self._db.execute("DELETE FROM pairing_codes WHERE device_id = ?", (device_id,))
        return self.device(device_id)

    def forget_pairing_codes(self, before: datetime) -> int:
        """Drop codes that expired before `before`; how many."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM pairing_codes WHERE expires_at < ?", (to_text(before),)
            )
        return cur.rowcount
