"""Reports over a chosen range of local days: check-ins by day, member, plan and location,
occupancy by hour of day as a server-drawn SVG chart per location; and the exports (CSV and
JSON) of check-ins, failed check-ins and members, the same rows `kiosk checkins` prints.
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.server import occupancy
from kiosk.server import reports as rows
from kiosk.server.web.forms import FormError
from kiosk.server.web.pages import Parts, download, found

DEFAULT_DAYS = 30
LONGEST = 366 * 2  # days a report may span
EXPORTS = {
    "checkins": rows.CHECKIN_COLUMNS,
    "failed": rows.FAILED_COLUMNS,
    "members": rows.MEMBER_COLUMNS,
}
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def routes(parts: Parts) -> APIRouter:
    """``/admin/reports`` and ``/admin/export/{what}.{csv|json}``."""
    router = APIRouter(include_in_schema=False)
    store = parts.store

    def span(start: str, end: str) -> rows.Days:
        today = parts.clock().date()
        first, last = _day(start) or today - timedelta(days=DEFAULT_DAYS - 1), _day(end) or today
        if last < first:
            raise FormError("The range ends before it starts.")
        if (last - first).days >= LONGEST:
            raise FormError(f"A report spans at most {LONGEST} days.")
        return rows.Days(first, last)

    def where(location: str) -> int | None:
        return found(lambda: store.location(int(location))).id if location.isdigit() else None

    @router.get("/admin/reports")
    def page(request: Request, start: str = "", end: str = "", location: str = "") -> Response:
        signed = parts.signed(request)
        days, loc = span(start, end), where(location)
        summary = occupancy.summarise(store, days, parts.clock(), loc)
        assert days.first is not None
        assert days.last is not None
        length = (days.last - days.first).days + 1
        return parts.page(
            request, "reports.html", signed, days=days, length=length, location=loc,
            locations=store.locations(), total=summary.total, by_day=summary.by_day,
            by_member=summary.by_member, by_plan=summary.by_plan,
            by_location=summary.by_location, charts=_charts(summary),
            query=f"start={days.first}&end={days.last}&location={loc or ''}", note="",
        )  # fmt: skip

    @router.get("/admin/export/{what}.{fmt}")
    def export(
        request: Request, what: str, fmt: str, start: str = "", end: str = "", location: str = ""
    ) -> Response:
        parts.signed(request)
        if what not in EXPORTS or fmt not in MEDIA:
            raise FormError(f"No export {what}.{fmt}: checkins, failed or members, csv or json.")
        if what == "members":
            table = rows.member_rows(store.members())
            name = f"members.{fmt}"
        else:
            days, loc = span(start, end), where(location)
            if what == "checkins":
                table = rows.checkin_rows(rows.checkins(store, days, loc))
            else:
                table = rows.failed_rows(rows.failed(store, days, loc))
            name = f"{what}-{days.first}-{days.last}.{fmt}"
        body = rows.to_csv(table, EXPORTS[what]) if fmt == "csv" else rows.to_json(table)
        return download(body, MEDIA[fmt], name)

    return router


def _charts(summary: occupancy.Summary) -> list[tuple[str, str, str, str]]:
    """Per location: its name, its zone, the SVG of members present by hour, and the
    busiest hour in words (the chart has no scale)."""
    charts = []
    for place in summary.places:
        hours = place.hourly
        peak = max(range(24), key=lambda h: hours[h])
        busiest = f"Busiest at {peak:02d}:00, {hours[peak]:.1f} members present on average."
        title = f"Members present by hour of day at {place.name}"
        charts.append((place.name, place.zone, occupancy.bar_chart(hours, title), busiest))
    return charts


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise FormError(f"{text[:20]!r} is not a date like 2026-12-01") from None
