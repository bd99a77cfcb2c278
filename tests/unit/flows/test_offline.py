"""Offline decisions: who is greeted by name, what is kept under each `offline.policy`, and QR
passes checked on the kiosk with the server's key while the backend is away."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pytestqt.qtbot import QtBot

from kiosk import passes
from kiosk.domain import (
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.flows.checkin import KioskController
from kiosk.flows.replay import Keeper
from kiosk.outbox.known import Known
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import Outbox
from kiosk.settings.model import Config, OfflinePolicy, OfflineSettings, TimeoutSettings
from tests.fakes.backend import FakeBackend
from tests.helpers.clock import FakeClock

FAST = TimeoutSettings(result=1.0, pin=3.0, debounce=0.0, busy_delay=0.05)
AWAY = Outcome(Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE, delivery=Delivery.NOT_SENT)
ISSUER = passes.Issuer.generate()
KEY = Sealer.new_key()


class PassServer(FakeBackend):
    """A fake backend that welcomes Ada while `up`, and publishes its pass key."""

    def __init__(self) -> None:
        super().__init__(self.decide)
        self.up = True

    def decide(self, request: CheckinRequest) -> Outcome:
        return Outcome(Status.CHECKED_IN, member="Ada Lovelace") if self.up else AWAY

    async def pass_key(self) -> bytes:
        return ISSUER.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend() -> PassServer:
    return PassServer()


@pytest.fixture
def keeper(
    aloop: asyncio.AbstractEventLoop, backend: PassServer, clock: FakeClock
) -> Iterator[Keeper]:
    sealer = Sealer(KEY)
    keeper = Keeper(Outbox.memory(sealer), lambda: backend, aloop, known=Known.memory(sealer),
                    now=clock, base_wait=60)  # fmt: skip
    yield keeper
    keeper.close()


def controller_for(
    aloop: asyncio.AbstractEventLoop, backend: PassServer, keeper: Keeper, clock: FakeClock,
    policy: OfflinePolicy = OfflinePolicy.QUEUE, days: int = 7,
) -> KioskController:  # fmt: skip
    config = dataclasses.replace(
        Config(timeouts=FAST), offline=OfflineSettings(policy=policy, remember_days=days)
    )
    return KioskController(config, backend, aloop, keeper=keeper, now=clock)


def present(qtbot: QtBot, controller: KioskController, credential: Credential) -> Outcome:
    with qtbot.waitSignal(controller.finished) as done:
        controller.present(credential)
    outcome: Outcome = done.args[1]
    return outcome


PIN = Credential(CredentialKind.PIN, "12345", source="pinpad")


@pytest.mark.parametrize(("days", "later", "name"), [
    (7, timedelta(days=6), "Ada Lovelace"),
    (7, timedelta(days=8), None),  # seen too long ago
    (0, timedelta(minutes=1), None),  # remembering switched off
])  # fmt: skip
def test_a_member_seen_lately_is_greeted_by_name_when_kept(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, backend: PassServer, keeper: Keeper,
    clock: FakeClock, days: int, later: timedelta, name: str | None,
) -> None:  # fmt: skip
    controller = controller_for(aloop, backend, keeper, clock, days=days)
    assert present(qtbot, controller, PIN).status is Status.CHECKED_IN
    backend.up = False
    clock.advance(seconds=later.total_seconds())
    kept = present(qtbot, controller, PIN)
    assert (kept.status, kept.member) == (Status.QUEUED, name)
    assert present(qtbot, controller, Credential(CredentialKind.PIN, "99999")).member is None
    controller.close()


@pytest.mark.parametrize(("policy", "known_kept", "stranger_kept"), [
    (OfflinePolicy.QUEUE, True, True),
    (OfflinePolicy.KNOWN_ONLY, True, False),
    (OfflinePolicy.REFUSE, False, False),
])  # fmt: skip
def test_the_offline_policy_decides_what_is_kept(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, backend: PassServer, keeper: Keeper,
    clock: FakeClock, policy: OfflinePolicy, known_kept: bool, stranger_kept: bool,
) -> None:  # fmt: skip
    controller = controller_for(aloop, backend, keeper, clock, policy)
    present(qtbot, controller, PIN)
    backend.up = False
    for credential, kept in (
        (PIN, known_kept),
        (Credential(CredentialKind.CARD, "04A1"), stranger_kept),
    ):
        outcome = present(qtbot, controller, credential)
        expected = Status.QUEUED if kept else Status.REJECTED
        assert outcome.status is expected
        if not kept:
            assert outcome.reason is Reason.BACKEND_UNAVAILABLE  # "please try again"
    assert keeper.backlog.count == known_kept + stranger_kept
    controller.close()


def qr(issued: datetime, days: float = 1, issuer: passes.Issuer = ISSUER) -> Credential:
    text = issuer.issue(passes.Subject.member(1), issued, timedelta(days=days))
    return Credential(CredentialKind.QR, text, source="scanner")


def test_passes_are_checked_with_the_servers_key_while_it_is_away(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, backend: PassServer, keeper: Keeper,
    clock: FakeClock,
) -> None:  # fmt: skip
    controller = controller_for(aloop, backend, keeper, clock, OfflinePolicy.KNOWN_ONLY)
    with qtbot.waitSignal(controller.backend_changed):
        controller.load_place()  # the backend answers: its pass key is fetched and kept
    qtbot.waitUntil(lambda: keeper.known.pass_key() is not None)
    backend.up = False
    now = clock()
    forged = present(qtbot, controller, qr(now, issuer=passes.Issuer.generate()))
    assert (forged.status, forged.reason) == (Status.REJECTED, Reason.INVALID_PASS)
    expired = present(qtbot, controller, qr(now - timedelta(days=3)))
    assert (expired.status, expired.reason) == (Status.REJECTED, Reason.INVALID_PASS)
    assert "expired" in expired.raw_message
    assert present(qtbot, controller, qr(now)).status is Status.QUEUED  # valid: trusted, kept
    assert keeper.backlog.count == 1
    assert len(backend.requests) == 3  # each tried first: nothing was kept before it
    controller.close()


def test_without_a_kept_key_a_pass_is_kept_unchecked(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, backend: PassServer, keeper: Keeper,
    clock: FakeClock,
) -> None:  # fmt: skip
    backend.up = False
    controller = controller_for(aloop, backend, keeper, clock)
    forged = qr(clock(), issuer=passes.Issuer.generate())
    assert present(qtbot, controller, forged).status is Status.QUEUED  # the server will say
    controller.close()


def test_known_members_are_kept_as_keyed_hashes_only(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "kiosk.outbox.db"
    Outbox.open(path, Sealer(KEY)).close()
    known = Known.open(path, Sealer(KEY))
    known.remember(Credential(CredentialKind.CARD, "04A1B2C3D4"), "Ada Lovelace", clock())
    known.close()
    assert b"04A1B2C3D4" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    again = Known.open(path, Sealer(KEY))
    card = Credential(CredentialKind.CARD, "04A1B2C3D4")
    assert again.recall(card, clock(), 7) == "Ada Lovelace"
    assert Known.open(path, Sealer(Sealer.new_key())).recall(card, clock(), 7) is None
    assert again.forget_before(clock() + timedelta(seconds=1)) == 1
    again.close()


def test_members_not_seen_within_the_days_are_forgotten(keeper: Keeper, clock: FakeClock) -> None:
    keeper.known.remember(PIN, "Ada Lovelace", clock())
    clock.advance(days=3)
    keeper.forget_older(7)
    assert keeper.known.recall(PIN, clock(), 7) == "Ada Lovelace"
    keeper.forget_older(0)  # staff switched remembering off: every name goes
    assert keeper.known.recall(PIN, clock(), 365) is None
