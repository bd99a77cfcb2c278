"""The state machine, with a fake backend and a fake monotonic clock."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Protocol

import pytest
from pytestqt.qtbot import QtBot

from kiosk.backends.base import Place
from kiosk.domain import Action, CheckinRequest, Credential, CredentialKind, Outcome, Reason, Status
from kiosk.flows.checkin import KioskController, Screen, View
from kiosk.settings.model import Config, Mode, TimeoutSettings
from tests.fakes.backend import Answer, FakeBackend, IdentifyingBackend, welcome
from tests.helpers.clock import Ticker

FAST = TimeoutSettings(result=1.0, pin=3.0, debounce=3.0, busy_delay=0.05)


def config(mode: Mode = Mode.TOGGLE, **timeouts: float) -> Config:
    c = Config(timeouts=dataclasses.replace(FAST, **timeouts))
    return dataclasses.replace(c, kiosk=dataclasses.replace(c.kiosk, mode=mode))


def pin(value: str = "12345") -> Credential:
    return Credential(CredentialKind.PIN, value, source="test")


@pytest.fixture
def clock() -> Ticker:
    return Ticker(1000.0)


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


class Make(Protocol):
    """Builds a controller over the test's fake backend and clock."""

    def __call__(self, cfg: Config | None = None) -> KioskController: ...


@pytest.fixture
def make(aloop: asyncio.AbstractEventLoop, backend: FakeBackend, clock: Ticker) -> Iterator[Make]:
    made: list[KioskController] = []

    def build(cfg: Config | None = None) -> KioskController:
        controller = KioskController(cfg or config(), backend, aloop, clock)
        made.append(controller)
        return controller

    yield build
    for controller in made:
        controller.close()


def views(controller: KioskController) -> list[View]:
    seen: list[View] = []
    controller.view_changed.connect(seen.append)
    return seen


def test_a_credential_checks_in_and_the_result_times_out(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    controller = make()
    seen = views(controller)
    with qtbot.waitSignal(controller.finished) as blocker:
        controller.present(pin())
    attempt, outcome = blocker.args
    assert outcome.status is Status.CHECKED_IN
    assert attempt.credential.value == "12345"
    assert backend.requests[0].action is Action.TOGGLE
    assert controller.view.screen is Screen.RESULT
    assert controller.view.seconds == 1.0
    with qtbot.waitSignal(controller.view_changed, timeout=3000) as idle:
        pass
    assert idle.args[0].screen is Screen.IDLE
    assert [v.screen for v in seen] == [Screen.RESULT, Screen.IDLE]  # no busy flicker


@pytest.mark.parametrize(
    ("mode", "action"), [(Mode.TOGGLE, Action.TOGGLE), (Mode.IN, Action.IN), (Mode.OUT, Action.OUT)]
)
def test_mode_gives_the_action(
    qtbot: QtBot, make: Make, backend: FakeBackend, mode: Mode, action: Action
) -> None:
    controller = make(config(mode))
    with qtbot.waitSignal(controller.finished):
        controller.present(pin())
    assert backend.requests[0].action is action


def test_ask_mode_asks_then_checks(qtbot: QtBot, make: Make, backend: FakeBackend) -> None:
    controller = make(config(Mode.ASK))
    controller.present(pin())
    assert controller.view.screen is Screen.ASK
    assert backend.requests == []
    with qtbot.waitSignal(controller.finished):
        controller.choose(Action.OUT)
    assert backend.requests[0].action is Action.OUT


def test_ask_times_out_to_idle_and_forgets_the_credential(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    controller = make(config(Mode.ASK, pin=0.1))
    controller.present(pin())
    with qtbot.waitSignal(controller.view_changed):
        pass
    assert controller.view.screen is Screen.IDLE
    controller.choose(Action.IN)
    assert backend.requests == []


def test_the_same_credential_within_the_debounce_is_ignored(
    qtbot: QtBot, make: Make, backend: FakeBackend, clock: Ticker
) -> None:
    controller = make()
    with qtbot.waitSignal(controller.finished):
        controller.present(pin())
    clock.now += 2.9
    with qtbot.assertNotEmitted(controller.accepted):
        controller.present(pin())
    clock.now += 0.2
    with qtbot.waitSignal(controller.finished):
        controller.present(pin())
    assert len(backend.requests) == 2


def test_a_pin_typed_again_at_once_is_meant_and_checked(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    controller = make()
    typed = Credential(CredentialKind.PIN, "12345", source="pinpad")
    for _ in range(2):
        with qtbot.waitSignal(controller.finished):
            controller.present(typed)
    assert len(backend.requests) == 2


def test_another_credential_on_the_result_screen_checks_at_once(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    controller = make()
    with qtbot.waitSignal(controller.finished):
        controller.present(pin("11111"))
    with qtbot.waitSignal(controller.finished):
        controller.present(pin("22222"))
    assert [r.credential.value for r in backend.requests] == ["11111", "22222"]


def test_busy_shows_only_when_slow(qtbot: QtBot, make: Make, backend: FakeBackend) -> None:
    backend.delay = 0.3
    controller = make()
    seen = views(controller)
    with qtbot.waitSignal(controller.finished):
        controller.present(pin())
    assert [v.screen for v in seen] == [Screen.BUSY, Screen.RESULT]


def test_a_credential_during_a_check_goes_next(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    backend.delay = 0.1
    controller = make()
    controller.present(pin("11111"))
    controller.present(pin("22222"))
    with qtbot.waitSignals([controller.finished, controller.finished]):
        pass
    assert [r.credential.value for r in backend.requests] == ["11111", "22222"]
    assert controller.view.outcome is not None


def test_pin_pad_opens_and_times_out(qtbot: QtBot, make: Make) -> None:
    controller = make(config(pin=0.2))
    controller.open_pin()
    assert controller.view.screen is Screen.PIN
    with qtbot.waitSignal(controller.view_changed, timeout=2000):
        pass
    assert controller.view.screen is Screen.IDLE


def test_pin_pad_stays_open_while_touched(qtbot: QtBot, make: Make) -> None:
    controller = make(config(pin=0.3))
    controller.open_pin()
    for _ in range(3):
        qtbot.wait(150)  # keeping the pad alive needs time to pass
        controller.touched()
    assert controller.view.screen is Screen.PIN
    controller.cancel()
    assert controller.view.screen is Screen.IDLE


@pytest.mark.parametrize(
    ("kinds", "pad", "keyboard"),
    [
        ({CredentialKind.EMAIL}, False, True),  # Kadence: a digit typed opens no PIN pad
        ({CredentialKind.CARD}, False, False),
        ({CredentialKind.PIN, CredentialKind.EMAIL}, True, True),
        ({CredentialKind.PIN, CredentialKind.EMAIL_PASSWORD}, True, True),  # ours, Nexudus
    ],
)
def test_only_the_ways_the_backend_takes_open(
    qtbot: QtBot,
    aloop: asyncio.AbstractEventLoop,
    clock: Ticker,
    kinds: set[CredentialKind],
    pad: bool,
    keyboard: bool,
) -> None:
    controller = KioskController(config(), FakeBackend(kinds=frozenset(kinds)), aloop, clock)
    controller.open_pin()
    assert (controller.view.screen is Screen.PIN) is pad
    controller.cancel()
    controller.open_email()
    assert (controller.view.screen is Screen.EMAIL) is keyboard
    controller.close()


def test_a_backend_that_raises_gives_backend_error(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    def broken(request: CheckinRequest) -> Outcome:
        raise RuntimeError("bug")

    backend.answer = broken
    controller = make()
    with qtbot.waitSignal(controller.finished) as blocker:
        controller.present(pin())
    assert blocker.args[1].reason is Reason.BACKEND_ERROR


def test_unavailable_marks_the_backend_offline(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    backend.answer = lambda r: Outcome(Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE)
    controller = make()
    with qtbot.waitSignal(controller.backend_changed) as blocker:
        controller.present(pin())
    assert blocker.args == [False]


def test_start_finds_the_place_and_requests_carry_it(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, clock: Ticker
) -> None:
    places = [Place("1", "Main", "Europe/Paris"), Place("2", "Annex", "Europe/London")]
    backend = FakeBackend(places=places)
    cfg = config()
    cfg = dataclasses.replace(cfg, kiosk=dataclasses.replace(cfg.kiosk, location="2"))
    controller = KioskController(cfg, backend, aloop, clock)
    with qtbot.waitSignal(controller.place_changed) as blocker:
        controller.start()
    assert blocker.args == [places[1]]
    with qtbot.waitSignal(controller.finished):
        controller.present(pin())
    assert backend.requests[0].location == "2"
    controller.close()


def test_place_is_retried_while_the_backend_is_down(
    qtbot: QtBot, make: Make, backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kiosk.flows.checkin.PLACE_RETRY_SECONDS", 0.05)
    backend.online = False
    controller = make()
    controller.start()
    qtbot.wait(20)  # let the first attempt fail
    backend.online = True
    with qtbot.waitSignal(controller.place_changed, timeout=2000) as blocker:
        pass
    assert blocker.args[0].name == "Demo Space"


def test_online_follows_the_backends_answers_not_the_kiosks_own_errors(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    """A backend error may never have left the kiosk (no sign-in set up): it says nothing of
    whether the backend is reachable."""
    answers = iter([
        Outcome(Status.REJECTED, reason=Reason.BACKEND_ERROR, raw_message="no client secret"),
        Outcome(Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE),
        Outcome(Status.REJECTED, reason=Reason.BACKEND_ERROR, raw_message="HTTP 500"),
        Outcome(Status.CHECKED_IN, member="Ada Lovelace"),
    ])  # fmt: skip
    backend.answer = lambda request: next(answers)
    controller = make()
    seen = []
    for value in ("11111", "22222", "33333", "44444"):
        with qtbot.waitSignal(controller.finished):
            controller.present(pin(value))
        seen.append(controller.online)
    assert seen == [None, False, False, True]


def test_a_rate_limit_is_waited_out_before_the_next_call(
    qtbot: QtBot, make: Make, backend: FakeBackend, clock: Ticker
) -> None:
    """Retry-After 30: checks within 30 s are refused here, with the time left; then the
    backend is called again."""
    limited = Outcome(Status.REJECTED, reason=Reason.RATE_LIMITED, retry_after=30.0)
    backend.answer = lambda request: limited
    controller = make()
    with qtbot.waitSignal(controller.finished):
        controller.present(pin("11111"))
    backend.answer = lambda request: Outcome(Status.CHECKED_IN, member="Ada")
    clock.now += 10
    with qtbot.waitSignal(controller.finished) as blocker:
        controller.present(pin("22222"))
    outcome = blocker.args[1]
    assert (outcome.reason, outcome.retry_after) == (Reason.RATE_LIMITED, 20.0)
    assert len(backend.requests) == 1  # not called
    assert controller.online is True  # a wait is not an outage
    clock.now += 20.5
    with qtbot.waitSignal(controller.finished) as blocker:
        controller.present(pin("33333"))
    assert blocker.args[1].status is Status.CHECKED_IN
    assert len(backend.requests) == 2


def test_an_absurd_retry_after_waits_five_minutes_at_most(
    qtbot: QtBot, make: Make, backend: FakeBackend, clock: Ticker
) -> None:
    backend.answer = lambda request: Outcome(
        Status.REJECTED, reason=Reason.RATE_LIMITED, retry_after=86400.0
    )
    controller = make()
    with qtbot.waitSignal(controller.finished):
        controller.present(pin("11111"))
    backend.answer = lambda request: Outcome(Status.CHECKED_IN)
    clock.now += 300.5
    with qtbot.waitSignal(controller.finished) as blocker:
        controller.present(pin("22222"))
    assert blocker.args[1].status is Status.CHECKED_IN


def test_an_unsupported_credential_is_refused_without_calling_the_backend(
    qtbot: QtBot, make: Make, backend: FakeBackend
) -> None:
    backend._kinds = frozenset({CredentialKind.EMAIL})
    controller = make()
    with qtbot.waitSignal(controller.finished) as blocker:
        controller.present(pin())
    assert blocker.args[1].reason is Reason.UNSUPPORTED_CREDENTIAL
    assert backend.requests == []
    assert controller.online is None  # no answer from the backend: nothing known


class SlowPlaces(FakeBackend):
    """A backend whose location list comes only when the test says so."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[asyncio.Future[list[Place]]] = []

    async def places(self) -> list[Place]:
        future: asyncio.Future[list[Place]] = asyncio.get_running_loop().create_future()
        self.asked.append(future)
        return await future


def test_a_backend_switch_cancels_the_old_backends_place_lookup(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, clock: Ticker
) -> None:
    old = SlowPlaces()
    controller = KioskController(config(), old, aloop, clock)
    placed: list[Place] = []
    controller.place_changed.connect(placed.append)
    controller.start()
    qtbot.waitUntil(lambda: len(old.asked) == 1)
    new = FakeBackend(places=[Place("2", "Annex", "Europe/London")])
    controller.use_backend(new)
    qtbot.waitUntil(old.asked[0].cancelled)  # the old question is given up, not answered late
    with qtbot.waitSignal(controller.place_changed):
        controller.load_place()
    assert placed == [Place("2", "Annex", "Europe/London")]
    assert controller.place == Place("2", "Annex", "Europe/London")
    controller.close()


def identifying(make: Make, identity: Answer) -> tuple[KioskController, IdentifyingBackend]:
    backend = IdentifyingBackend(identity)
    controller = make(config(Mode.ASK))
    controller.use_backend(backend)
    return controller, backend


def test_ask_mode_asks_the_member_by_name_once_the_backend_says_whose_it_is(
    qtbot: QtBot, make: Make
) -> None:
    controller, backend = identifying(make, welcome)
    with qtbot.waitSignal(controller.view_changed, check_params_cb=lambda v: v.outcome is not None):
        controller.present(pin())
    assert controller.view.screen is Screen.ASK
    assert controller.view.outcome is not None
    assert controller.view.outcome.member == "Ada Lovelace"
    assert [r.action for r in backend.identified] == [Action.TOGGLE]
    assert backend.requests == []  # nobody checked in yet
    with qtbot.waitSignal(controller.finished):
        controller.choose(Action.IN)
    assert [r.action for r in backend.requests] == [Action.IN]


def test_ask_mode_says_at_once_why_a_member_cannot_come_in(qtbot: QtBot, make: Make) -> None:
    refusal = Outcome(Status.REJECTED, reason=Reason.UNKNOWN_CREDENTIAL)
    controller, backend = identifying(make, lambda request: refusal)
    backend.answer = lambda request: refusal
    with qtbot.waitSignal(controller.finished) as finished:
        controller.present(pin())
    assert finished.args is not None
    assert finished.args[1] is refusal
    assert controller.view.screen is Screen.RESULT
    assert [r.action for r in backend.requests] == [Action.TOGGLE]  # recorded by a real check
    controller.choose(Action.IN)  # too late: nothing to choose for
    assert len(backend.requests) == 1


def test_ask_mode_keeps_asking_when_the_backend_cannot_say(qtbot: QtBot, make: Make) -> None:
    down = Outcome(Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE)
    controller, backend = identifying(make, lambda request: down)
    controller.present(pin())
    qtbot.waitUntil(lambda: bool(backend.identified))
    with qtbot.waitSignal(controller.finished):
        controller.choose(Action.OUT)
    assert [r.action for r in backend.requests] == [Action.OUT]


def test_an_answer_after_the_member_chose_is_ignored(
    qtbot: QtBot, make: Make, aloop: asyncio.AbstractEventLoop
) -> None:
    refusal = Outcome(Status.REJECTED, reason=Reason.NO_VALID_PASS, member="Ada Lovelace")
    controller, backend = identifying(make, lambda request: refusal)
    backend.held = asyncio.Event()
    controller.present(pin())
    qtbot.waitUntil(lambda: bool(backend.identified))
    with qtbot.waitSignal(controller.finished) as finished:
        controller.choose(Action.OUT)
    assert finished.args is not None
    assert finished.args[1].status is Status.CHECKED_IN
    backend.held.set()
    qtbot.waitUntil(lambda: bool(backend.answered))
    assert controller.view.screen is Screen.RESULT
    assert controller.view.outcome is not None
    assert controller.view.outcome.status is Status.CHECKED_IN
