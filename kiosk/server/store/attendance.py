"""Attendance: what the rules need to know, sessions opened and closed, failed attempts."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kiosk.server import rules
from kiosk.server.store import rows
from kiosk.server.store.db import DuplicateError, NotFoundError
from kiosk.server.store.enrolment import Enrolment
from kiosk.server.store.models import (
    Answered,
    CheckinRecord,
    FailedCheckinRecord,
    Location,
    Member,
    Order,
    Origin,
    Page,
    Window,
    from_text,
    to_text,
)

R = TypeVar("R")
log = logging.getLogger(__name__)


class Attendance(Enrolment):
    """Check-ins and failed check-ins, on top of enrolment."""

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
            "SELECT id, expires_at, from_time FROM checkins"
            " WHERE member_id = ? AND to_time IS NULL",
            member.id,
        )
        auto = self._one(
            "SELECT max(closed_at) FROM checkins WHERE member_id = ? AND auto_checkout = 1",
            member.id,
        )
        return rules.MemberState(
            auto_closed_at=from_text(auto[0]) if auto is not None and auto[0] else None,
            active=member.active,
            plan=rows.plan_rule(plan) if plan is not None else None,
            plan_active=member.plan_active,
            passes=passes,
            pass_day_guid=day[0] if day is not None else None,
            plan_time_today=used,
            open_session=rules.OpenSession(
                open_row[0], from_text(open_row[1]) if open_row[1] else None, from_text(open_row[2])
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
        origin: Origin,
    ) -> int:
        """Write the check-in `decision` allows, consuming a pass if it says so; returns its id."""
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
                " source, device_id, from_time, expires_at, time_pass_guid, teams, tariff)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    member.id,
                    member.full_name,
                    location.id,
                    origin.source,
                    origin.device_id,
                    to_text(now),
                    to_text(decision.expires_at),
                    decision.pass_guid,
                    ", ".join(member.teams),
                    member.plan_name or "",
                ),
            )
        return int(cur.lastrowid or 0)

    def record_checkin(
        self, member: Member, location: Location, from_time: datetime, to_time: datetime | None
    ) -> int:
        """An admin's check-in (Source 1, Manual), open or closed; an open one stays open
        until closed (it has no expiry). A second open one is a `DuplicateError`."""
        try:
            with self.transaction():
                cur = self._db.execute(
                    "INSERT INTO checkins (unique_id, member_id, coworker_full_name,"
                    " location_id, source, from_time, to_time, teams, tariff)"
                    " VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
                    (
                        str(uuid.uuid4()),
                        member.id,
                        member.full_name,
                        location.id,
                        to_text(from_time),
                        to_text(to_time) if to_time is not None else None,
                        ", ".join(member.teams),
                        member.plan_name or "",
                    ),
                )
        except sqlite3.IntegrityError:
            raise DuplicateError("CoworkerId", "the member is checked in already") from None
        return int(cur.lastrowid or 0)

    def close_checkin(self, checkin_id: int, at: datetime, *, auto: bool = False) -> None:
        """Close an open check-in at `at`, never before it was opened (a clock set back
        between the two): then at its own opening time, and the log says so."""
        with self.transaction():
            row = self._one("SELECT from_time FROM checkins WHERE id = ?", checkin_id)
            if row is not None and from_text(row[0]) > at:
                log.warning(
                    "check-in %d closed at %s, before it opened at %s (the clock went back):"
                    " closed at its opening time",
                    checkin_id,
                    to_text(at),
                    row[0],
                )
                at = from_text(row[0])
            self._db.execute(
                "UPDATE checkins SET to_time = ?, auto_checkout = ?"
                " WHERE id = ? AND to_time IS NULL",
                (to_text(at), auto, checkin_id),
            )

    def answered(self, nonce: str) -> Answered | None:
        """The answer the check-in with `nonce` got, if one did."""
        row = self._one("SELECT * FROM answered WHERE nonce = ?", nonce)
        if row is None:
            return None
        expire = row["session_expire"]
        return Answered(
            from_text(row["answered_at"]),
            row["status"],
            row["member_name"],
            from_text(expire) if expire else None,
            row["reason"],
        )

    def remember_answer(self, nonce: str, answer: Answered) -> None:
        """Keep `answer` as the one the check-in with `nonce` gets."""
        expire = answer.session_expire
        self._db.execute(
            "INSERT INTO answered VALUES (?, ?, ?, ?, ?, ?)",
            (
                nonce,
                to_text(answer.answered_at),
                answer.status,
                answer.member_name,
                to_text(expire) if expire else None,
                answer.reason,
            ),
        )

    def forget_answers(self, before: datetime) -> int:
        """Drop the answers given before `before` (older replays are refused anyway)."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM answered WHERE answered_at < ?", (to_text(before),))
        return cur.rowcount

    def close_expired(self, now: datetime) -> int:
        """Auto-check-out every open check-in past its expiry; returns how many."""
        with self.transaction():
            cur = self._db.execute(
                "UPDATE checkins SET to_time = expires_at, auto_checkout = 1, closed_at = ?"
                " WHERE to_time IS NULL AND expires_at <= ?",
                (to_text(now), to_text(now)),
            )
        return cur.rowcount

    def pass_used(self, nonce: str) -> bool:
        """Whether the single-use pass with `nonce` has already opened a check-in."""
        return self._one("SELECT 1 FROM used_passes WHERE nonce = ?", nonce) is not None

    def use_pass(
        self, nonce: str, member: Member, checkin_id: int, expires_at: datetime, now: datetime
    ) -> None:
        """Remember that a single-use pass opened `checkin_id`."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO used_passes VALUES (?, ?, ?, ?, ?)",
                (nonce, member.id, checkin_id, to_text(now), to_text(expires_at)),
            )

    def forget_used_passes(self, before: datetime) -> int:
        """Drop the nonces of passes that expired before `before`; returns how many."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM used_passes WHERE expires_at < ?", (to_text(before),)
            )
        return cur.rowcount

    def record_failed(
        self,
        member: Member | None,
        location: Location,
        reason: str,
        description: str,
        now: datetime,
        origin: Origin,
    ) -> int:
        """Write a failed check-in; returns its id."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO failed_checkins (unique_id, member_id, coworker_full_name,"
                " location_id, source, device_id, attempt_time, reason, description, teams,"
                " tariff) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    member.id if member else None,
                    member.full_name if member else "",
                    location.id,
                    origin.source,
                    origin.device_id,
                    to_text(now),
                    reason,
                    description,
                    ", ".join(member.teams) if member else "",
                    (member.plan_name or "") if member else "",
                ),
            )
        return int(cur.lastrowid or 0)

    def forget_failed(self, before: datetime) -> int:
        """Drop failed check-ins attempted before `before`; how many."""
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM failed_checkins WHERE attempt_time < ?", (to_text(before),)
            )
        return cur.rowcount

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
        window: Window | None = None,
        order: Order = Order.ID,
        ascending: bool = False,
    ) -> Page[CheckinRecord]:
        """A page of check-ins in `window`, by `order`, latest first unless `ascending`."""
        w = window or Window()
        where, args = _filters(
            ("c.to_time IS NULL", None, open_only),
            ("c.location_id = ?", location_id, location_id is not None),
            ("c.member_id = ?", member_id, member_id is not None),
            ("c.from_time >= ?", _at(w.from_after), w.from_after is not None),
            ("c.from_time <= ?", _at(w.from_before), w.from_before is not None),
            ("c.to_time <= ?", _at(w.to_before), w.to_before is not None),
            (f"{_UPDATED} >= ?", _at(w.updated_after), w.updated_after is not None),
        )
        return self._page(
            rows.CHECKIN_SELECT,
            "checkins c",
            where,
            args,
            _ORDER[order],
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
        since: datetime | None = None,
        ascending: bool = False,
    ) -> Page[FailedCheckinRecord]:
        """A page of failed check-ins (attempted at `since` or later), newest first unless
        `ascending`."""
        where, args = _filters(
            ("f.location_id = ?", location_id, location_id is not None),
            ("f.member_id = ?", member_id, member_id is not None),
            ("f.attempt_time >= ?", _at(since), since is not None),
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
        way = "ASC" if ascending else "DESC"
        tie = f"{table.split()[-1]}.id"  # the table's alias
        found = self._db.execute(
            f"{select} {where} ORDER BY {key} {way}, {tie} {way} LIMIT ? OFFSET ?",
            [*args, size, (page - 1) * size],
        )
        return Page([convert(r) for r in found], page, size, int(total))


_UPDATED = "coalesce(c.to_time, c.from_time)"  # a check-in changes when it opens and closes
_ORDER = {
    Order.ID: "c.id",
    Order.FROM_TIME: "c.from_time",
    Order.TO_TIME: "c.to_time",
    Order.UPDATED_ON: _UPDATED,
}


def _at(moment: datetime | None) -> str | None:
    return to_text(moment) if moment is not None else None


def _filters(*clauses: tuple[str, Any, bool]) -> tuple[str, list[Any]]:
    used = [(sql, arg) for sql, arg, on in clauses if on]
    if not used:
        return "", []
    where = "WHERE " + " AND ".join(sql for sql, _ in used)
    return where, [arg for sql, arg in used if "?" in sql]
