"""Summaries of check-ins counted by SQLite, not row by row in Python: a year of 500 members
is ~130,000 sessions, which a report must sum in well under a second.

Times are stored in UTC; a location's local time is UTC plus its offset, which changes only at
the zone's transitions (summer time). The caller gives each location's offsets over the range
(`Span`), and the queries turn every time into *local minutes since 1970* with them:

    minutes since 1970 (UTC) + offset  →  the local day (÷ 1440), the minute of the day (mod 1440)

The minutes since 1970 are the check-ins' virtual columns ``from_min`` and ``to_min``, kept in
the index that reports read (`schema`), so they are computed once, when a row is written.

From the local minute each session starts and ends at, the minutes present in each hour of
the day follow without walking through the session (see `kiosk.server.occupancy.hourly`).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kiosk.server.store import rows
from kiosk.server.store.db import Database
from kiosk.server.store.models import CheckinRecord, to_text


@dataclasses.dataclass(frozen=True)
class Span:
    """One location's share of a report: check-ins that started in [start, end) (UTC), and
    the zone's offset in minutes from each moment on (the first from the start)."""

    location_id: int
    start: datetime
    end: datetime
    offsets: tuple[tuple[datetime, int], ...]
    days: tuple[tuple[int, datetime, datetime], ...] = ()  # local day (since 1970), its bounds


@dataclasses.dataclass(frozen=True)
class Tally:
    """What a report counts: check-ins by (location, local day), by member, by plan; and for
    each location how many sessions start and end at each local minute of the day, with the
    sum of their local day numbers (`occupancy.hourly` makes hours of them)."""

    by_day: list[tuple[int, int, int]]  # location id, local day (days since 1970), count
    by_member: list[tuple[str, int]]
    by_plan: list[tuple[str, int]]
    starts: dict[int, tuple[dict[int, int], int]]  # location → (minute of day → n, Σ days)
    ends: dict[int, tuple[dict[int, int], int]]


class Summaries(Database):
    """Check-ins over a range, whole and summed."""

    def checkins_between(
        self, after: datetime | None, before: datetime | None, location_id: int | None = None
    ) -> list[CheckinRecord]:
        """Every check-in that started in [after, before) (either end open), earliest first,
        in one query (an export of a year is one pass, not pages)."""
        where: list[str] = ["1"]
        args: list[Any] = []
        if after is not None:
            where.append("c.from_time >= ?")
            args.append(to_text(after))
        if before is not None:
            where.append("c.from_time < ?")
            args.append(to_text(before))
        if location_id is not None:
            where.append("c.location_id = ?")
            args.append(location_id)
        found = self._db.execute(
            rows.CHECKIN_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY c.from_time, c.id",
            args,
        )
        return [rows.checkin(r) for r in found]

    def tally(self, spans: Sequence[Span], now: datetime, top: int = 25) -> Tally:
        """Count the check-ins `spans` pick; a session still open ends `now`. Each location
        is read on its own: one range of the index each (an OR of ranges reads slower)."""
        members: collections.Counter[tuple[int | None, str]] = collections.Counter()
        plans: collections.Counter[str] = collections.Counter()
        starts: dict[int, tuple[dict[int, int], int]] = {}
        ends: dict[int, tuple[dict[int, int], int]] = {}
        for span in spans:
            picked, args = _picked(span, now)
            grouped = self._db.execute(  # members and plans in one pass: one sort, not two
                f"{picked} SELECT member_id, max(name), plan, count(*) FROM picked"  # noqa: S608
                " GROUP BY member_id, plan",
                args,
            ).fetchall()
            if not grouped:
                continue
            for member, name, plan, count in grouped:
                members[(member, name)] += count
                plans[plan] += count
            starts[span.location_id] = self._histogram(picked, args, "start")
            ends[span.location_id] = self._histogram(picked, args, "stop")
        ranked = sorted(members.items(), key=lambda item: (-item[1], item[0][1]))[:top]
        return Tally(
            self._by_day(spans),
            [(name, count) for (_, name), count in ranked],
            sorted(plans.items(), key=lambda item: (-item[1], item[0])),
            starts,
            ends,
        )

    def _by_day(self, spans: Sequence[Span]) -> list[tuple[int, int, int]]:
        """Check-ins by location and local day: one count over the index per day (a sort of
        every row would take longer)."""
        out = []
        for s in spans:
            for day, low, high in s.days:
                found = self._one(
                    "SELECT count(*) FROM checkins WHERE location_id = ?"
                    " AND from_time >= ? AND from_time < ?",
                    s.location_id, to_text(low), to_text(high),
                )  # fmt: skip
                if found is not None and found[0]:
                    out.append((s.location_id, day, int(found[0])))
        return out

    def _histogram(self, picked: str, args: list[Any], column: str) -> tuple[dict[int, int], int]:
        """How many sessions start (or end) at each local minute of the day, and the sum of
        their local days."""
        found = self._db.execute(
            f"{picked} SELECT {column} % 1440, count(*), sum({column} / 1440)"  # noqa: S608
            " FROM picked GROUP BY 1",
            args,
        ).fetchall()
        return {minute: count for minute, count, _ in found}, sum(days for _, _, days in found)


def _picked(span: Span, now: datetime) -> tuple[str, list[Any]]:
    """A CTE ``picked`` of the span's check-ins: member, name, plan, and local minutes since
    1970 of their start and their end (`now` for one still open).

    The offsets, the minutes they change at and `now` are written into the SQL as integers
    (a column used three times over would otherwise need its parameter three times)."""
    stop = f"coalesce(c.to_min, {_minutes(now)})"
    # our own integers (above), and placeholders
    sql = (
        "WITH picked AS (SELECT c.member_id, c.coworker_full_name AS name, c.tariff AS plan,"  # noqa: S608
        f" c.from_min + {_offset_case(span, 'c.from_min')} AS start,"
        f" {stop} + {_offset_case(span, stop)} AS stop"
        " FROM checkins c WHERE c.location_id = ? AND c.from_time >= ? AND c.from_time < ?)"
    )
    return sql, [span.location_id, to_text(span.start), to_text(span.end)]


def _offset_case(span: Span, column: str) -> str:
    """``CASE WHEN column < m1 THEN o0 WHEN column < m2 THEN o1 … ELSE on END``, or the one
    offset when it does not change."""
    if len(span.offsets) == 1:
        return str(int(span.offsets[0][1]))
    inner = ["CASE"]
    for (_, offset), (until, _) in zip(span.offsets, span.offsets[1:], strict=False):
        inner.append(f"WHEN {column} < {_minutes(until)} THEN {int(offset)}")
    inner.append(f"ELSE {int(span.offsets[-1][1])} END")
    return " ".join(inner)


def _minutes(moment: datetime) -> int:
    """Minutes since 1970 (UTC), as the ``from_min`` column has them."""
    return int(moment.timestamp()) // 60
