"""Kiosks and other paired devices: online, or offline since when, with what their last
heartbeat said; add one (its pairing code shown once), rename, revoke, and push settings
(mode, language, branding) that a kiosk applies at its next heartbeat.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.server.devices import KINDS, PUSHED, online
from kiosk.server.store.models import Device, DeviceSettings, Seen
from kiosk.server.web.pages import Parts, RefusedError, found, go
from kiosk.server.web.sessions import Signed

log = logging.getLogger(__name__)
CHOICES = {
    "kiosk.mode": ("toggle", "in", "out", "ask"),
    "kiosk.language": ("en", "de", "fr", "es"),
}


@dataclasses.dataclass(frozen=True)
class Row:
    """A device as the page shows it."""

    device: Device
    seen: Seen | None
    online: bool
    settings: DeviceSettings

    @property
    def pending(self) -> bool:
        """Whether the device has not yet applied the settings staff set for it."""
        return self.settings.version > (self.seen.heartbeat.applied if self.seen else 0)

    @property
    def asleep(self) -> bool:
        """Whether its screen went dark: it beats again when it wakes."""
        return self.seen is not None and self.seen.heartbeat.asleep

    def value(self, key: str) -> str:
        return dict(self.settings.values).get(key, "")


def routes(parts: Parts) -> APIRouter:
    """``/admin/kiosks[/…]``."""
    router = APIRouter(include_in_schema=False)
    store = parts.store

    def rows(now: datetime) -> list[Row]:
        seen = store.heartbeats()

        def up(device_id: int) -> bool:
            last = seen.get(device_id)
            return last is not None and online(last.at, now, last.heartbeat.every)

        return [
            Row(d, seen.get(d.id), up(d.id), store.device_settings(d.id)) for d in store.devices()
        ]

    def context(request: Request) -> dict[str, Any]:
        everyone = rows(parts.clock())
        return {
            "rows": [r for r in everyone if r.device.revoked_at is None],
            "revoked": [r for r in everyone if r.device.revoked_at is not None],
            "choices": CHOICES,
            "kinds": KINDS,
            "note": request.query_params.get("note", ""),
        }

    def page(request: Request, signed: Signed, status: int = 200, **shown: Any) -> Response:
        return parts.page(request, "kiosks.html", signed, status, **context(request), **shown)

    @router.get("/admin/kiosks")
    def listing(request: Request) -> Response:
        return page(request, parts.signed(request), new_code=None)

    @router.get("/admin/kiosks/live")
    def live(request: Request) -> Response:
        signed = parts.signed(request)
        return parts.page(request, "kiosks_live.html", signed, **context(request))

    @router.post("/admin/kiosks")
    async def add(request: Request) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        try:
            made = parts.devices.add(form.text("name"), form.text("kind", "kiosk"))
        except ValueError as exc:
            raise RefusedError(f"Not added: {exc}.") from None
        log.info("admin %d added device %d", signed.admin.id, made.device.id)
        return page(request, signed, new_code=made)

    @router.post("/admin/kiosks/{device_id}/rename")
    async def rename(request: Request, device_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        name = " ".join(form.text("name").split())
        if not 1 <= len(name) <= 80:
            raise RefusedError("A device's name is 1 to 80 characters.")
        found(lambda: store.rename_device(device_id, name))
        return go("/admin/kiosks", f"Renamed {name}.")

    @router.post("/admin/kiosks/{device_id}/revoke")
    async def revoke(request: Request, device_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        device = found(lambda: store.device(device_id))
        if form.text("confirm") != device.name:
            raise RefusedError("Type the device's name to confirm that it is to be revoked.")
        parts.devices.revoke(device_id)
        log.warning("admin %d revoked device %d", signed.admin.id, device_id)
        return go("/admin/kiosks", f"{device.name} is revoked: it can check nobody in now.")

    @router.post("/admin/kiosks/{device_id}/settings")
    async def push(request: Request, device_id: int) -> Response:
        signed = parts.signed(request)
        form = await parts.posted(request, signed)
        device = found(lambda: store.device(device_id))
        if device.kind != "kiosk":
            raise RefusedError(f"{device.name} is a {device.kind}: it has no screen to set.")
        values = {key: form.text(key) for key in PUSHED if form.text(key)}
        wrong = [key for key, value in values.items() if not PUSHED[key](value)]
        if wrong:
            raise RefusedError(f"Not sent: {', '.join(wrong)} cannot take that value.")
        settings = store.set_device_settings(device_id, values)
        log.info("admin %d set %s for device %d", signed.admin.id, sorted(values), device_id)
        note = f"{device.name} applies these settings (version {settings.version}) within 30 s."
        return go("/admin/kiosks", note)

    return router
