"""Enrolment: locations, plans, members, their credentials and day passes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from kiosk.server import rules
from kiosk.server.store import rows
from kiosk.server.store.db import Database, DuplicateError, NotFoundError
from kiosk.server.store.models import CardKey, Location, Member, PlanRecord, to_text


class Enrolment(Database):
    """Who and where: the records staff enrol."""

    def add_location(self, name: str, timezone: str, now: datetime) -> Location:
        """Enrol a location; `timezone` must be an IANA name."""
        ZoneInfo(timezone)
        with self.transaction():
            if self._one("SELECT 1 FROM locations WHERE name = ?", name):
                raise DuplicateError("Name", f"a location named {name!r} already exists")
            cur = self._db.execute(
                "INSERT INTO locations (name, timezone, created_on) VALUES (?, ?, ?)",
                (name, timezone, to_text(now)),
            )
        return Location(int(cur.lastrowid or 0), name, timezone)

    def locations(self) -> list[Location]:
        """Every location, oldest first."""
        found = self._db.execute("SELECT id, name, timezone FROM locations ORDER BY id")
        return [Location(r["id"], r["name"], r["timezone"]) for r in found]

    def location(self, ident: int | str) -> Location:
        """A location by id or by name."""
        column = "id" if isinstance(ident, int) else "name"
        row = self._one(f"SELECT id, name, timezone FROM locations WHERE {column} = ?", ident)  # noqa: S608
        if row is None:
            raise NotFoundError(f"no location {ident!r}")
        return Location(row["id"], row["name"], row["timezone"])

    def add_plan(
        self,
        name: str,
        location_ids: Iterable[int],
        days: Iterable[int] = range(1, 8),
        opens: time = time(0, 0),
        closes: time = rules.END_OF_DAY,
        daily_limit_minutes: int | None = None,
        hours: Iterable[tuple[int, time, time]] = (),
    ) -> PlanRecord:
        """Enrol a plan that admits its holders to `location_ids`; `hours` are weekdays with
        opening hours of their own."""
        locs, day_set = frozenset(location_ids), frozenset(days)
        with self.transaction():
            if self._one("SELECT 1 FROM plans WHERE name = ?", name):
                raise DuplicateError("Name", f"a plan named {name!r} already exists")
            for loc in locs:
                self.location(loc)
            cur = self._db.execute(
                "INSERT INTO plans (name, days, opens, closes, daily_limit_minutes)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    name,
                    "".join(map(str, sorted(day_set))),
                    rows.hhmm(opens),
                    rows.hhmm(closes),
                    daily_limit_minutes,
                ),
            )
            plan_id = int(cur.lastrowid or 0)
            self._db.executemany(
                "INSERT INTO plan_locations VALUES (?, ?)", [(plan_id, loc) for loc in locs]
            )
            self.set_plan_hours(plan_id, hours)
        return self.plan(plan_id)

    def set_plan_hours(self, plan_id: int, hours: Iterable[tuple[int, time, time]]) -> None:
        """Replace the weekdays of a plan that have hours of their own."""
        with self.transaction():
            self._db.execute("DELETE FROM plan_hours WHERE plan_id = ?", (plan_id,))
            self._db.executemany(
                "INSERT INTO plan_hours VALUES (?, ?, ?, ?)",
                [(plan_id, day, rows.hhmm(o), rows.hhmm(c)) for day, o, c in hours],
            )

    def plan(self, ident: int | str) -> PlanRecord:
        """A plan by id or by name."""
        column = "id" if isinstance(ident, int) else "name"
        row = self._one(f"SELECT * FROM plans WHERE {column} = ?", ident)  # noqa: S608
        if row is None:
            raise NotFoundError(f"no plan {ident!r}")
        locs = self._db.execute(
            "SELECT location_id FROM plan_locations WHERE plan_id = ?", (row["id"],)
        )
        own = self._db.execute(
            "SELECT day, opens, closes FROM plan_hours WHERE plan_id = ? ORDER BY day", (row["id"],)
        )
        return PlanRecord(
            id=row["id"],
            name=row["name"],
            location_ids=frozenset(r[0] for r in locs),
            days=frozenset(int(d) for d in row["days"]),
            opens=rows.parse_hhmm(row["opens"]),
            closes=rows.parse_hhmm(row["closes"]),
            daily_limit_minutes=row["daily_limit_minutes"],
            hours=tuple(
                (r[0], rows.parse_hhmm(r[1]), rows.parse_hhmm(r[2])) for r in own.fetchall()
            ),
        )

    def plans(self) -> list[PlanRecord]:
        """Every plan."""
        return [self.plan(int(r[0])) for r in self._db.execute("SELECT id FROM plans ORDER BY id")]

    def add_member(
        self,
        *,
        full_name: str,
        email: str,
        now: datetime,
        password_hash: str | None = None,
        pin_key: str | None = None,
        cards: Iterable[CardKey] = (),
        token_keys: Iterable[str] = (),
        teams: Iterable[str] = (),
        plan: str | None = None,
        plan_active: bool = True,
        active: bool = True,
    ) -> Member:
        """Enrol a member with their credentials; raises `DuplicateError` on a clash."""
        cards, token_keys = tuple(cards), tuple(token_keys)
        with self.transaction():
            self._check_unique(email, pin_key, cards, token_keys)
            plan_id = self.plan(plan).id if plan is not None else None
            cur = self._db.execute(
                "INSERT INTO members (full_name, email, password_hash, pin_key, teams, plan_id,"
                " plan_active, active, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    full_name,
                    email,
                    password_hash,
                    pin_key,
                    ", ".join(teams),
                    plan_id,
                    plan_active,
                    active,
                    to_text(now),
                ),
            )
            member_id = int(cur.lastrowid or 0)
            self._db.executemany(
                "INSERT INTO card_keys VALUES (?, ?, ?)",
                [(c.key, c.tail, member_id) for c in cards],
            )
            self._db.executemany(
                "INSERT INTO access_tokens VALUES (?, ?)", [(t, member_id) for t in token_keys]
            )
        return self.member(member_id)

    def _check_unique(
        self, email: str, pin_key: str | None, cards: tuple[CardKey, ...], tokens: tuple[str, ...]
    ) -> None:
        if self._one("SELECT 1 FROM members WHERE email = ?", email):
            raise DuplicateError("Email", f"a member with email {email} is already enrolled")
        if pin_key is not None and self._one("SELECT 1 FROM members WHERE pin_key = ?", pin_key):
            raise DuplicateError("Pin", "this PIN is already enrolled for another member")
        if len({c.key for c in cards}) != len(cards):
            raise DuplicateError("AccessCardId", "the same card is given twice")
        for card in cards:
            if self._one("SELECT 1 FROM card_keys WHERE card_key = ?", card.key):
                raise DuplicateError("AccessCardId", f"card {card.masked} is already enrolled")
        for token in tokens:
            if self._one("SELECT 1 FROM access_tokens WHERE token_key = ?", token):
                raise DuplicateError("Token", "this access token is already enrolled")

    def member(self, member_id: int) -> Member:
        """A member by id."""
        row = self._one(rows.MEMBER_SELECT + " WHERE m.id = ?", member_id)
        if row is None:
            raise NotFoundError(f"no member with id {member_id}")
        return rows.member(row)

    def members(self) -> list[Member]:
        """Every member, by name."""
        found = self._db.execute(rows.MEMBER_SELECT + " ORDER BY m.full_name COLLATE NOCASE, m.id")
        return [rows.member(r) for r in found]

    def find_member(
        self,
        *,
        email: str | None = None,
        pin_key: str | None = None,
        card_key: str | None = None,
        token_key: str | None = None,
        mac_key: str | None = None,
    ) -> Member | None:
        """The member holding exactly one of the given credentials, if any."""
        if mac_key is not None:
            row = self._one(
                rows.MEMBER_SELECT + " WHERE m.id = "  # noqa: S608
                "(SELECT member_id FROM member_macs WHERE mac_key = ?)",
                mac_key,
            )
        elif email is not None:
            row = self._one(rows.MEMBER_SELECT + " WHERE m.email = ?", email)
        elif pin_key is not None:
            row = self._one(rows.MEMBER_SELECT + " WHERE m.pin_key = ?", pin_key)
        elif card_key is not None:
            row = self._one(
                rows.MEMBER_SELECT + " WHERE m.id = "  # noqa: S608
                "(SELECT member_id FROM card_keys WHERE card_key = ?)",
                card_key,
            )
        else:
            row = self._one(
                rows.MEMBER_SELECT + " WHERE m.id = "  # noqa: S608
                "(SELECT member_id FROM access_tokens WHERE token_key = ?)",
                token_key,
            )
        return rows.member(row) if row is not None else None

    def clear_cards(self) -> list[tuple[str, int]]:
        """Card ids still stored in clear (from before cards were hashed), with their members."""
        found = self._db.execute("SELECT card_id, member_id FROM access_cards")
        return [(r[0], r[1]) for r in found]

    def hash_cards(self, hashed: Iterable[tuple[CardKey, int]]) -> None:
        """Replace every card id stored in clear by its `hashed` form, in one transaction."""
        with self.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO card_keys VALUES (?, ?, ?)",
                [(c.key, c.tail, member_id) for c, member_id in hashed],
            )
            self._db.execute("DELETE FROM access_cards")

    def password_hash(self, member_id: int) -> str | None:
        """The stored password hash of a member."""
        row = self._one("SELECT password_hash FROM members WHERE id = ?", member_id)
        return row[0] if row is not None else None

    def remove_member(self, member_id: int) -> None:
        """Remove a member and their credentials; their check-ins stay, by name."""
        with self.transaction():
            self.member(member_id)
            self._db.execute("DELETE FROM members WHERE id = ?", (member_id,))

    def grant_passes(
        self, member_id: int, count: int, valid_from: date, valid_until: date | None, now: datetime
    ) -> str:
        """Give a member `count` day passes; returns the bundle's guid."""
        guid = str(uuid.uuid4())
        with self.transaction():
            self.member(member_id)
            self._db.execute(
                "INSERT INTO time_passes (guid, member_id, remaining, valid_from, valid_until,"
                " created_on) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    guid,
                    member_id,
                    count,
                    valid_from.isoformat(),
                    valid_until.isoformat() if valid_until else None,
                    to_text(now),
                ),
            )
        return guid
