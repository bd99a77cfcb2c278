"""The devices as the web admin sees them: their heartbeats, names, the settings staff push to
them, and cards offered for enrolment by "tap it on a kiosk"."""

from __future__ import annotations

from datetime import datetime

from kiosk.server.store.db import Database, NotFoundError
from kiosk.server.store.models import (
    CardKey,
    CardOffer,
    DeviceSettings,
    Heartbeat,
    Seen,
    from_text,
    to_text,
)


class Fleet(Database):
    """Heartbeats, device settings and card offers."""

    def record_heartbeat(self, device_id: int, beat: Heartbeat, now: datetime) -> None:
        """Keep a device's latest heartbeat."""
        last = to_text(beat.last_checkin) if beat.last_checkin else None
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO device_heartbeats"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (device_id, to_text(now), beat.version, beat.reader, beat.backend, beat.outbox,
                 last, beat.uptime, beat.applied, beat.problem, beat.every, int(beat.asleep)),
            )  # fmt: skip

    def heartbeats(self) -> dict[int, Seen]:
        """Every device's last heartbeat, by device id."""
        found = self._db.execute("SELECT * FROM device_heartbeats")
        return {
            r["device_id"]: Seen(
                from_text(r["seen_at"]),
                Heartbeat(
                    r["version"], r["reader"], r["backend"], r["outbox"],
                    from_text(r["last_checkin"]) if r["last_checkin"] else None,
                    r["uptime"], r["applied"], r["problem"], r["every"], bool(r["asleep"]),
                ),
            )
            for r in found
        }  # fmt: skip

    def rename_device(self, device_id: int, name: str) -> None:
        """Give a device another name."""
        with self.transaction():
            cur = self._db.execute("UPDATE devices SET name = ? WHERE id = ?", (name, device_id))
        if cur.rowcount == 0:
            raise NotFoundError(f"no device with id {device_id}")

    def device_settings(self, device_id: int) -> DeviceSettings:
        """The settings staff set for a device, and their version (0: none ever)."""
        row = self._one("SELECT settings_version FROM devices WHERE id = ?", device_id)
        if row is None:
            raise NotFoundError(f"no device with id {device_id}")
        found = self._db.execute(
            "SELECT key, value FROM device_settings WHERE device_id = ? ORDER BY key", (device_id,)
        )
        return DeviceSettings(row[0], tuple((r[0], r[1]) for r in found))

    def set_device_settings(self, device_id: int, values: dict[str, str]) -> DeviceSettings:
        """Replace the settings staff set for a device; the version grows by one."""
        with self.transaction():
            cur = self._db.execute(
                "UPDATE devices SET settings_version = settings_version + 1 WHERE id = ?",
                (device_id,),
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no device with id {device_id}")
            self._db.execute("DELETE FROM device_settings WHERE device_id = ?", (device_id,))
            self._db.executemany(
                "INSERT INTO device_settings VALUES (?, ?, ?)",
                [(device_id, key, value) for key, value in sorted(values.items())],
            )
        return self.device_settings(device_id)

    def offer_card(self, device_id: int, member_id: int, expires_at: datetime) -> None:
        """Wait for the next unknown card `device_id` reads, for `member_id`."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO card_offers VALUES (?, ?, ?, NULL, NULL)",
                (device_id, member_id, to_text(expires_at)),
            )

    def card_read(self, device_id: int, card: CardKey, now: datetime) -> bool:
        """An unknown card was read on `device_id`: kept when an offer waits for one."""
        with self.transaction():
            cur = self._db.execute(
                "UPDATE card_offers SET card_key = ?, tail = ?"
                " WHERE device_id = ? AND card_key IS NULL AND expires_at > ?",
                (card.key, card.tail, device_id, to_text(now)),
            )
        return cur.rowcount > 0

    def card_offers(self, member_id: int, now: datetime) -> list[CardOffer]:
        """The offers for `member_id` still open or read (the expired are forgotten)."""
        with self.transaction():
            self._db.execute("DELETE FROM card_offers WHERE expires_at <= ?", (to_text(now),))
            found = self._db.execute(
                "SELECT * FROM card_offers WHERE member_id = ? ORDER BY device_id", (member_id,)
            ).fetchall()
        return [
            CardOffer(
                r["device_id"], r["member_id"], from_text(r["expires_at"]),
                CardKey(r["card_key"], r["tail"]) if r["card_key"] else None,
            )
            for r in found
        ]  # fmt: skip

    def end_card_offer(self, device_id: int) -> None:
        """Forget the offer on `device_id` (enrolled, or cancelled)."""
        with self.transaction():
            self._db.execute("DELETE FROM card_offers WHERE device_id = ?", (device_id,))
