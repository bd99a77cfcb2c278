"""What paired devices tell the server about themselves, and what it tells them back.

    POST /api/public/heartbeat   a paired device's token as a bearer token; JSON:
        {"Version": "0.1.0", "Reader": "ready (ACS ACR122U)", "Backend": "online",
         "Outbox": 0, "LastCheckin": "2026-03-02T10:12:00Z", "Uptime": 3600,
         "SettingsVersion": 2, "SettingsProblem": "", "Every": 30, "Asleep": false}
      → {"SettingsVersion": 3, "Settings": {"kiosk.mode": "in", "kiosk.language": "fr"}}

A kiosk sends one every 30 s (every 300 s after an hour without members: `Every` says which);
the web admin shows it online while they come, and offline since the last one after two are
missed (`devices.online`). One saying `Asleep` (its screen went dark) is the last until it
wakes: the kiosk shows as asleep since then, not offline. The answer carries the settings
staff set for this device in the web admin (`devices.PUSHED` says which may be), always in
full: a kiosk applies them when their version is not the one it has, and says so (or why not)
in its next heartbeat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kiosk.server.http import wire
from kiosk.server.store import Store
from kiosk.server.store.models import Device, Heartbeat


class HeartbeatFields(BaseModel):
    """The body of ``POST /api/public/heartbeat``."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    Version: str = Field(min_length=1, max_length=40)
    Reader: str = Field("", max_length=200)
    Backend: str = Field("", max_length=40)
    Outbox: int = Field(0, ge=0, le=10**9)
    LastCheckin: AwareDatetime | None = None
    Uptime: int = Field(0, ge=0, le=10**10)
    SettingsVersion: int = Field(0, ge=0, le=2**31)
    SettingsProblem: str = Field("", max_length=500)
    Every: int = Field(30, ge=5, le=3600, description="seconds until the next heartbeat")
    Asleep: bool = Field(False, description="the screen went dark: no heartbeat until it wakes")

    def heartbeat(self) -> Heartbeat:
        return Heartbeat(
            self.Version, self.Reader, self.Backend, self.Outbox, self.LastCheckin, self.Uptime,
            self.SettingsVersion, self.SettingsProblem, self.Every, self.Asleep,
        )  # fmt: skip


DeviceOf = Callable[[Request], Device]


def fleet_routes(store: Store, clock: Callable[[], datetime], device_of: DeviceOf) -> APIRouter:
    """``/api/public/heartbeat``; `device_of` names the paired device a request comes from."""
    router = APIRouter()
    body_schema = {"schema": HeartbeatFields.model_json_schema()}

    @router.post(
        "/api/public/heartbeat",
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": body_schema}}
        },
        responses={401: {"description": "not a paired device's token"}},
    )
    async def heartbeat(request: Request) -> JSONResponse:
        """A paired device says how it is; the answer holds the settings staff set for it."""
        device = device_of(request)
        fields = wire.parse_json(HeartbeatFields, await wire.read_body(request))
        store.record_heartbeat(device.id, fields.heartbeat(), clock())
        settings = store.device_settings(device.id)
        body = {"SettingsVersion": settings.version, "Settings": dict(settings.values)}
        return JSONResponse(body)

    return router
