"""The kiosk's clock against the backend's, from the ``Date`` of its answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from kiosk.app.backend import ClockWatch

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def seen(watch: ClockWatch, date: str | None) -> None:
    headers = {"Date": date} if date is not None else {}
    asyncio.run(watch.seen(httpx.Response(200, headers=headers)))


@pytest.mark.parametrize(
    ("date", "skew", "words"),
    [
        ("Mon, 02 Mar 2026 10:00:01 GMT", 1.0, "agrees with the check-in backend"),
        ("Mon, 02 Mar 2026 10:03:20 GMT", 200.0, "3 min 20 s behind the check-in backend"),
        ("Mon, 02 Mar 2026 07:55:00 GMT", -7500.0, "2 h 5 min ahead of the check-in backend"),
    ],
)
def test_the_backends_date_tells_how_far_the_clocks_are_apart(
    date: str, skew: float, words: str
) -> None:
    watch = ClockWatch(lambda: NOW)
    assert watch.describe() == "not compared yet"
    seen(watch, date)
    assert watch.skew == skew
    assert watch.describe().startswith(words)


@pytest.mark.parametrize("date", [None, "", "yesterday", "Mon, 02 Mar 2026 10:00:00"])
def test_an_answer_without_a_usable_date_changes_nothing(date: str | None) -> None:
    watch = ClockWatch(lambda: NOW)
    seen(watch, "Mon, 02 Mar 2026 10:00:05 GMT")
    seen(watch, date)
    assert watch.skew == 5.0


def test_every_answer_of_the_kiosks_client_is_compared() -> None:
    from kiosk.app.backend import BackendHost, Secrets
    from kiosk.settings.model import Config
    from tests.fakes.vault import MemoryVault

    ahead = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Date": ahead}, json={})

    async def go() -> float | None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            host = BackendHost.for_config(Config(), Secrets(MemoryVault), http=http)
            await http.get("http://checkin.test/health")
            return host.clock.skew

    skew = asyncio.run(go())
    assert skew is not None
    assert 540 < skew <= 600  # the backend's clock is 10 minutes ahead
