"""kiosk.server.occupancy: counts by local day, member and plan and presence by local hour,
counted by SQLite and checked against a row-by-row reference (`tests.helpers.occupancy`) over
stored check-ins across summer time changes and half-hour zones; the SVG chart."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.server.occupancy import bar_chart, summarise
from kiosk.server.reports import Days, checkins
from kiosk.server.store import Store
from kiosk.server.store.models import CheckinRecord
from tests.helpers.occupancy import by_hour, counts, local_day


def checkin(who: str, start: str, end: str | None, zone: str = "Europe/Paris") -> CheckinRecord:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    return CheckinRecord(
        id=1, unique_id="u", coworker_id=1, coworker_full_name=who, business_id=1,
        business_name="Main Street", business_timezone=zone, source=4, from_time=at(start),
        to_time=at(end) if end else None, expires_at=None, auto_checkout=False,
        time_pass_guid=None, teams="", tariff="Resident" if who == "Ada" else "Day pass",
    )  # fmt: skip


def test_counts_by_local_day_member_and_plan() -> None:
    records = [
        checkin("Ada", "2026-03-28T23:30", "2026-03-29T01:00"),  # 00:30 on the 29th in Paris
        checkin("Ada", "2026-03-29T08:00", "2026-03-29T09:00"),
        checkin("Ben", "2026-03-28T22:30", "2026-03-28T23:00"),  # 23:30 on the 28th
    ]
    assert counts(records, local_day) == [("2026-03-29", 2), ("2026-03-28", 1)]
    assert counts(records, lambda c: c.coworker_full_name) == [("Ada", 2), ("Ben", 1)]
    assert counts(records, lambda c: c.tariff) == [("Resident", 2), ("Day pass", 1)]


def test_presence_by_local_hour_counts_quarter_hours() -> None:
    # 09:00-11:30 CET (08:00-10:30 UTC) on one day
    hours = by_hour([checkin("Ada", "2026-03-02T08:00", "2026-03-02T10:30")], 1, datetime.now(UTC))
    assert hours[9] == hours[10] == 1.0
    assert hours[11] == 0.5
    assert sum(hours) == 2.5
    # over two days, the same visit is half a member on average
    assert by_hour([checkin("Ada", "2026-03-02T08:00", "2026-03-02T09:00")], 2, datetime.now(UTC))[
        9
    ] == pytest.approx(0.5)


def test_across_the_spring_forward_the_missing_hour_holds_nobody() -> None:
    # 01:30 CET to 03:30 CEST on 29 March 2026 is one hour of real time; 02:xx does not exist
    hours = by_hour([checkin("Ada", "2026-03-29T00:30", "2026-03-29T01:30")], 1, datetime.now(UTC))
    assert (hours[1], hours[2], hours[3]) == (0.5, 0.0, 0.5)


def test_an_open_session_counts_until_now_and_half_hour_zones_land_in_their_hour() -> None:
    now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    hours = by_hour([checkin("Ada", "2026-03-02T04:00", None, "Asia/Kolkata")], 1, now)
    assert (hours[9], hours[10]) == (0.5, 0.5)  # 09:30-10:30 IST


def test_the_chart_is_svg_with_a_bar_and_a_label_per_hour() -> None:
    values = [0.0] * 24
    values[9], values[10] = 4.0, 2.0
    svg = bar_chart(values, 'Main Street <"busy">')
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    ns = "{http://www.w3.org/2000/svg}"
    bars = root.findall(f"{ns}rect")
    assert len(bars) == 24
    assert float(bars[9].attrib["height"]) == 2 * float(bars[10].attrib["height"]) > 0
    assert float(bars[0].attrib["height"]) == 0
    assert [t.text for t in root.findall(f"{ns}text")][:3] == ["00", "01", "02"]
    assert root.attrib["aria-label"] == 'Main Street <"busy">'
    assert bar_chart([0.0] * 24, "empty").count("<rect") == 24  # nothing to scale by: no error


def _stored(zones: dict[str, str], first: date, days: int, seed: int) -> tuple[Store, datetime]:
    """A store with locations in `zones` and random day-time sessions on `days` days from
    `first` (every local day, whole minutes, some still open at the end); its `now`."""
    store, rng = Store(":memory:"), random.Random(seed)
    made = datetime(2020, 1, 1, tzinfo=UTC)
    for name, zone in zones.items():
        store.add_location(name, zone, made)
    store.add_plan("Resident", [p.id for p in store.locations()])
    people = [store.add_member(full_name=f"M{i}", email=f"m{i}@x.io", now=made,
                               plan="Resident" if i % 3 else None) for i in range(12)]  # fmt: skip
    now = datetime.combine(first + timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    for place in store.locations():
        here = ZoneInfo(place.timezone)
        for day in range(days):
            local = datetime.combine(first + timedelta(days=day), datetime.min.time(), tzinfo=here)
            for member in rng.sample(people, 4):
                start = local + timedelta(hours=7, minutes=rng.randrange(0, 5 * 60))
                end = start + timedelta(minutes=rng.randrange(10, 9 * 60))
                open_now = day == days - 1 and member is people[0]
                store.record_checkin(member, place, start.astimezone(UTC),
                                     None if open_now else end.astimezone(UTC))  # fmt: skip
    return store, now


@pytest.mark.parametrize(
    ("zones", "first"),
    [
        ({"Paris": "Europe/Paris", "Kolkata": "Asia/Kolkata"}, date(2026, 3, 20)),  # spring
        ({"Paris": "Europe/Paris", "Adelaide": "Australia/Adelaide"}, date(2026, 10, 15)),
        ({"Chatham": "Pacific/Chatham", "St John's": "America/St_Johns"}, date(2026, 3, 1)),
    ],
    ids=["spring-forward+05:30", "fall-back+southern-dst", "+12:45+-03:30"],
)
def test_the_summary_counts_as_the_reference_does(zones: dict[str, str], first: date) -> None:
    days = 21
    store, now = _stored(zones, first, days, seed=len(zones) + first.toordinal())
    span = Days(first, first + timedelta(days=days - 1))
    records = checkins(store, span)
    summary = summarise(store, span, now)
    assert summary.total == len(records)
    assert summary.by_day == sorted(counts(records, local_day))
    assert summary.by_member == counts(records, lambda c: c.coworker_full_name)[:25]
    assert summary.by_plan == [(p or "—", n) for p, n in counts(records, lambda c: c.tariff)]
    assert summary.by_location == counts(records, lambda c: c.business_name)
    for place in summary.places:
        mine = [c for c in records if c.business_name == place.name]
        assert place.hourly == pytest.approx(by_hour(mine, days, now), abs=1e-9)


def test_a_range_of_one_location_leaves_the_others_out() -> None:
    store, now = _stored({"Paris": "Europe/Paris", "Kolkata": "Asia/Kolkata"}, date(2026, 5, 4),
                         3, seed=7)  # fmt: skip
    paris = store.location("Paris")
    summary = summarise(store, Days(date(2026, 5, 4), date(2026, 5, 6)), now, paris.id)
    assert [name for name, _ in summary.by_location] == ["Paris"]
    assert [p.name for p in summary.places] == ["Paris"]
    assert summary.total == 12
