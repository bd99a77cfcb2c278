"""The backend a configuration names, over the app's one `httpx.AsyncClient`.

    backend = make_backend(config, http, url, secret)   # secret(Secret.PASSWORD) → "…"

`url` is where a Nexudus-protocol server answers (our embedded server, a `kiosk serve` server,
or Nexudus's address for the subdomain); `secret` reads the vault when a sign-in needs it, so a
secret changed in staff mode is used from the next sign-in on.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from kiosk.backends.kadence.client import KadenceClient, KadenceLogin
from kiosk.backends.nexudus.client import NO_ADMIN_TOKEN, NexudusClient
from kiosk.backends.nexudus.login import NexudusLogin
from kiosk.backends.tokens import StaticToken
from kiosk.settings.model import BackendKind, Config
from kiosk.settings.vault import Secret

NEXUDUS_API = "https://spaces.nexudus.com"

AnyBackend = NexudusClient | KadenceClient


def make_backend(
    config: Config,
    http: httpx.AsyncClient,
    url: str,
    secret: Callable[[Secret], str],
    from_command_line: bool = False,
) -> AnyBackend:
    """Our server's protocol (or any server given on the command line), Nexudus, or Kadence."""
    backend = config.backend
    if from_command_line or backend.kind is BackendKind.LOCAL:
        return NexudusClient(http, url, backend.pin_field, auth=StaticToken(missing=NO_ADMIN_TOKEN))
    if backend.kind is BackendKind.NEXUDUS:
        login = NexudusLogin(http, backend.username, lambda: secret(Secret.PASSWORD))
        return NexudusClient(
            http, url, backend.pin_field, api_url=NEXUDUS_API, auth=login, cloud=True
        )
    login_k = KadenceLogin(http, backend.client_id, lambda: secret(Secret.CLIENT_SECRET))
    return KadenceClient(http, login_k)
