"""The roster as staff keep it from the web admin: members found, edited, their credentials
changed one by one; plans and locations edited."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.server.store import rows
from kiosk.server.store.db import DuplicateError, NotFoundError
from kiosk.server.store.enrolment import Enrolment
from kiosk.server.store.models import CardKey, Member, Page


class Standing(enum.StrEnum):
    """A filter on members: everyone, or those active, disabled or checked in now."""

    ANY = ""
    ACTIVE = "active"
    DISABLED = "disabled"
    IN_NOW = "in"


_STANDING = {
    Standing.ANY: "1",
    Standing.ACTIVE: "m.active",
    Standing.DISABLED: "NOT m.active",
    Standing.IN_NOW: "EXISTS (SELECT 1 FROM checkins c WHERE c.member_id = m.id"
    " AND c.to_time IS NULL)",
}


class Roster(Enrolment):
    """Finding and changing what enrolment made."""

    def search_members(
        self,
        text: str = "",
        plan_id: int | None = None,
        standing: Standing = Standing.ANY,
        page: int = 1,
        size: int = 50,
    ) -> Page[Member]:
        """Members whose name, email or team holds `text` (any case), by name."""
        like = (
            "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where = (
            " WHERE (m.full_name LIKE ? ESCAPE '\\' OR m.email LIKE ? ESCAPE '\\'"
            " OR m.teams LIKE ? ESCAPE '\\')"
            f" AND {_STANDING[standing]}"
        )
        args: list[Any] = [like, like, like]
        if plan_id is not None:
            where += " AND m.plan_id = ?"
            args.append(plan_id)
        total = self._db.execute(f"SELECT count(*) FROM members m {where}", args).fetchone()[0]  # noqa: S608
        found = self._db.execute(
            rows.MEMBER_SELECT
            + where
            + " ORDER BY m.full_name COLLATE NOCASE, m.id LIMIT ? OFFSET ?",
            [*args, size, (page - 1) * size],
        )
        return Page([rows.member(r) for r in found], page, size, int(total))

    def update_member(
        self,
        member_id: int,
        *,
        full_name: str,
        email: str,
        teams: Iterable[str],
        plan: str | None,
        plan_active: bool,
        active: bool,
    ) -> Member:
        """Change a member's details; `DuplicateError` when the email is another's."""
        with self.transaction():
            self.member(member_id)
            if self._one("SELECT 1 FROM members WHERE email = ? AND id != ?", email, member_id):
                raise DuplicateError("Email", f"a member with email {email} is already enrolled")
            plan_id = self.plan(plan).id if plan is not None else None
            self._db.execute(
                "UPDATE members SET full_name = ?, email = ?, teams = ?, plan_id = ?,"
                " plan_active = ?, active = ? WHERE id = ?",
                (full_name, email, ", ".join(teams), plan_id, plan_active, active, member_id),
            )
        return self.member(member_id)

    def set_active(self, member_id: int, active: bool) -> Member:
        """Disable a member (no way in works) or enable them again."""
        with self.transaction():
            self.member(member_id)
            self._db.execute("UPDATE members SET active = ? WHERE id = ?", (active, member_id))
        return self.member(member_id)

    def pin_key(self, member_id: int) -> str | None:
        """The keyed hash of a member's PIN (to put it back when a new one could not be
        told to them)."""
        row = self._one("SELECT pin_key FROM members WHERE id = ?", member_id)
        return row[0] if row is not None else None

    def set_pin(self, member_id: int, pin_key: str | None) -> None:
        """Give a member a new PIN (its keyed hash), or none; `DuplicateError` when taken."""
        with self.transaction():
            self.member(member_id)
            if pin_key is not None and self._one(
                "SELECT 1 FROM members WHERE pin_key = ? AND id != ?", pin_key, member_id
            ):
                raise DuplicateError("Pin", "this PIN is already enrolled for another member")
            self._db.execute("UPDATE members SET pin_key = ? WHERE id = ?", (pin_key, member_id))

    def cards_of(self, member_id: int) -> list[tuple[int, str]]:
        """A member's cards: a number to remove each by, and the card as staff see it."""
        found = self._db.execute(
            "SELECT rowid, tail FROM card_keys WHERE member_id = ? ORDER BY rowid", (member_id,)
        )
        return [(r[0], "••••" + r[1]) for r in found]

    def add_card(self, member_id: int, card: CardKey) -> None:
        """Enrol one more card; `DuplicateError` when it is anyone's already."""
        with self.transaction():
            self.member(member_id)
            if self._one("SELECT 1 FROM card_keys WHERE card_key = ?", card.key):
                raise DuplicateError("AccessCardId", f"card {card.masked} is already enrolled")
            self._db.execute(
                "INSERT INTO card_keys VALUES (?, ?, ?)", (card.key, card.tail, member_id)
            )

    def remove_card(self, member_id: int, number: int) -> None:
        """Remove the card `cards_of` numbered `number`."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM card_keys WHERE rowid = ? AND member_id = ?", (number, member_id)
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"member {member_id} has no card {number}")

    def macs_of(self, member_id: int) -> list[tuple[int, str]]:
        """A member's devices: a number to remove each by, and its address's last bytes."""
        found = self._db.execute(
            "SELECT rowid, tail FROM member_macs WHERE member_id = ? ORDER BY rowid", (member_id,)
        )
        return [(r[0], "••:••:••:••:" + r[1]) for r in found]

    def add_mac(self, member_id: int, mac_key: str, tail: str) -> None:
        """Enrol a device's MAC (its keyed hash); `DuplicateError` when it is anyone's."""
        with self.transaction():
            self.member(member_id)
            if self._one("SELECT 1 FROM member_macs WHERE mac_key = ?", mac_key):
                raise DuplicateError("Mac", "this device is already enrolled")
            self._db.execute("INSERT INTO member_macs VALUES (?, ?, ?)", (mac_key, tail, member_id))

    def forget_mac(self, member_id: int, mac_key: str) -> bool:
        """Remove the member's device with this keyed hash; whether they had it."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM member_macs WHERE mac_key = ? AND member_id = ?", (mac_key, member_id)
            )
        return cur.rowcount > 0

    def remove_mac(self, member_id: int, number: int) -> None:
        """Remove the device `macs_of` numbered `number`."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM member_macs WHERE rowid = ? AND member_id = ?", (number, member_id)
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"member {member_id} has no device {number}")

    def add_token(self, member_id: int, token_key: str) -> None:
        """Enrol a phone's access token (its keyed hash)."""
        with self.transaction():
            self.member(member_id)
            if self._one("SELECT 1 FROM access_tokens WHERE token_key = ?", token_key):
                raise DuplicateError("Token", "this access token is already enrolled")
            self._db.execute("INSERT INTO access_tokens VALUES (?, ?)", (token_key, member_id))

    def clear_tokens(self, member_id: int) -> int:
        """Revoke every phone token of a member; how many."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM access_tokens WHERE member_id = ?", (member_id,))
        return cur.rowcount

    def update_plan(
        self,
        plan_id: int,
        *,
        name: str,
        location_ids: Iterable[int],
        days: Iterable[int],
        opens: time,
        closes: time,
        daily_limit_minutes: int | None,
        hours: Iterable[tuple[int, time, time]] = (),
    ) -> None:
        """Change a plan; its members keep it."""
        locs = frozenset(location_ids)
        with self.transaction():
            self.plan(plan_id)
            if self._one("SELECT 1 FROM plans WHERE name = ? AND id != ?", name, plan_id):
                raise DuplicateError("Name", f"a plan named {name!r} already exists")
            for loc in locs:
                self.location(loc)
            self._db.execute(
                "UPDATE plans SET name = ?, days = ?, opens = ?, closes = ?,"
                " daily_limit_minutes = ? WHERE id = ?",
                (
                    name,
                    "".join(map(str, sorted(frozenset(days)))),
                    rows.hhmm(opens),
                    rows.hhmm(closes),
                    daily_limit_minutes,
                    plan_id,
                ),
            )
            self._db.execute("DELETE FROM plan_locations WHERE plan_id = ?", (plan_id,))
            self._db.executemany(
                "INSERT INTO plan_locations VALUES (?, ?)", [(plan_id, loc) for loc in locs]
            )
            self.set_plan_hours(plan_id, hours)

    def update_location(self, location_id: int, name: str, timezone: str) -> None:
        """Rename a location or change its time zone (an IANA name)."""
        ZoneInfo(timezone)
        with self.transaction():
            self.location(location_id)
            if self._one("SELECT 1 FROM locations WHERE name = ? AND id != ?", name, location_id):
                raise DuplicateError("Name", f"a location named {name!r} already exists")
            self._db.execute(
                "UPDATE locations SET name = ?, timezone = ? WHERE id = ?",
                (name, timezone, location_id),
            )
