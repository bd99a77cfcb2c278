"""Summaries of check-ins for staff: how many by local day, member, plan and location, and how
full a location is by hour of day, drawn as a small SVG bar chart (no JavaScript).

Times count in each location's own zone, in quarter hours (every zone's offset is a whole
number of them), so a member in from 09:00 to 11:30 adds 1 to 09:00 and 10:00 and 0.5 to 11:00.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from kiosk.server.reports import zone_of
from kiosk.server.store.models import CheckinRecord

QUARTER = timedelta(minutes=15)


def counts(
    records: Sequence[CheckinRecord], key: Callable[[CheckinRecord], str]
) -> list[tuple[str, int]]:
    """How many check-ins each `key` has, most first (then by key)."""
    found = collections.Counter(key(c) for c in records)
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))


def local_day(c: CheckinRecord) -> str:
    """The day a check-in started on, in its location's time (``2026-03-29``)."""
    return c.from_time.astimezone(zone_of(c.business_timezone)).date().isoformat()


def by_hour(records: Sequence[CheckinRecord], days: int, now: datetime) -> list[float]:
    """Members present on average in each hour of the day (0–23, local time) over `days`
    days; a session still open counts until `now`."""
    present = [0.0] * 24
    for c in records:
        zone = zone_of(c.business_timezone)
        end = c.to_time or now
        moment = c.from_time
        while moment < end:
            step = min(QUARTER - _into_quarter(moment), end - moment)
            present[moment.astimezone(zone).hour] += step / timedelta(hours=1)
            moment += step
    return [hours / max(1, days) for hours in present]


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


def _into_quarter(moment: datetime) -> timedelta:
    return timedelta(
        minutes=moment.minute % 15, seconds=moment.second, microseconds=moment.microsecond
    )
