"""A kiosk's controller, outbox and real client in the test's process, for tests of what is
kept and sent again against a real server.

    kiosk = Kiosk(qtbot, aloop, server_url, tmp_path / "kiosk.outbox.db", clock, token)
    kiosk.type_pin("12345").status        # Status.QUEUED while the server is away
    kiosk.drained()                       # replay now; wait until nothing is kept
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pytestqt.qtbot import QtBot

from kiosk.backends.local.client import LocalClient
from kiosk.domain import Credential, CredentialKind, Outcome
from kiosk.flows.checkin import KioskController
from kiosk.flows.replay import Keeper
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import Outbox
from kiosk.settings.model import Config, TimeoutSettings

FAST = TimeoutSettings(result=1.0, pin=3.0, debounce=3.0, busy_delay=0.5)
KEY = Sealer.new_key()


class Kiosk:
    """The kiosk's controller, outbox and real client, talking to the server via the proxy."""

    def __init__(
        self,
        qtbot: QtBot,
        loop: asyncio.AbstractEventLoop,
        url: str,
        db: Path,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        token: str = "",
    ) -> None:
        self.qtbot = qtbot
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(1.0, connect=1.0))
        self.client = LocalClient(self.http, url, embedded=False, device_token=token)
        self.outbox = Outbox.open(db, Sealer(KEY))
        self.keeper = Keeper(self.outbox, lambda: self.client, loop, base_wait=0.05, now=clock)
        self.controller = KioskController(
            Config(timeouts=FAST), self.client, loop, keeper=self.keeper, now=clock
        )

    def type_pin(self, pin: str) -> Outcome:
        return self.present(Credential(CredentialKind.PIN, pin, source="pinpad"))

    def present(self, credential: Credential) -> Outcome:
        with self.qtbot.waitSignal(self.controller.finished, timeout=10_000) as done:
            self.controller.present(credential)
        outcome: Outcome = done.args[1]
        return outcome

    def drained(self) -> None:
        """Wait until everything kept has been sent."""
        self.keeper.kick()
        self.qtbot.waitUntil(lambda: self.keeper.backlog.count == 0, timeout=60_000)

    async def aclose(self) -> None:
        self.controller.close()
        self.keeper.close()
        self.outbox.close()
        await self.http.aclose()

    def close_on(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close it all, on the test's loop."""
        closing = loop.create_task(self.aclose())
        self.qtbot.waitUntil(closing.done, timeout=10_000)
