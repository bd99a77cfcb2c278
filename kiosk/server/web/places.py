"""Plans (the locations they admit to, their days and opening hours, a daily limit) and
locations (a name and an IANA time zone chosen from the list this machine knows).
"""

from __future__ import annotations

import collections
from datetime import time
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.server import rules
from kiosk.server.store import StoreError
from kiosk.server.store.models import PlanRecord
from kiosk.server.store.rows import plan_rule as rules_plan
from kiosk.server.web.forms import Form, FormError
from kiosk.server.web.pages import Parts, RefusedError, found, go

DAYS = ((1, "Monday"), (2, "Tuesday"), (3, "Wednesday"), (4, "Thursday"), (5, "Friday"),
        (6, "Saturday"), (7, "Sunday"))  # fmt: skip


def routes(parts: Parts) -> APIRouter:
    """``/admin/plans[/…]`` and ``/admin/locations[/…]``."""
    router = APIRouter(include_in_schema=False)
    store = parts.store
    zones = sorted(z for z in available_timezones() if "/" in z or z == "UTC")

    @router.get("/admin/plans")
    def plans(request: Request) -> Response:
        signed = parts.signed(request)
        return parts.page(
            request, "plans.html", signed, plans=store.plans(), locations=store.locations(),
            days=DAYS, hhmm=_hhmm, window=_window, note=request.query_params.get("note", ""),
        )  # fmt: skip

    @router.post("/admin/plans")
    async def add_plan(request: Request) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        plan = _plan(form)
        try:
            store.add_plan(plan.name, plan.location_ids, plan.days, plan.opens, plan.closes,
                           plan.daily_limit_minutes, plan.hours)  # fmt: skip
        except StoreError as exc:
            raise RefusedError(str(exc)) from None
        return go("/admin/plans", f"Plan {plan.name} is added.")

    @router.post("/admin/plans/{plan_id}")
    async def edit_plan(request: Request, plan_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        plan = _plan(form)
        try:
            found(lambda: store.update_plan(
                plan_id, name=plan.name, location_ids=plan.location_ids, days=plan.days,
                opens=plan.opens, closes=plan.closes, daily_limit_minutes=plan.daily_limit_minutes,
                hours=plan.hours,
            ))  # fmt: skip
        except StoreError as exc:
            raise RefusedError(str(exc)) from None
        return go("/admin/plans", f"Plan {plan.name} is saved.")

    @router.get("/admin/locations")
    def locations(request: Request) -> Response:
        signed = parts.signed(request)
        return parts.page(
            request, "locations.html", signed, locations=store.locations(), zones=zones,
            note=request.query_params.get("note", ""),
        )  # fmt: skip

    @router.post("/admin/locations")
    async def add_location(request: Request) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        name, zone = _place(form, zones)
        try:
            store.add_location(name, zone, parts.clock())
        except StoreError as exc:
            raise RefusedError(str(exc)) from None
        return go("/admin/locations", f"Location {name} is added.")

    @router.post("/admin/locations/{location_id}")
    async def edit_location(request: Request, location_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        name, zone = _place(form, zones)
        try:
            found(lambda: store.update_location(location_id, name, zone))
        except StoreError as exc:
            raise RefusedError(str(exc)) from None
        return go("/admin/locations", f"Location {name} is saved.")

    return router


def _plan(form: Form) -> PlanRecord:
    """A plan as the form describes it (its id unused): the hours most of its open days
    share are the plan's, the other days' are their own."""
    windows: dict[int, tuple[time, time]] = {}
    for day, name in DAYS:
        if form.flag(f"open{day}"):
            opens = form.clock(f"opens{day}", f"{name} opens")
            closes = form.clock(f"closes{day}", f"{name} closes")
            if closes != rules.END_OF_DAY and closes <= opens:
                raise FormError(f"{name}: it must close after it opens (24:00: the day's end)")
            windows[day] = (opens, closes)
    if not windows:
        raise FormError("Days: open the plan on one day of the week at least")
    shared = collections.Counter(windows.values()).most_common(1)[0][0]
    days = frozenset(d for d, w in windows.items() if w == shared)
    hours = tuple((d, *w) for d, w in sorted(windows.items()) if w != shared)
    locations = frozenset(int(n) for n in form.all("location") if n.isdigit())
    if not locations:
        raise FormError("Locations: choose at least one location")
    return PlanRecord(
        id=0,
        name=form.required("name", "Name")[:100],
        location_ids=locations,
        days=days,
        opens=shared[0],
        closes=shared[1],
        daily_limit_minutes=form.number("limit", 1, 24 * 60),
        hours=hours,
    )


def _place(form: Form, zones: list[str]) -> tuple[str, str]:
    name, zone = form.required("name", "Name")[:100], form.text("timezone")
    if zone not in zones:
        raise FormError(f"Time zone: {zone[:60]!r} is not one this server knows")
    return name, zone


def _window(plan: PlanRecord | None, day: int) -> tuple[str, str] | None:
    """A plan's opening and closing on ISO `day` as the form shows them; None: closed."""
    if plan is None:
        return ("00:00", "24:00")
    window = rules_plan(plan).window(day)
    return (window[0].strftime("%H:%M"), _hhmm(window[1])) if window else None


def _hhmm(moment: time) -> str:
    return "24:00" if moment == rules.END_OF_DAY else moment.strftime("%H:%M")
