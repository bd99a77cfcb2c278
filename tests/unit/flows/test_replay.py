"""Keeping what the backend did not answer, and sending it again: with a fake backend whose
answers the test decides, the controller in front of it, and an outbox in memory."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kiosk.domain import (
    Action,
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.flows.checkin import KioskController, Screen
from kiosk.flows.replay import Keeper
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import Outbox
from kiosk.settings.model import Config, TimeoutSettings
from tests.fakes.backend import FakeBackend
from tests.helpers.clock import Ticker

FAST = TimeoutSettings(result=1.0, pin=3.0, debounce=3.0, busy_delay=0.05)
AWAY = Outcome(
    Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE, raw_message="ConnectError",
    delivery=Delivery.NOT_SENT,
)  # fmt: skip
LOST = dataclasses.replace(AWAY, raw_message="ReadTimeout", delivery=Delivery.LOST)


class Switch:
    """The fake backend's answers: away until `back`, then each member welcomed."""

    def __init__(self) -> None:
        self.away: Outcome | None = AWAY

    def __call__(self, request: CheckinRequest) -> Outcome:
        if self.away is not None:
            return self.away
        return Outcome(Status.CHECKED_IN, member=f"member {request.credential.value}")


class SettlingBackend(FakeBackend):
    """A fake that can settle a lost attempt (as our server does by its nonce)."""

    def __init__(self, answer: Switch) -> None:
        super().__init__(answer)
        self.settled: list[CheckinRequest] = []

    async def settle(self, request: CheckinRequest) -> Outcome:
        self.settled.append(request)
        return await self.check(request)


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def backend(switch: Switch) -> SettlingBackend:
    return SettlingBackend(switch)


@pytest.fixture
def keeper(aloop: asyncio.AbstractEventLoop, backend: FakeBackend) -> Iterator[Keeper]:
    keeper = Keeper(Outbox.memory(Sealer(Sealer.new_key())), lambda: backend, aloop,
                    jitter=lambda: 0.5, base_wait=0.05)  # fmt: skip
    yield keeper
    keeper.close()


@pytest.fixture
def controller(
    aloop: asyncio.AbstractEventLoop, backend: FakeBackend, keeper: Keeper
) -> Iterator[KioskController]:
    controller = KioskController(Config(timeouts=FAST), backend, aloop, Ticker(1000.0),
                                 keeper=keeper)  # fmt: skip
    yield controller
    controller.close()


def pin(value: str) -> Credential:
    return Credential(CredentialKind.PIN, value, source="pinpad")


def present(qtbot: QtBot, controller: KioskController, value: str) -> Outcome:
    with qtbot.waitSignal(controller.finished) as done:
        controller.present(pin(value))
    outcome: Outcome = done.args[1]
    return outcome


def test_no_answer_is_kept_and_the_member_told_it_is_saved(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, backend: FakeBackend
) -> None:
    outcome = present(qtbot, controller, "11111")
    assert outcome.status is Status.QUEUED
    assert controller.view.screen is Screen.RESULT
    assert controller.view.outcome == outcome
    assert keeper.backlog.count == 1
    assert len(backend.requests) == 1


def test_while_the_backend_is_away_new_attempts_are_kept_at_once(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, backend: FakeBackend
) -> None:
    keeper.close()  # no replay in this test: only what the controller does
    present(qtbot, controller, "11111")
    for value in ("22222", "33333"):
        assert present(qtbot, controller, value).status is Status.QUEUED
    assert len(backend.requests) == 1  # the later ones never waited on the backend
    assert keeper.backlog.count == 3


def test_replay_sends_everything_once_in_order_with_nonce_and_time(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, backend: FakeBackend,
    switch: Switch,
) -> None:  # fmt: skip
    for value in ("11111", "22222", "11111"):  # typed: Ada twice (in, then out)
        present(qtbot, controller, value)
    kept = [e.request for e in keeper.outbox.entries()]
    switch.away = None
    replayed: list[tuple[object, Outcome]] = []
    keeper.replayed.connect(lambda entry, outcome: replayed.append((entry, outcome)))
    qtbot.waitUntil(lambda: len(replayed) == 3)
    sent = [r for r in backend.requests if r.replayed]
    assert [(r.nonce, r.attempted_at, r.credential) for r in sent] == [
        (k.nonce, k.attempted_at, k.credential) for k in kept if k is not None
    ]
    assert [o.status for _, o in replayed] == [Status.CHECKED_IN] * 3
    assert keeper.backlog.count == 0
    assert not keeper.failing
    assert len(keeper.outbox.history()) == 3


def test_no_answer_again_backs_off_and_counts_the_tries(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, backend: FakeBackend
) -> None:
    present(qtbot, controller, "11111")
    qtbot.waitUntil(lambda: keeper.outbox.entries()[0].tries >= 2)
    (entry,) = keeper.outbox.entries()
    assert entry.last_error == "ConnectError"
    assert keeper.failing
    assert keeper.backlog.last_error == "ConnectError"


def test_a_lost_answer_is_settled_never_simply_sent_again(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, backend: SettlingBackend,
    switch: Switch,
) -> None:  # fmt: skip
    switch.away = LOST
    present(qtbot, controller, "11111")
    (entry,) = keeper.outbox.entries()
    assert entry.delivery is Delivery.LOST
    switch.away = None
    with qtbot.waitSignal(keeper.replayed):
        keeper.kick()
    assert [r.nonce for r in backend.settled] == [entry.nonce]


def test_a_backend_that_cannot_settle_leaves_a_lost_answer_to_staff(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, switch: Switch
) -> None:
    plain = FakeBackend(switch)  # no `settle`: like Nexudus without its admin sign-in
    keeper = Keeper(Outbox.memory(Sealer(Sealer.new_key())), lambda: plain, aloop, base_wait=0.05)
    switch.away = LOST
    keeper.keep(CheckinRequest(pin("11111")), LOST)
    keeper.keep(CheckinRequest(pin("22222")), AWAY)
    switch.away = None
    with qtbot.waitSignal(keeper.replayed) as done:
        keeper.kick()
    assert done.args[0].request.credential.value == "22222"  # Ben's went; Ada's waits
    (held,) = keeper.outbox.entries()
    assert "send it again or discard it" in held.held
    assert len(plain.requests) == 1
    with qtbot.waitSignal(keeper.replayed):
        keeper.retry()  # staff checked: send it
    assert keeper.backlog.count == 0
    keeper.close()


def test_a_refusal_on_replay_is_final_and_kept_for_staff(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, switch: Switch,
    backend: FakeBackend,
) -> None:  # fmt: skip
    present(qtbot, controller, "11111")
    switch.away = Outcome(Status.REJECTED, reason=Reason.PLAN_INACTIVE, member="Ada")
    with qtbot.waitSignal(keeper.replayed) as done:
        keeper.kick()
    assert done.args[1].reason is Reason.PLAN_INACTIVE
    assert controller.view.outcome is not None
    assert controller.view.outcome.status is Status.QUEUED  # the member's screen did not change
    (ended,) = keeper.outbox.history()
    assert (ended.reason, ended.member) == (Reason.PLAN_INACTIVE, "Ada")
    calls = len(backend.requests)
    keeper.kick()
    assert len(backend.requests) == calls  # nothing is sent twice


def test_the_same_member_goes_behind_their_kept_attempt_even_when_the_backend_is_back(
    qtbot: QtBot, controller: KioskController, keeper: Keeper, switch: Switch,
    backend: FakeBackend,
) -> None:  # fmt: skip
    keeper.close()  # replay only when the test says
    present(qtbot, controller, "11111")
    switch.away = None
    keeper._failures = 0  # the backend answered something meanwhile
    assert present(qtbot, controller, "22222").status is Status.CHECKED_IN  # someone else: live
    assert present(qtbot, controller, "11111").status is Status.QUEUED  # Ada: after her first
    assert [e.request.credential.value for e in keeper.outbox.entries() if e.request] == [
        "11111",
        "11111",
    ]


def test_staff_discard_one_entry_with_a_reason(qtbot: QtBot, keeper: Keeper) -> None:
    keeper.close()
    keeper.keep(CheckinRequest(pin("11111"), Action.IN), AWAY)
    (entry,) = keeper.outbox.entries()
    with qtbot.waitSignal(keeper.changed) as changed:
        assert keeper.discard(entry.id, "A duplicate")
    assert changed.args[0].count == 0
    assert keeper.outbox.history()[0].note == "discarded: A duplicate"


def test_closing_with_a_check_in_in_flight_keeps_it(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, keeper: Keeper
) -> None:
    never = asyncio.Event()

    async def hang(request: CheckinRequest) -> Outcome:
        await never.wait()
        raise AssertionError("never answered")

    backend = FakeBackend()
    backend.check = hang  # type: ignore[method-assign]
    controller = KioskController(Config(timeouts=FAST), backend, aloop, keeper=keeper)
    controller.present(pin("11111"))
    controller.close()  # SIGTERM, while the member waits
    (entry,) = keeper.outbox.entries()
    assert entry.delivery is Delivery.LOST
    assert entry.request is not None


def test_entries_kept_for_another_backend_wait_for_staff(
    qtbot: QtBot, keeper: Keeper, switch: Switch, backend: FakeBackend
) -> None:
    keeper.target = lambda: "nexudus https://harbour.spaces.nexudus.com"
    keeper.keep(CheckinRequest(pin("11111")), AWAY)
    keeper.target = lambda: "local http://checkin.lan:8750"  # staff switched the backend
    switch.away = None
    with qtbot.waitSignal(keeper.changed, check_params_cb=lambda b: b.held == 1):
        keeper.kick()
    (entry,) = keeper.outbox.entries()
    assert "kept for another check-in backend (nexudus https://harbour" in entry.held
    assert not [r for r in backend.requests if r.replayed]  # not sent to the wrong one
    with qtbot.waitSignal(keeper.replayed):
        keeper.retry()  # staff: send it to this one
    assert [r.replayed for r in backend.requests] == [True]
