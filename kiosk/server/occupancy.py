"""Summaries of check-ins for staff: how many by local day, member, plan and location, and how
full a location is by hour of day, drawn as a small SVG bar chart (no JavaScript).

Times count in each location's own zone, so a member in from 09:00 to 11:30 adds 1 to 09:00
and 10:00 and 0.5 to 11:00. SQLite does the counting (`store.summaries`): a year of 500
members is ~130,000 sessions. A session that spans a change of offset (at night, when summer
time starts or ends) counts the hours its location's clock showed, not the hours that passed.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from kiosk.server.reports import Days, local_bounds, zone_of, zone_offsets
from kiosk.server.store import Store
from kiosk.server.store.summaries import Span, Tally


@dataclasses.dataclass(frozen=True)
class Place:
    """One location's part of a summary: members present by local hour of day."""

    name: str
    zone: str
    hourly: list[float]


@dataclasses.dataclass(frozen=True)
class Summary:
    """A report's counts over a range of local days."""

    total: int
    by_day: list[tuple[str, int]]  # local day (ISO), check-ins that started on it
    by_member: list[tuple[str, int]]
    by_plan: list[tuple[str, int]]
    by_location: list[tuple[str, int]]
    places: list[Place]


def summarise(
    store: Store, days: Days, now: datetime, location_id: int | None = None, top: int = 25
) -> Summary:
    """Check-ins that started on `days` (both ends set), each in its location's time, counted
    by SQLite; the `top` members by count."""
    assert days.first is not None
    assert days.last is not None
    length = (days.last - days.first).days + 1
    places = [p for p in store.locations() if location_id is None or p.id == location_id]
    spans = []
    for place in places:
        start, end = local_bounds(zone_of(place.timezone), days.first, days.last)
        zone = zone_of(place.timezone)
        offsets = zone_offsets(zone, start, max(end, now))
        spans.append(Span(place.id, start, end, offsets, _days(zone, days.first, days.last)))
    tally = store.tally(spans, now, top)
    by_day: collections.Counter[str] = collections.Counter()
    by_location: collections.Counter[int] = collections.Counter()
    for place_id, day, count in tally.by_day:
        by_day[(date(1970, 1, 1) + timedelta(days=day)).isoformat()] += count
        by_location[place_id] += count
    names = {p.id: p for p in places}
    return Summary(
        total=sum(by_location.values()),
        by_day=sorted(by_day.items()),
        by_member=tally.by_member,
        by_plan=[(plan or "—", n) for plan, n in tally.by_plan],
        by_location=sorted(
            ((names[p].name, n) for p, n in by_location.items()), key=lambda i: (-i[1], i[0])
        ),
        places=[
            Place(names[p].name, names[p].timezone, hourly(tally, p, length))
            for p in sorted(by_location, key=lambda p: names[p].name)
        ],
    )


def _days(zone: ZoneInfo, first: date, last: date) -> tuple[tuple[int, datetime, datetime], ...]:
    """Each local day from `first` to `last`: its number since 1970 and its bounds in UTC."""
    out = []
    day = first
    while day <= last:
        low, high = local_bounds(zone, day, day)
        out.append(((day - date(1970, 1, 1)).days, low, high))
        day += timedelta(days=1)
    return tuple(out)


def hourly(tally: Tally, location_id: int, days: int) -> list[float]:
    """Members present on average in each local hour of the day over `days` days, from when
    the location's sessions start and end (local minutes since 1970, as histograms).

    The minutes of hour h before local minute t are 60 for every whole day before t, plus
    those of h on t's own day; a session holds those before its end less those before its
    start, so the sums over the histograms give every hour at once.
    """
    starts, start_days = tally.starts.get(location_id, ({}, 0))
    ends, end_days = tally.ends.get(location_id, ({}, 0))
    present = []
    for hour in range(24):
        low = hour * 60

        def within(histogram: dict[int, int], low: int = low) -> int:
            return sum(n * min(max(minute - low, 0), 60) for minute, n in histogram.items())

        minutes = 60 * (end_days - start_days) + within(ends) - within(starts)
        present.append(minutes / 60 / max(1, days))
    return present


def bar_chart(values: Sequence[float], title: str, width: int = 720, height: int = 240) -> str:
    """An SVG bar chart of 24 hourly values, labelled 00–23, with `title` for screen readers."""
    top = max(values, default=0) or 1.0
    bar = width / len(values)
    plot = height - 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
    ]
    for hour, value in enumerate(values):
        tall = round(plot * value / top, 1)
        x = round(hour * bar + 2, 1)
        parts.append(
            f'<rect x="{x}" y="{round(plot - tall, 1)}" width="{round(bar - 4, 1)}" '
            f'height="{tall}"><title>{hour:02d}:00 {value:.1f}</title></rect>'
        )
        parts.append(
            f'<text x="{round(x + bar / 2 - 2, 1)}" y="{height - 6}" '
            f'text-anchor="middle" font-size="12">{hour:02d}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
