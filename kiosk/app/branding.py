"""A site's logo and background picture, read from a file or fetched from an address on the
local network (an intranet, a NAS), for the idle screen.

    images = ImageLoader()
    data = await images.load("http://intranet.lan/logo.png")   # bytes, or BrandingError

A file is read in a thread; an address is fetched with its own short timeout. Neither may be
larger than `MAX_BYTES`; what the bytes show is Qt's to decode (`KioskWindow.show_images`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

MAX_BYTES = 8 * 1024 * 1024  # a logo or a full-HD photo is far less
TIMEOUT = 5.0  # s: a picture on the local network


class BrandingError(Exception):
    """A picture could not be had; the message says why, for staff."""


class ImageLoader:
    """Reads pictures by path or address; `transport` replaces the network (tests)."""

    def __init__(
        self, transport: httpx.AsyncBaseTransport | None = None, limit: int = MAX_BYTES
    ) -> None:
        self._transport = transport
        self._limit = limit

    async def load(self, source: str) -> bytes:
        """The bytes at `source` (a full path, or an http(s) address)."""
        if source.startswith("/"):
            return await asyncio.to_thread(self._read, Path(source))
        return await self._fetch(source)

    def _read(self, path: Path) -> bytes:
        try:
            with path.open("rb") as file:
                data = file.read(self._limit + 1)
        except OSError as exc:
            raise BrandingError(f"cannot read {path}: {exc.strerror or exc}") from None
        return self._checked(data, str(path))

    async def _fetch(self, url: str) -> bytes:
        try:
            async with (
                httpx.AsyncClient(transport=self._transport, timeout=TIMEOUT) as client,
                client.stream("GET", url, follow_redirects=True) as answer,
            ):
                if answer.status_code != httpx.codes.OK:
                    raise BrandingError(f"{url} answered HTTP {answer.status_code}")
                data = b""
                async for chunk in answer.aiter_bytes():
                    data += chunk
                    if len(data) > self._limit:
                        break
        except httpx.HTTPError as exc:
            raise BrandingError(f"cannot fetch {url}: {exc or type(exc).__name__}") from None
        return self._checked(data, url)

    def _checked(self, data: bytes, where: str) -> bytes:
        if len(data) > self._limit:
            raise BrandingError(f"{where} is larger than {_size(self._limit)}")
        if not data:
            raise BrandingError(f"{where} is empty")
        return data


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 2**10} KB"
