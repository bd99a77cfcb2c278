"""Who's in now, per location, kept live (the page's script fetches the list every few
seconds); staff check a member out; the latest failed check-ins with their reasons and the
device they came from.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.server.store.models import Location
from kiosk.server.web.pages import Parts, RefusedError, found, go

log = logging.getLogger(__name__)
LIVE_SECONDS = 3  # how often the page asks again
FAILED_SHOWN = 15


def routes(parts: Parts) -> APIRouter:
    """``/admin/whosin``, its live list, check-out, and ``/admin/failed``."""
    router = APIRouter(include_in_schema=False)
    store = parts.store

    def chosen(location: str) -> Location | None:
        return found(lambda: store.location(int(location))) if location.isdigit() else None

    def live_context(location: Location | None) -> dict[str, Any]:
        where = location.id if location else None
        present = store.checkins(open_only=True, location_id=where, size=1000).records
        failed = store.failed_checkins(location_id=where, size=FAILED_SHOWN).records
        return {"present": sorted(present, key=lambda c: c.coworker_full_name.casefold()),
                "failed": failed, "location": location}  # fmt: skip

    @router.get("/admin/whosin")
    def page(request: Request, location: str = "") -> Response:
        signed = parts.signed(request)
        where = chosen(location)
        query = f"?location={where.id}" if where else ""
        return parts.page(
            request, "whosin.html", signed, locations=store.locations(),
            live=f"/admin/whosin/live{query}", live_seconds=LIVE_SECONDS,
            note=request.query_params.get("note", ""), back=f"/admin/whosin{query}",
            **live_context(where),
        )  # fmt: skip

    @router.get("/admin/whosin/live")
    def live(request: Request, location: str = "") -> Response:
        signed = parts.signed(request)
        where = chosen(location)
        query = f"?location={where.id}" if where else ""
        return parts.page(
            request, "whosin_live.html", signed, back=f"/admin/whosin{query}",
            **live_context(where),
        )  # fmt: skip

    @router.post("/admin/whosin/{checkin_id}/checkout")
    async def checkout(request: Request, checkin_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        record = found(lambda: store.checkin(checkin_id))
        if record.to_time is not None:
            raise RefusedError(f"{record.coworker_full_name} is already checked out.", 409)
        store.close_checkin(checkin_id, parts.clock())
        log.info("admin %d checked out check-in %d", signed.admin.id, checkin_id)
        back = form.text("back")
        back = back if back.startswith("/admin/whosin") else "/admin/whosin"
        return go(back, f"{record.coworker_full_name} is checked out.")

    @router.get("/admin/failed")
    def failed(request: Request, location: str = "", page: int = 1) -> Response:
        signed = parts.signed(request)
        where = chosen(location)
        shown = store.failed_checkins(
            location_id=where.id if where else None, page=max(1, page), size=50
        )
        return parts.page(
            request, "failed.html", signed, failed=shown, locations=store.locations(),
            location=where, note="",
        )  # fmt: skip

    return router
