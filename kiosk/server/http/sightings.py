"""Many devices seen on the network at once, from a presence agent (`kiosk presence`).

    POST /api/public/sightings   a presence device's token as a bearer token; JSON:
        {"BusinessId": 1,
         "Sightings": [{"Mac": "00:1b:63:84:45:e6", "SeenAt": "2026-03-02T09:14:00Z"}, …],
         "Version": "0.9.0", "Uptime": 3600, "Sources": "leases /var/lib/misc/dnsmasq.leases: ok",
         "Every": 60}
      → {"Received": 2, "CheckedIn": 1, "Unknown": ["3c:22:fb:10:20:30"], "Ignored": 0}

Each sighting is what a single ``Mac`` check-in is (`kiosk.server.presence`), at its own
`SeenAt`, oldest first. `Unknown` gives back, as sent, the addresses that are no member's
device, so the agent stops sending them for a while; `Ignored` counts sightings too old to
count (past the offline window) or in the future. One request carries at most `MOST`; they are
written in slices so that check-ins at the kiosks never wait behind a busy network. Each
request is also the agent's heartbeat: the web admin's Kiosks page shows it online, with its
version and how its sources are.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kiosk.domain import Reason, Status
from kiosk.server.checkin import CheckinService, ReplayError, UnknownLocationError
from kiosk.server.http import wire
from kiosk.server.http.fleet import DeviceOf
from kiosk.server.store import Store
from kiosk.server.store.models import Heartbeat, Location

MOST = 5000  # sightings in one request
SLICE = 200  # sightings written in one transaction, between chances for other requests
MAX_BODY = 1024 * 1024


class SeenFields(BaseModel):
    """One device seen."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    Mac: str = Field(min_length=8, max_length=200)
    SeenAt: AwareDatetime


class SightingsFields(BaseModel):
    """The body of ``POST /api/public/sightings``."""

    model_config = ConfigDict(extra="ignore")

    BusinessId: int | None = Field(None, ge=1, le=2**31 - 1)
    Sightings: list[SeenFields] = Field(max_length=MOST)
    Version: str = Field("", max_length=40, description="the agent's, for the Kiosks page")
    Uptime: int = Field(0, ge=0, le=10**10)
    Sources: str = Field("", max_length=200, description="its sources and how they are")
    Every: int = Field(60, ge=5, le=3600, description="seconds until its next report")


@dataclasses.dataclass
class Tally:
    """What a batch of sightings did."""

    received: int = 0
    checked_in: int = 0
    ignored: int = 0
    unknown: list[str] = dataclasses.field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "Received": self.received,
            "CheckedIn": self.checked_in,
            "Unknown": self.unknown,
            "Ignored": self.ignored,
        }


def sighting_routes(
    store: Store, service: CheckinService, clock: Callable[[], datetime], device_of: DeviceOf
) -> APIRouter:
    """``/api/public/sightings``; `device_of` names the paired device a request comes from.
    Each request counts as the agent's heartbeat on the web admin's Kiosks page."""
    router = APIRouter()
    body_schema = {"schema": SightingsFields.model_json_schema()}

    @router.post(
        "/api/public/sightings",
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": body_schema}}
        },
        responses={401: {"description": "not a paired device's token"}},
    )
    async def sightings(request: Request) -> JSONResponse:
        """The devices a presence agent saw on the network, each at its own time."""
        device = device_of(request)
        if device.kind != "presence":
            why = "only a paired device of kind presence reports devices seen on the network"
            raise wire.BadRequestError(why, 403, errors=[("Authorization", why, None)])
        body = await wire.read_body(request, MAX_BODY)
        fields = wire.parse_json(SightingsFields, body, echo=False)  # never echo an address
        alive = Heartbeat(fields.Version or "?", fields.Sources, "online", 0, None, fields.Uptime,
                          every=fields.Every)  # fmt: skip
        store.record_heartbeat(device.id, alive, clock())
        try:
            location = service.location(fields.BusinessId)
        except UnknownLocationError as exc:
            raise wire.BadRequestError(
                str(exc), errors=[("BusinessId", str(exc), fields.BusinessId)]
            ) from None
        seen = sorted(fields.Sightings, key=lambda s: s.SeenAt)
        tally = Tally(received=len(seen))
        for start in range(0, len(seen), SLICE):
            with store.transaction():
                for one in seen[start : start + SLICE]:
                    _count(service, one, location, device.id, tally)
            await asyncio.sleep(0)  # let a member's check-in through
        return JSONResponse(tally.body())

    return router


def _count(
    service: CheckinService, one: SeenFields, location: Location, device_id: int, tally: Tally
) -> None:
    try:
        at: datetime = service.moment(one.SeenAt)
    except ReplayError:
        tally.ignored += 1
        return
    result = service.presence.sighted(one.Mac, location, at, device_id)
    if result.status is Status.CHECKED_IN:
        tally.checked_in += 1
    elif result.reason is Reason.UNKNOWN_CREDENTIAL:
        tally.unknown.append(one.Mac)
