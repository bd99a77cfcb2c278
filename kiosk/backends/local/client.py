"""The client of our own check-in server.

client = LocalClient(http, "http://checkin.lan:8750", embedded=False, device_token=token)
client.embedded      # False: staff need the server's admin token for Who's in

Check-ins carry the kiosk's device token (from pairing: `kiosk config pair`); the embedded
server pairs its own kiosk at start.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import httpx

from kiosk.backends.base import BackendProtocolError, KioskReport, RemoteSettings
from kiosk.backends.http import answers, json_of, keys_of, send
from kiosk.backends.nexudus.client import CheckinApi
from kiosk.backends.tokens import StaticToken, TokenSource
from kiosk.domain import CheckinRequest, Outcome

NO_ADMIN_TOKEN = "needs the server's admin token (Backend page)"  # noqa: S105 - words


class LocalClient(CheckinApi):
    """Our server at `base_url` (empty until the embedded one has started)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        pin_field: str = "Pincode",
        *,
        embedded: bool,
        auth: TokenSource | None = None,
        device_token: str = "",
    ) -> None:
        super().__init__(
            http, base_url, pin_field, auth=auth or StaticToken(missing=NO_ADMIN_TOKEN)
        )
        self._embedded = embedded
        self._device_token = device_token

    @property
    def embedded(self) -> bool:
        """Whether this is the kiosk's own server, started with it (its database on disk)."""
        return self._embedded

    def use_admin_token(self, token: str) -> None:
        """Sign the staff lists with the server's admin token from now on."""
        self.auth = StaticToken(token, NO_ADMIN_TOKEN)

    def use_device_token(self, token: str) -> None:
        """Check members in as the paired device holding `token` from now on."""
        self._device_token = token

    def _headers(self) -> dict[str, str]:
        """This kiosk's device token, once paired (an open server takes check-ins without)."""
        return {"Authorization": f"Bearer {self._device_token}"} if self._device_token else {}

    def _body(self, request: CheckinRequest) -> dict[str, Any] | None:
        """The documented fields and our server's extensions: the location as ``BusinessId``,
        the attempt's ``Nonce`` (the same nonce gets the same answer) and, on a re-send from
        the outbox, its ``CheckinTime`` (applied when it happened)."""
        body = super()._body(request)
        if body is None:
            return None
        if request.location and request.location.isdigit():
            body["BusinessId"] = int(request.location)
        body["Nonce"] = request.nonce
        if request.replayed:
            body["CheckinTime"] = request.attempted_at.astimezone(UTC).isoformat()
        return body

    async def settle(self, request: CheckinRequest) -> Outcome:
        """Send `request` again with its nonce: our server answers a nonce it has seen with
        the answer it gave, and applies one it has not."""
        return await self.check(request)

    async def pass_key(self) -> bytes:
        """Our server's pass key (``GET /api/public/passkey``): 32 raw bytes."""
        data = json_of(await send(self._http, "GET", f"{self.base_url}/api/public/passkey"))
        try:
            raw = bytes.fromhex(data["PublicKey"])
        except (KeyError, TypeError, ValueError):
            raise BackendProtocolError(f"not a pass key: {keys_of(data)}") from None
        if data.get("Algorithm") != "Ed25519" or len(raw) != 32:
            raise BackendProtocolError("not an Ed25519 pass key")
        return raw

    async def heartbeat(self, report: KioskReport) -> RemoteSettings:
        """``POST /api/public/heartbeat`` with this kiosk's device token."""
        body = {
            "Version": report.version, "Reader": report.reader[:200],
            "Backend": report.backend, "Outbox": report.outbox,
            "LastCheckin": report.last_checkin.astimezone(UTC).isoformat()
            if report.last_checkin else None,
            "Uptime": report.uptime, "SettingsVersion": report.applied,
            "SettingsProblem": report.problem[:500], "Every": report.every,
            "Asleep": report.asleep,
        }  # fmt: skip
        url = f"{self.base_url}/api/public/heartbeat"
        data = json_of(await send(self._http, "POST", url, json=body, headers=self._headers()))
        try:
            version, values = int(data["SettingsVersion"]), data["Settings"]
            pairs = tuple(sorted((str(k), str(v)) for k, v in values.items()))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BackendProtocolError(f"not a heartbeat's answer: {keys_of(data)}") from None
        return RemoteSettings(version, pairs)

    async def probe(self) -> bool:
        """Whether our server is there and can take check-ins: its ``/health`` answers 2xx
        (503 says its database cannot be written: disk full, read-only, corrupt)."""
        return await answers(self._http, f"{self.base_url}/health", healthy=True)
