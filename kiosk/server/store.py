"""SQLite storage for the check-in server.

Only this module speaks SQL, so another database can be added beside it without touching
the rules. One `Store` wraps one connection (WAL, foreign keys on, a 5 s busy timeout so the
CLI can enrol members while the server runs). Errors::

    StoreError
     ├── DuplicateError   a PIN, card, token, email or name already enrolled
     └── NotFoundError    no such member, location or plan
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kiosk.server import rows, rules
from kiosk.server.models import (
    CheckinRecord,
    FailedCheckinRecord,
    Location,
    Member,
    Page,
    PlanRecord,
    from_text,
    to_text,
)
from kiosk.server.schema import MIGRATIONS


class StoreError(Exception):
    """A storage operation could not be done as asked."""


class DuplicateError(StoreError):
    """A unique value is already enrolled; `field` names it as Nexudus does."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(StoreError):
    """The record asked for does not exist."""


R = TypeVar("R")


class Store:
    """The server's database; `path` may be ``":memory:"`` for tests."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._migrate()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

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

    # Locations and plans

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
    ) -> PlanRecord:
        """Enrol a plan that admits its holders to `location_ids`."""
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
        return self.plan(plan_id)

    def plan(self, ident: int | str) -> PlanRecord:
        """A plan by id or by name."""
        column = "id" if isinstance(ident, int) else "name"
        row = self._one(f"SELECT * FROM plans WHERE {column} = ?", ident)  # noqa: S608
        if row is None:
            raise NotFoundError(f"no plan {ident!r}")
        locs = self._db.execute(
            "SELECT location_id FROM plan_locations WHERE plan_id = ?", (row["id"],)
        )
        return PlanRecord(
            id=row["id"],
            name=row["name"],
            location_ids=frozenset(r[0] for r in locs),
            days=frozenset(int(d) for d in row["days"]),
            opens=rows.parse_hhmm(row["opens"]),
            closes=rows.parse_hhmm(row["closes"]),
            daily_limit_minutes=row["daily_limit_minutes"],
        )

    def plans(self) -> list[PlanRecord]:
        """Every plan."""
        return [self.plan(int(r[0])) for r in self._db.execute("SELECT id FROM plans ORDER BY id")]

    # Members

    def add_member(
        self,
        *,
        full_name: str,
        email: str,
        now: datetime,
        password_hash: str | None = None,
        pin_key: str | None = None,
        cards: Iterable[str] = (),
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
                "INSERT INTO access_cards VALUES (?, ?)", [(c, member_id) for c in cards]
            )
            self._db.executemany(
                "INSERT INTO access_tokens VALUES (?, ?)", [(t, member_id) for t in token_keys]
            )
        return self.member(member_id)

    def _check_unique(
        self, email: str, pin_key: str | None, cards: tuple[str, ...], tokens: tuple[str, ...]
    ) -> None:
        if self._one("SELECT 1 FROM members WHERE email = ?", email):
            raise DuplicateError("Email", f"a member with email {email} is already enrolled")
        if pin_key is not None and self._one("SELECT 1 FROM members WHERE pin_key = ?", pin_key):
            raise DuplicateError("Pin", "this PIN is already enrolled for another member")
        if len(set(cards)) != len(cards):
            raise DuplicateError("AccessCardId", "the same card is given twice")
        for card in cards:
            if self._one("SELECT 1 FROM access_cards WHERE card_id = ?", card):
                raise DuplicateError("AccessCardId", f"card {card} is already enrolled")
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
        card: str | None = None,
        token_key: str | None = None,
    ) -> Member | None:
        """The member holding exactly one of the given credentials, if any."""
        if email is not None:
            row = self._one(rows.MEMBER_SELECT + " WHERE m.email = ?", email)
        elif pin_key is not None:
            row = self._one(rows.MEMBER_SELECT + " WHERE m.pin_key = ?", pin_key)
        elif card is not None:
            row = self._one(
                rows.MEMBER_SELECT + " WHERE m.id = "  # noqa: S608
                "(SELECT member_id FROM access_cards WHERE card_id = ?)",
                card,
            )
        else:
            row = self._one(
                rows.MEMBER_SELECT + " WHERE m.id = "  # noqa: S608
                "(SELECT member_id FROM access_tokens WHERE token_key = ?)",
                token_key,
            )
        return rows.member(row) if row is not None else None

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

    # Check-ins

    def member_state(self, member: Member, location: Location, now: datetime) -> rules.MemberState:
        """What the rules need to decide for `member` at `location` now."""
        tz = ZoneInfo(location.timezone)
        local_day = now.astimezone(tz).date()
        day_start = datetime.combine(local_day, time(0, 0), tzinfo=tz).astimezone(UTC)
        plan = self.plan(member.plan_id) if member.plan_id is not None else None
        passes = tuple(
            rules.TimePass(
                r["id"],
                r["guid"],
                r["remaining"],
                date.fromisoformat(r["valid_from"]),
                date.fromisoformat(r["valid_until"]) if r["valid_until"] else None,
            )
            for r in self._db.execute("SELECT * FROM time_passes WHERE member_id = ?", (member.id,))
        )
        day = self._one(
            "SELECT pass_guid FROM pass_days WHERE member_id = ? AND day = ?",
            member.id,
            local_day.isoformat(),
        )
        used = timedelta(0)
        for r in self._db.execute(
            "SELECT from_time, to_time FROM checkins WHERE member_id = ? AND time_pass_guid IS NULL"
            " AND (to_time IS NULL OR to_time > ?)",
            (member.id, to_text(day_start)),
        ):
            start = max(from_text(r[0]), day_start)
            end = min(from_text(r[1]) if r[1] else now, now)
            used += max(end - start, timedelta(0))
        open_row = self._one(
            "SELECT id, expires_at FROM checkins WHERE member_id = ? AND to_time IS NULL", member.id
        )
        return rules.MemberState(
            active=member.active,
            plan=rows.plan_rule(plan) if plan is not None else None,
            plan_active=member.plan_active,
            passes=passes,
            pass_day_guid=day[0] if day is not None else None,
            plan_time_today=used,
            open_session=rules.OpenSession(
                open_row[0], from_text(open_row[1]) if open_row[1] else None
            )
            if open_row is not None
            else None,
        )

    def open_checkin(
        self,
        member: Member,
        location: Location,
        decision: rules.CheckIn,
        now: datetime,
        source: int,
    ) -> CheckinRecord:
        """Write the check-in `decision` allows, consuming a pass if it says so."""
        with self.transaction():
            if decision.new_pass is not None:
                local_day = now.astimezone(ZoneInfo(location.timezone)).date()
                self._db.execute(
                    "UPDATE time_passes SET remaining = remaining - 1 WHERE id = ?",
                    (decision.new_pass.id,),
                )
                self._db.execute(
                    "INSERT INTO pass_days VALUES (?, ?, ?)",
                    (member.id, local_day.isoformat(), decision.new_pass.guid),
                )
            cur = self._db.execute(
                "INSERT INTO checkins (unique_id, member_id, coworker_full_name, location_id,"
                " source, from_time, expires_at, time_pass_guid, teams, tariff)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    member.id,
                    member.full_name,
                    location.id,
                    source,
                    to_text(now),
                    to_text(decision.expires_at),
                    decision.pass_guid,
                    ", ".join(member.teams),
                    member.plan_name or "",
                ),
            )
        return self.checkin(int(cur.lastrowid or 0))

    def close_checkin(self, checkin_id: int, at: datetime, *, auto: bool = False) -> CheckinRecord:
        """Close an open check-in at `at`."""
        with self.transaction():
            self._db.execute(
                "UPDATE checkins SET to_time = ?, auto_checkout = ?"
                " WHERE id = ? AND to_time IS NULL",
                (to_text(at), auto, checkin_id),
            )
        return self.checkin(checkin_id)

    def close_expired(self, now: datetime) -> int:
        """Auto-check-out every open check-in past its expiry; returns how many."""
        with self.transaction():
            cur = self._db.execute(
                "UPDATE checkins SET to_time = expires_at, auto_checkout = 1"
                " WHERE to_time IS NULL AND expires_at <= ?",
                (to_text(now),),
            )
        return cur.rowcount

    def record_failed(
        self,
        member: Member | None,
        location: Location,
        reason: str,
        description: str,
        now: datetime,
        source: int,
    ) -> FailedCheckinRecord:
        """Write a failed check-in."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO failed_checkins (unique_id, member_id, coworker_full_name,"
                " location_id, source, attempt_time, reason, description, teams, tariff)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    member.id if member else None,
                    member.full_name if member else "",
                    location.id,
                    source,
                    to_text(now),
                    reason,
                    description,
                    ", ".join(member.teams) if member else "",
                    (member.plan_name or "") if member else "",
                ),
            )
        row = self._one(rows.FAILED_SELECT + " WHERE f.id = ?", cur.lastrowid)
        assert row is not None
        return rows.failed(row)

    def checkin(self, checkin_id: int) -> CheckinRecord:
        """A check-in by id."""
        row = self._one(rows.CHECKIN_SELECT + " WHERE c.id = ?", checkin_id)
        if row is None:
            raise NotFoundError(f"no check-in with id {checkin_id}")
        return rows.checkin(row)

    def checkins(
        self,
        *,
        page: int = 1,
        size: int = 25,
        open_only: bool = False,
        location_id: int | None = None,
        member_id: int | None = None,
        ascending: bool = False,
    ) -> Page[CheckinRecord]:
        """A page of check-ins, newest first unless `ascending`."""
        where, args = _filters(
            ("c.to_time IS NULL", None, open_only),
            ("c.location_id = ?", location_id, location_id is not None),
            ("c.member_id = ?", member_id, member_id is not None),
        )
        return self._page(
            rows.CHECKIN_SELECT,
            "checkins c",
            where,
            args,
            "c.id",
            ascending,
            page,
            size,
            rows.checkin,
        )

    def failed_checkins(
        self,
        *,
        page: int = 1,
        size: int = 25,
        location_id: int | None = None,
        member_id: int | None = None,
        ascending: bool = False,
    ) -> Page[FailedCheckinRecord]:
        """A page of failed check-ins, newest first unless `ascending`."""
        where, args = _filters(
            ("f.location_id = ?", location_id, location_id is not None),
            ("f.member_id = ?", member_id, member_id is not None),
        )
        return self._page(
            rows.FAILED_SELECT,
            "failed_checkins f",
            where,
            args,
            "f.id",
            ascending,
            page,
            size,
            rows.failed,
        )

    def failed_checkin(self, failed_id: int) -> FailedCheckinRecord:
        """A failed check-in by id."""
        row = self._one(rows.FAILED_SELECT + " WHERE f.id = ?", failed_id)
        if row is None:
            raise NotFoundError(f"no failed check-in with id {failed_id}")
        return rows.failed(row)

    def _page(
        self,
        select: str,
        table: str,
        where: str,
        args: list[Any],
        key: str,
        ascending: bool,
        page: int,
        size: int,
        convert: Callable[[sqlite3.Row], R],
    ) -> Page[R]:
        total = self._db.execute(f"SELECT count(*) FROM {table} {where}", args).fetchone()[0]  # noqa: S608
        order = "ASC" if ascending else "DESC"
        found = self._db.execute(
            f"{select} {where} ORDER BY {key} {order} LIMIT ? OFFSET ?",
            [*args, size, (page - 1) * size],
        )
        return Page([convert(r) for r in found], page, size, int(total))


def _filters(*clauses: tuple[str, Any, bool]) -> tuple[str, list[Any]]:
    used = [(sql, arg) for sql, arg, on in clauses if on]
    if not used:
        return "", []
    where = "WHERE " + " AND ".join(sql for sql, _ in used)
    return where, [arg for sql, arg in used if "?" in sql]
