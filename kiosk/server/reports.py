"""Check-ins and failed check-ins over a range of days, in each location's own time, and the
exports (CSV, JSON) of them and of members: what ``kiosk checkins``, ``kiosk failed`` and
``kiosk members list`` print.

A day is a location's local day: 29 March 2026 in Paris is 23 hours long (summer time starts),
and a check-in at 00:30 there belongs to that day, whatever UTC says.

>>> from datetime import date
>>> start, end = local_bounds(ZoneInfo("Europe/Paris"), date(2026, 3, 29), date(2026, 3, 29))
>>> start.isoformat(), end.isoformat(), (end - start).total_seconds() / 3600
('2026-03-28T23:00:00+00:00', '2026-03-29T22:00:00+00:00', 23.0)
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.server.store import Store
from kiosk.server.store.models import (
    CheckinRecord,
    FailedCheckinRecord,
    Member,
    Page,
    Window,
)

T = TypeVar("T")
SOURCES = {0: "none", 1: "manual", 2: "door", 3: "wifi", 4: "kiosk", 5: "sensor"}
WIDEST_OFFSET = timedelta(hours=14)  # no zone is further from UTC: the query's safe margin


@dataclasses.dataclass(frozen=True)
class Days:
    """A range of local days, both ends included; None: open."""

    first: date | None = None
    last: date | None = None

    def holds(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether `moment` falls on one of these days where `zone` is."""
        day = moment.astimezone(zone).date()
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)

    def window(self) -> Window:
        """Bounds in UTC wide enough for every zone; `holds` then picks the rows."""
        after = _midnight(self.first) - WIDEST_OFFSET if self.first else None
        before = _midnight(self.last + timedelta(days=1)) + WIDEST_OFFSET if self.last else None
        return Window(from_after=after, from_before=before)


def local_bounds(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC moments where `first` starts and the day after `last` starts, in `zone`."""
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def zone_of(name: str) -> ZoneInfo:
    """A location's zone; UTC for a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def checkins(
    store: Store, days: Days, location_id: int | None = None, open_only: bool = False
) -> list[CheckinRecord]:
    """Every check-in that started on `days` in its location's time, earliest first."""
    window = days.window()
    found = store.checkins_between(window.from_after, window.from_before, location_id)
    return [
        c for c in found
        if days.holds(c.from_time, zone_of(c.business_timezone))
        and (c.to_time is None or not open_only)
    ]  # fmt: skip


def zone_offsets(
    zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[tuple[datetime, int], ...]:
    """`zone`'s offset from UTC in minutes from `start` on, and from each change up to `end`:
    ``((start, 60), (2026-03-29 01:00 UTC, 120), …)``. Changes are found day by day, then to
    the minute by halving (no zone changes twice in a day)."""

    def offset(moment: datetime) -> int:
        return int((moment.astimezone(zone).utcoffset() or timedelta()) / timedelta(minutes=1))

    found = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset(following) != found[-1][1]:
            low, high = day, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == found[-1][1] else (low, middle)
            found.append((high.replace(second=0, microsecond=0), offset(high)))
        day = following
    return tuple(found)


def failed(store: Store, days: Days, location_id: int | None = None) -> list[FailedCheckinRecord]:
    """Every failed check-in attempted on `days` in its location's time, oldest first."""
    since = days.window().from_after
    found = _all(
        lambda page: store.failed_checkins(
            page=page, size=500, location_id=location_id, since=since, ascending=True
        )
    )
    return [f for f in found if days.holds(f.attempt_time, zone_of(f.business_timezone))]


def local(moment: datetime | None, zone_name: str) -> str:
    """``2026-03-29 14:12 CEST`` in the location's zone; empty for no moment."""
    if moment is None:
        return ""
    return moment.astimezone(zone_of(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


CHECKIN_COLUMNS = ("id", "member_id", "member", "location_id", "location", "time_zone", "from",
                   "to", "auto_checkout", "source", "device", "plan")  # fmt: skip
FAILED_COLUMNS = ("id", "member_id", "member", "location_id", "location", "time_zone",
                  "attempted", "reason", "description", "source", "device")  # fmt: skip


def checkin_rows(records: Sequence[CheckinRecord]) -> list[dict[str, object]]:
    """One flat row per check-in, times in the location's zone with their offset."""
    return [
        {
            **_who_and_where(c),
            "from": _iso(c.from_time, c.business_timezone),
            "to": _iso(c.to_time, c.business_timezone),
            "auto_checkout": c.auto_checkout,
            **_how(c),
            "plan": c.tariff,
        }
        for c in records
    ]


def failed_rows(records: Sequence[FailedCheckinRecord]) -> list[dict[str, object]]:
    """One flat row per failed check-in, its time in the location's zone with its offset."""
    return [
        {
            **_who_and_where(f),
            "attempted": _iso(f.attempt_time, f.business_timezone),
            "reason": f.reason,
            "description": f.description,
            **_how(f),
        }
        for f in records
    ]


def _who_and_where(r: CheckinRecord | FailedCheckinRecord) -> dict[str, object]:
    return {
        "id": r.id,
        "member_id": r.coworker_id,
        "member": r.coworker_full_name,
        "location_id": r.business_id,
        "location": r.business_name,
        "time_zone": r.business_timezone,
    }


def _how(r: CheckinRecord | FailedCheckinRecord) -> dict[str, object]:
    return {"source": SOURCES.get(r.source, str(r.source)), "device": r.device_name or ""}


MEMBER_COLUMNS = ("id", "name", "email", "active", "teams", "plan", "plan_active", "pin",
                  "cards", "phone_tokens", "passes_left")  # fmt: skip


def member_rows(members: Sequence[Member]) -> list[dict[str, object]]:
    """One flat row per member; a card by its last four characters only, never a secret."""
    return [
        {
            "id": m.id,
            "name": m.full_name,
            "email": m.email,
            "active": m.active,
            "teams": ", ".join(m.teams),
            "plan": m.plan_name or "",
            "plan_active": m.plan_active,
            "pin": m.has_pin,
            "cards": " ".join(m.cards),
            "phone_tokens": m.tokens,
            "passes_left": m.passes_left,
        }
        for m in members
    ]


def to_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    """RFC 4180 CSV with a header row; a cell that a spreadsheet would run as a formula is
    quoted with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def to_json(rows: Sequence[dict[str, object]]) -> str:
    """A JSON array of the rows."""
    return json.dumps(list(rows), ensure_ascii=False, indent=1) + "\n"


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _iso(moment: datetime | None, zone_name: str) -> str:
    return moment.astimezone(zone_of(zone_name)).isoformat() if moment else ""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _all(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    page = 1
    while True:
        found = fetch(page)
        yield from found.records
        if page >= found.total_pages:
            return
        page += 1
