"""The client of our own check-in server.

client = LocalClient(http, "http://checkin.lan:8750", embedded=False)   # a `kiosk serve`
client.embedded      # False: staff need the server's admin token for Who's in
"""

from __future__ import annotations

import logging

import httpx

from kiosk.backends.base import BackendError
from kiosk.backends.http import send, snippet
from kiosk.backends.nexudus.client import CheckinApi
from kiosk.backends.tokens import StaticToken, TokenSource

log = logging.getLogger(__name__)

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
    ) -> None:
        super().__init__(
            http, base_url, pin_field, auth=auth or StaticToken(missing=NO_ADMIN_TOKEN)
        )
        self._embedded = embedded

    @property
    def embedded(self) -> bool:
        """Whether this is the kiosk's own server, started with it (its database on disk)."""
        return self._embedded

    def use_admin_token(self, token: str) -> None:
        """Sign the staff lists with the server's admin token from now on."""
        self.auth = StaticToken(token, NO_ADMIN_TOKEN)

    async def probe(self) -> bool:
        """Whether our server is there and can take check-ins: its ``/health`` answers 2xx
        (503 says its database cannot be written: disk full, read-only, corrupt)."""
        try:
            response = await send(self._http, "GET", f"{self.base_url}/health")
        except BackendError:
            return False
        if not response.is_success:
            log.warning("the check-in server is not healthy: %s", snippet(response))
        return response.is_success
