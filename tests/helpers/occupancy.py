"""The reference for `kiosk.server.occupancy.summarise`: the same counts made row by row over
check-in records, stepping through each session quarter hour by quarter hour (every zone's
offset is a whole number of quarter hours)."""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

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


def _into_quarter(moment: datetime) -> timedelta:
    return timedelta(
        minutes=moment.minute % 15, seconds=moment.second, microseconds=moment.microsecond
    )
