"""The site's pictures, read from a file or fetched on the local network: every way it can
fail is a sentence for staff, never a traceback, and nothing too large is held."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from kiosk.app.branding import BrandingError, ImageLoader

LOGO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def load(loader: ImageLoader, source: str) -> bytes:
    return asyncio.run(loader.load(source))


def test_a_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(LOGO)
    assert load(ImageLoader(), str(path)) == LOGO


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p / "missing.png", "cannot read {path}: No such file or directory"),
        (lambda p: p, "cannot read {path}: Is a directory"),
        (lambda p: (p / "empty.png").touch() or p / "empty.png", "{path} is empty"),
        (lambda p: (p / "big.png").write_bytes(b"x" * 2048) and p / "big.png",
         "{path} is larger than 1 KB"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_had_is_said_in_words(tmp_path: Path, make, said: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(BrandingError) as caught:
        load(ImageLoader(limit=1024), str(path))
    assert str(caught.value) == said.format(path=path)


def test_an_address_is_fetched_following_a_redirect() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old.png":
            return httpx.Response(302, headers={"Location": "/logo.png"})
        return httpx.Response(200, content=LOGO)

    loader = ImageLoader(httpx.MockTransport(answer))
    assert load(loader, "http://intranet.lan/old.png") == LOGO


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (lambda r: httpx.Response(404), "http://intranet.lan/logo.png answered HTTP 404"),
        (lambda r: httpx.Response(200, content=b"x" * 4096),
         "http://intranet.lan/logo.png is larger than 1 KB"),
        (lambda r: httpx.Response(200), "http://intranet.lan/logo.png is empty"),
    ],
)  # fmt: skip
def test_an_address_that_fails_is_said_in_words(answer, said: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BrandingError) as caught:
        load(ImageLoader(httpx.MockTransport(answer), limit=1024), "http://intranet.lan/logo.png")
    assert str(caught.value) == said


def test_an_address_nobody_answers_is_said_in_words() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("All connection attempts failed", request=request)

    with pytest.raises(BrandingError) as caught:
        load(ImageLoader(httpx.MockTransport(refuse)), "http://intranet.lan/logo.png")
    assert str(caught.value) == (
        "cannot fetch http://intranet.lan/logo.png: All connection attempts failed"
    )
