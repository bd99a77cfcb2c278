"""Sessions opened by a member's device seen on the space's network (Source 3): when each was
last seen, and their end after a quiet spell, at the last sighting."""

from __future__ import annotations

from datetime import datetime

from kiosk.server.store.db import Database
from kiosk.server.store.models import from_text, to_text

NETWORK = 3  # Nexudus eCheckinSource NetworkActivity


class PresenceLog(Database):
    """Sightings of members' devices."""

    def open_source(self, member_id: int) -> tuple[int, int, datetime | None] | None:
        """The member's open session, if any: its id, how it came (its source) and until
        when it runs."""
        row = self._one(
            "SELECT id, source, expires_at FROM checkins WHERE member_id = ? AND to_time IS NULL",
            member_id,
        )
        if row is None:
            return None
        return int(row[0]), int(row[1]), from_text(row[2]) if row[2] else None

    def seen(self, checkin_id: int, now: datetime) -> None:
        """A session's device was seen again at `now` (a later sighting never goes back)."""
        with self.transaction():
            self._db.execute(
                "UPDATE checkins SET seen_at = MAX(COALESCE(seen_at, ''), ?) WHERE id = ?",
                (to_text(now), checkin_id),
            )

    def left_lately(self, member_id: int) -> tuple[int, datetime] | None:
        """The member's last session if they ended it themselves (at a kiosk or a door, not
        the sweeper): its id and when their device was last seen since, or its end."""
        row = self._one(
            "SELECT id, to_time, seen_at, auto_checkout FROM checkins WHERE member_id = ?"
            " ORDER BY from_time DESC LIMIT 1",
            member_id,
        )
        if row is None or row[1] is None or row[3]:
            return None
        return int(row[0]), from_text(max(row[1], row[2] or ""))

    def close_quiet_presence(self, quiet_since: datetime, now: datetime) -> int:
        """End every presence session not seen since `quiet_since`, at its last sighting;
        how many."""
        with self.transaction():
            cur = self._db.execute(
                "UPDATE checkins SET to_time = seen_at, auto_checkout = 1, closed_at = ?"
                " WHERE to_time IS NULL AND source = ? AND seen_at < ?",
                (to_text(now), NETWORK, to_text(quiet_since)),
            )
        return cur.rowcount
