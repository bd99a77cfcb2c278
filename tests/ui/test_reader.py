"""The card reader in the kiosk UI, on the fake PC/SC service: taps, failures, reader state."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import build_app, methods
from kiosk.domain import CredentialKind, Outcome, Status, UidFormat
from kiosk.flows.checkin import Screen
from kiosk.inputs.pcsc import scard
from kiosk.inputs.status import ReaderState
from kiosk.settings.model import Config, ReaderSettings
from kiosk.ui.member.idle import Method
from kiosk.ui.present import Tone
from tests.fakes.backend import FakeBackend
from tests.fakes.pcsc import FakePcsc
from tests.helpers import cards
from tests.helpers.kiosk import READER, Build, events, settings

UID = bytes.fromhex("04A1B2C3")


def with_reader(**reader: Any) -> Config:
    config = settings()
    return dataclasses.replace(config, reader=dataclasses.replace(ReaderSettings(), **reader))


def test_a_card_tap_checks_in_with_the_uid_in_the_configured_format(
    qtbot: QtBot, build: Build, backend: FakeBackend, pcsc: FakePcsc
) -> None:
    backend.answer = lambda r: Outcome(Status.CHECKED_IN, member="Ada Lovelace")
    kiosk = build(with_reader(uid_format=UidFormat.DEC_LE))
    assert kiosk.window.idle.states["reader"] == "● Reader: ready"
    assert Method.TAP in kiosk.window.idle.methods
    with qtbot.waitSignal(kiosk.controller.finished):
        pcsc.place(READER, cards.fake_card(cards.card(UID)))
    credential = backend.requests[0].credential
    assert (credential.kind, credential.value) == (CredentialKind.CARD, "3283263748")
    assert credential.source == f"pcsc:{READER}"
    assert kiosk.window.result.title.text() == "Welcome, Ada"


def test_a_phone_tap_sends_its_token(
    qtbot: QtBot, build: Build, backend: FakeBackend, pcsc: FakePcsc, event_path: Path
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.controller.finished):
        pcsc.place(READER, cards.fake_card(cards.phone("7E3A91C4D2B85F06")))
    credential = backend.requests[0].credential
    assert (credential.kind, credential.value) == (CredentialKind.PHONE, "7E3A91C4D2B85F06")
    assert "7E3A91C4D2B85F06" not in event_path.read_text()


def test_a_phone_without_the_app_is_told_to_open_it_and_nothing_is_sent(
    qtbot: QtBot, build: Build, backend: FakeBackend, pcsc: FakePcsc, event_path: Path
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.reader.failed):
        pcsc.place(READER, cards.fake_card(cards.phone_without_app()))
    assert kiosk.window.result.title.text() == "Open the member app and tap again"
    assert kiosk.window.result.tone is Tone.INFO
    assert backend.requests == []
    failed = [e for e in events(event_path) if e["event"] == "read_failed"]
    assert failed == [{**failed[0], "reader": READER, "reason": "phone_app_closed", "detail": ""}]


def test_an_unreadable_card_says_so_and_the_next_tap_works(
    qtbot: QtBot, build: Build, backend: FakeBackend, pcsc: FakePcsc, event_path: Path
) -> None:
    kiosk = build()
    with qtbot.waitSignal(kiosk.reader.failed):
        pcsc.place(READER, cards.fake_card(cards.garbage()))
    assert kiosk.window.result.title.text() == "Could not read your card or phone"
    assert kiosk.window.result.tone is Tone.PROBLEM
    assert "Traceback" not in event_path.read_text()
    pcsc.remove(READER)
    with qtbot.waitSignal(kiosk.controller.finished):
        pcsc.place(READER, cards.fake_card(cards.card(UID)))
    assert kiosk.window.result.title.text().startswith("Welcome")


def test_a_failed_read_during_a_check_does_not_hide_it(
    qtbot: QtBot, build: Build, backend: FakeBackend, pcsc: FakePcsc
) -> None:
    backend.delay = 0.5
    kiosk = build()
    with qtbot.waitSignal(kiosk.reader.status_changed):
        pcsc.plug("Second reader")
    with qtbot.waitSignal(kiosk.controller.accepted):
        pcsc.place(READER, cards.fake_card(cards.card(UID)))
    with qtbot.waitSignal(kiosk.reader.failed):
        pcsc.place("Second reader", cards.fake_card(cards.garbage()))
    assert kiosk.controller.view.screen is not Screen.RESULT
    with qtbot.waitSignal(kiosk.controller.finished, timeout=3000):
        pass
    assert kiosk.window.result.title.text().startswith("Welcome")


def test_reader_state_on_the_idle_screen_and_in_the_log(
    qtbot: QtBot, build: Build, pcsc: FakePcsc, event_path: Path
) -> None:
    kiosk = build()
    idle = kiosk.window.idle
    with qtbot.waitSignal(kiosk.reader.status_changed):
        pcsc.unplug(READER)
    assert idle.states["reader"] == "● Reader: no reader connected"
    assert Method.TAP not in idle.methods
    assert idle.status.state == "bad"  # the dot, for staff; and words for members:
    assert idle.notice.text() == "Card reader unavailable — please use your PIN"
    assert idle.notice.isVisibleTo(kiosk.window)
    with qtbot.waitSignal(kiosk.reader.status_changed):
        pcsc.stop_service()
    assert idle.states["reader"] == "● Reader: card service not running"
    with qtbot.waitSignal(kiosk.reader.status_changed):
        pcsc.start_service()
    assert idle.states["reader"] == "● Reader: no reader connected"
    with qtbot.waitSignal(kiosk.reader.status_changed):
        pcsc.plug(READER)
    assert idle.states["reader"] == "● Reader: ready"
    assert Method.TAP in idle.methods
    assert idle.status.state == "ok"
    assert not idle.notice.isVisibleTo(kiosk.window)
    assert "● Reader: ready" in idle.status.accessibleDescription()
    states = [e["state"] for e in events(event_path) if e["event"] == "reader"]
    assert states == ["ready", "no_reader", "no_service", "no_reader", "ready"]


def test_a_switched_off_reader_shows_nothing(qtbot: QtBot, build: Build) -> None:
    kiosk = build(with_reader(enabled=False))
    assert kiosk.reader.status.state is ReaderState.OFF
    assert "reader" not in kiosk.window.idle.states
    assert Method.TAP not in kiosk.window.idle.methods


def test_methods_follow_the_backend_and_the_reader() -> None:
    every = frozenset(CredentialKind)
    assert methods(every, ReaderState.READY) == {Method.PIN, Method.TAP, Method.EMAIL}
    assert methods(every, ReaderState.NO_SERVICE) == {Method.PIN, Method.EMAIL}
    assert methods(frozenset({CredentialKind.PHONE}), ReaderState.READY) == {Method.TAP}
    assert methods(frozenset({CredentialKind.PIN}), ReaderState.READY) == {Method.PIN}
    kadence = frozenset({CredentialKind.EMAIL})  # no PIN, no card: only the email keyboard
    assert methods(kadence, ReaderState.READY, scanner=True) == {Method.EMAIL}


def test_without_pc_sc_the_kiosk_says_so_and_takes_pins(
    qtbot: QtBot,
    aloop: asyncio.AbstractEventLoop,
    backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing() -> None:
        raise scard.UnavailableError(
            "cannot load PC/SC: libpcsclite.so.1: cannot open shared object file"
        )

    monkeypatch.setattr(scard, "_load", missing)
    kiosk = build_app(settings(), aloop, backend=backend)
    qtbot.addWidget(kiosk.window)
    with qtbot.waitSignal(kiosk.reader.status_changed):
        kiosk.reader.start()
    assert kiosk.reader.status.state is ReaderState.UNAVAILABLE
    assert "libpcsclite" in kiosk.reader.status.detail
    assert kiosk.window.idle.states["reader"] == "● Reader: not available"
    assert kiosk.window.idle.methods == {Method.PIN, Method.EMAIL}
    kiosk.controller.start()
    with qtbot.waitSignal(kiosk.controller.finished):
        kiosk.present_pin("12345")
    kiosk.reader.stop()
    kiosk.controller.close()
