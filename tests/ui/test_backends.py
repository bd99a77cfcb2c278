"""The same kiosk, tapped and typed on as a member would, in front of each backend: the fake,
Nexudus (the real adapter over a replayed Nexudus) and Kadence (the real adapter over a
replayed Kadence). Nothing on screen may depend on which backend is behind it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.backend import Secrets
from kiosk.app.kiosk import KioskApp
from kiosk.backends.base import Backend
from kiosk.backends.registry import make_backend
from kiosk.domain import CheckinRequest, Credential, CredentialKind, Outcome, Reason, Status
from kiosk.flows.checkin import Screen
from kiosk.settings.model import BackendKind, BackendSettings, Config
from kiosk.settings.vault import Secret
from kiosk.ui.member.idle import Method
from tests.fakes.backend import FakeBackend
from tests.fakes.vault import MemoryVault
from tests.helpers import kadence_cloud, nexudus_cloud
from tests.helpers.kiosk import Build, settings
from tests.helpers.screens import click, press_key, texts, type_pin


@dataclasses.dataclass(frozen=True)
class Case:
    """A backend, how its members identify, and what its refusals read."""

    name: str
    methods: frozenset[Method]
    member: str  # a PIN, or an email address
    refused: str  # a member the backend refuses
    refusal: str  # the words for it
    settings: BackendSettings = dataclasses.field(default_factory=BackendSettings)
    location: str = ""


def _fake() -> FakeBackend:
    """Ada toggles in and out; Ben has no pass."""
    inside: set[str] = set()

    def answer(request: CheckinRequest) -> Outcome:
        who = request.credential.value
        if who == "22222":
            return Outcome(Status.REJECTED, member="Ben Okafor", reason=Reason.NO_VALID_PASS)
        if who in inside:
            inside.discard(who)
            return Outcome(Status.CHECKED_OUT, member="Ada Lovelace")
        inside.add(who)
        return Outcome(Status.CHECKED_IN, member="Ada Lovelace")

    return FakeBackend(answer)


CASES = [
    Case("fake", frozenset({Method.PIN, Method.EMAIL}), "12345", "22222", "No valid pass"),
    Case(
        "nexudus",
        frozenset({Method.PIN, Method.EMAIL}),
        "12345",
        "22222",
        "No valid pass",
        BackendSettings(
            kind=BackendKind.NEXUDUS,
            subdomain=nexudus_cloud.SUBDOMAIN,
            username=nexudus_cloud.ADMIN,
        ),
        "1204",
    ),
    Case(
        "kadence",
        frozenset({Method.EMAIL}),
        "ada@example.com",
        "ben@example.com",
        "No desk booked for today",
        BackendSettings(kind=BackendKind.KADENCE, client_id=kadence_cloud.CLIENT_ID),
        kadence_cloud.BUILDING,
    ),
]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def cloud(case: Case) -> Any:
    return {"nexudus": nexudus_cloud.FakeNexudus, "kadence": kadence_cloud.FakeKadence}.get(
        case.name, lambda: None
    )()


@pytest.fixture
def backend(case: Case, cloud: Any) -> Iterator[Backend]:  # the one `build` checks with
    if cloud is None:
        yield _fake()
        return
    vault = MemoryVault()
    vault.set(Secret.PASSWORD, nexudus_cloud.PASSWORD)
    vault.set(Secret.CLIENT_SECRET, kadence_cloud.CLIENT_SECRET)
    http = httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler))
    config = configured(case)
    yield make_backend(config, http, config.backend.base_url, Secrets(lambda: vault).get)


def configured(case: Case) -> Config:
    config = settings()
    reader = dataclasses.replace(config.reader, enabled=False)
    kiosk = dataclasses.replace(config.kiosk, location=case.location)
    return dataclasses.replace(config, backend=case.settings, reader=reader, kiosk=kiosk)


def present(qtbot: QtBot, kiosk: KioskApp, who: str) -> None:
    """Type a PIN on the pad, or an email on the email screen's keyboard."""
    if "@" not in who:
        click(qtbot, kiosk.window.idle.pin)
        type_pin(qtbot, kiosk, who)
        click(qtbot, kiosk.window.pin.ok)
        return
    click(qtbot, kiosk.window.idle.email)
    assert kiosk.controller.view.screen is Screen.EMAIL
    keyboard = kiosk.window.email.keyboard
    for char in who:
        press_key(qtbot, keyboard, char)
    if kiosk.window.email.wants_password:
        click(qtbot, kiosk.window.email.ok)  # refused: the password is missing
        assert kiosk.window.email.message.text() == "Please type your password"
        return
    click(qtbot, kiosk.window.email.ok)


def result_text(qtbot: QtBot, kiosk: KioskApp, act: Callable[[], None]) -> str:
    with qtbot.waitSignal(kiosk.controller.finished, timeout=5000):
        act()
    assert kiosk.controller.view.screen is Screen.RESULT
    return texts(kiosk.window.result)


def test_idle_offers_only_what_the_backend_takes(qtbot: QtBot, build: Build, case: Case) -> None:
    kiosk = build(configured(case))
    assert kiosk.window.idle.methods == case.methods
    assert kiosk.window.idle.pin.isVisible() is (Method.PIN in case.methods)
    assert kiosk.window.idle.email.isVisible()
    if case.location:
        qtbot.waitUntil(lambda: kiosk.controller.place is not None, timeout=5000)
        assert kiosk.controller.place is not None
        assert kiosk.controller.place.id == case.location


def test_use_your_email_opens_the_email_screen(qtbot: QtBot, build: Build, case: Case) -> None:
    kiosk = build(configured(case))
    click(qtbot, kiosk.window.idle.email)
    assert kiosk.controller.view.screen is Screen.EMAIL
    assert kiosk.window.showing is kiosk.window.email
    password = CredentialKind.EMAIL not in kiosk.kinds  # our server and Nexudus ask for one
    assert kiosk.window.email.wants_password is password


def test_a_member_is_welcomed_by_name_then_said_goodbye(
    qtbot: QtBot, build: Build, case: Case
) -> None:
    kiosk = build(configured(case))
    welcome = result_text(qtbot, kiosk, lambda: present(qtbot, kiosk, case.member))
    assert "Welcome" in welcome
    if case.name != "nexudus":  # Nexudus names members by card or email, not by PIN
        assert "Welcome, Ada" in welcome
    assert kiosk.controller.view.outcome is not None
    assert kiosk.controller.view.outcome.status is Status.CHECKED_IN
    qtbot.waitUntil(lambda: kiosk.controller.view.screen is Screen.IDLE, timeout=5000)
    goodbye = result_text(qtbot, kiosk, lambda: present(qtbot, kiosk, case.member))
    assert "Goodbye" in goodbye


def test_a_refusal_says_why_in_plain_words(qtbot: QtBot, build: Build, case: Case) -> None:
    kiosk = build(configured(case))
    text = result_text(qtbot, kiosk, lambda: present(qtbot, kiosk, case.refused))
    assert case.refusal in text
    assert "Welcome" not in text


def test_a_way_the_backend_does_not_take_is_refused_without_asking_it(
    qtbot: QtBot, build: Build, case: Case, cloud: Any
) -> None:
    kiosk = build(configured(case))
    other = (
        Credential(CredentialKind.PIN, "12345")
        if Method.PIN not in case.methods
        else Credential(CredentialKind.EMAIL, "ada@example.com", source="camera")
    )
    if case.name == "fake":
        kiosk.controller.backend._kinds = frozenset({CredentialKind.PIN})  # type: ignore[attr-defined]
    asked = len(cloud.requests) if cloud is not None else 0
    text = result_text(qtbot, kiosk, lambda: kiosk.controller.present(other))
    assert "This kiosk cannot check you in that way" in text
    assert (len(cloud.requests) if cloud is not None else 0) == asked


def test_a_rate_limit_is_waited_out(qtbot: QtBot, build: Build, case: Case, cloud: Any) -> None:
    kiosk = build(configured(case))
    limited = httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "30"})
    if case.name == "nexudus":
        cloud.rate_limit = 30
    elif case.name == "kadence":
        cloud.fail_next.append(lambda r: limited if r.url.path == "/v1/public/users" else None)
    else:
        kiosk.controller.backend.answer = lambda r: Outcome(  # type: ignore[attr-defined]
            Status.REJECTED, reason=Reason.RATE_LIMITED, retry_after=30.0
        )
    text = result_text(qtbot, kiosk, lambda: present(qtbot, kiosk, case.member))
    assert "Too many attempts" in text
    assert "Please try again in 30 s." in text
    again = result_text(qtbot, kiosk, lambda: present(qtbot, kiosk, case.member))
    assert "Please try again in" in again  # not asked again during the wait
