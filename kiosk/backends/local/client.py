"""The client of our own check-in server.

client = LocalClient(http, "http://checkin.lan:8750", embedded=False)   # a `kiosk serve`
client.embedded      # False: staff need the server's admin token for Who's in
"""

from __future__ import annotations

import httpx

from kiosk.backends.nexudus.client import CheckinApi
from kiosk.backends.tokens import StaticToken, TokenSource

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
