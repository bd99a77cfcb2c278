"""Pairing this kiosk with a `kiosk serve` server: a one-time code for the device's token.

    paired = pair("http://checkin.lan:8750", "K7F3-9QWX")   # raises BackendError saying why
    paired.token                                             # kept in the vault, never shown

The code comes from `kiosk devices add` on the server; it works once, for 15 minutes.
"""

from __future__ import annotations

import dataclasses
import ssl

import httpx

from kiosk.backends.base import BackendError, BackendProtocolError, BackendUnavailableError
from kiosk.backends.http import describe, snippet


class PairingRefusedError(BackendError):
    """The server refused the code: wrong, used or expired."""


@dataclasses.dataclass(frozen=True)
class Paired:
    """What the server made of this kiosk: its device's id and name, and its token."""

    device_id: int
    name: str
    token: str = dataclasses.field(repr=False)


def pair(
    url: str, code: str, timeout: float = 10.0, verify: ssl.SSLContext | bool = True
) -> Paired:
    """Exchange `code` for this kiosk's device token at the server at `url` (an HTTPS one's
    certificate checked against `verify`)."""
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/api/public/pair",
            json={"Code": code},
            timeout=timeout,
            verify=verify,
            headers={"User-Agent": "kiosk"},
        )
    except httpx.HTTPError as exc:
        raise BackendUnavailableError(f"cannot reach {url}: {describe(exc)}") from None
    if response.status_code == 400:
        raise PairingRefusedError("the server refused the pairing code: wrong, used or expired")
    if response.status_code == 404:
        raise BackendProtocolError(f"{url} does not pair kiosks: is it a `kiosk serve` server?")
    if not response.is_success:
        raise BackendProtocolError(f"HTTP {response.status_code}: {snippet(response)}")
    try:
        data = response.json()
        return Paired(int(data["DeviceId"]), str(data["Name"]), str(data["Token"]))
    except (ValueError, KeyError, TypeError):
        raise BackendProtocolError(f"not a pairing answer: {snippet(response)}") from None
