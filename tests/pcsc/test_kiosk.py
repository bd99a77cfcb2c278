"""Cards and phones on the real PC/SC stack, through the whole kiosk and the embedded server.

pcscd runs with vpcd; the test cards in tests/helpers/cards.py connect to it as a card would
be laid on a USB reader. The kiosk is built as in production (`build_app` with the real
pyscard layer, the Nexudus-protocol client and the embedded server in its thread).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.eventlog import EventLog
from kiosk.app.kiosk import KioskApp, build_app
from kiosk.domain import Credential, CredentialKind, Outcome, Reason, Status
from kiosk.inputs.reader import ReadFailure
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.settings import staffpin
from kiosk.settings.model import Config, ReaderSettings, StaffSettings, TimeoutSettings
from kiosk.ui.member.idle import Method
from tests.helpers import cards
from tests.helpers.kiosk import CHEAP
from tests.helpers.pcscd import Pcscd
from tests.helpers.server import demo_db
from tests.helpers.vpcd import VirtualCard
from tests.helpers.xvfb import read_events

ADA_CARD = bytes.fromhex("04A1B2C3D4E5F6")
EVE_TOKEN = "7E3A91C4D2B85F06"
FRANK_CARD = bytes.fromhex("5F3C2A19")
FIRST, SECOND = "Virtual PCD 00 00", "Virtual PCD 00 01"
STAFF_HASH = staffpin.hash_pin("246813", CHEAP)


def run(qtbot: QtBot, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run `coro` on the Qt loop until it is done."""
    task = loop.create_task(coro)
    qtbot.waitUntil(task.done, timeout=15000)
    return task.result()


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "events.jsonl"


def make_config(tmp_path: Path, **reader: Any) -> Config:
    db = demo_db(tmp_path / "server" / "checkin.db")
    config = Config(timeouts=TimeoutSettings(result=1.0, pin=5.0, debounce=0.0, busy_delay=0.15))
    return dataclasses.replace(
        config,
        kiosk=dataclasses.replace(config.kiosk, location="1"),
        backend=dataclasses.replace(config.backend, db=str(db)),
        reader=dataclasses.replace(ReaderSettings(repeat_after=0.5), **reader),
        staff=StaffSettings(pin_hash=STAFF_HASH),  # provisioned: starts to the idle screen
    )


@pytest.fixture
def start(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, pcscd: Pcscd, tmp_path: Path, log_path: Path
) -> Iterator[Any]:
    built: list[KioskApp] = []

    def started(**reader: Any) -> KioskApp:
        config = make_config(tmp_path, **reader)
        path = tmp_path / "kiosk.toml"
        kiosk = build_app(config, aloop, events=EventLog(log_path), config_path=path)
        built.append(kiosk)
        qtbot.addWidget(kiosk.window)
        kiosk.window.show_kiosk(windowed=True, hide_cursor=False)
        with qtbot.waitSignal(kiosk.controller.place_changed, timeout=15000):
            aloop.create_task(kiosk.start())
        if kiosk.reader.status.state is not ReaderState.READY:
            wait_status(qtbot, kiosk, ReaderState.READY)
        return kiosk

    yield started
    for kiosk in built:
        kiosk.window.allow_close = True
        run(qtbot, aloop, kiosk.aclose())


def wait_status(qtbot: QtBot, kiosk: KioskApp, state: ReaderState, ms: int = 10000) -> None:
    with qtbot.waitSignal(
        kiosk.reader.status_changed,
        timeout=ms,
        check_params_cb=lambda status: status.state is state,
    ):
        pass


def tap(qtbot: QtBot, kiosk: KioskApp, card: VirtualCard) -> tuple[Credential, Outcome]:
    """Lay `card` on its reader (it stays there); the credential read and the outcome."""
    with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as finished:
        card.place()
    attempt, outcome = finished.args
    return attempt.credential, outcome


def failed_tap(qtbot: QtBot, kiosk: KioskApp, card: VirtualCard) -> ReadFailure:
    with qtbot.waitSignal(kiosk.reader.failed, timeout=10000) as failed:
        card.place()
    failure: ReadFailure = failed.args[0]
    return failure


def test_a_card_tap_checks_a_member_in(qtbot: QtBot, start: Any, log_path: Path) -> None:
    kiosk = start()
    assert kiosk.reader.status == ReaderStatus(ReaderState.READY, (FIRST, SECOND))
    assert Method.TAP in kiosk.window.idle.methods
    with VirtualCard(cards.card(ADA_CARD)) as card:
        pass  # placed and removed before the kiosk looked: nothing happens
    card = VirtualCard(cards.card(ADA_CARD))
    credential, outcome = tap(qtbot, kiosk, card)
    card.remove()
    assert credential == Credential(
        CredentialKind.CARD, "04A1B2C3D4E5F6", f"pcsc:{FIRST}", credential.read_at
    )
    assert (outcome.status, outcome.member) == (Status.CHECKED_IN, "Ada Lovelace")
    assert "Welcome, Ada" in kiosk.window.result.title.text()
    assert card.apdus[:2] == [
        bytes.fromhex("00A4040007F04B494F534B0100"),
        bytes.fromhex("FFCA000000"),
    ]
    kinds = [e["event"] for e in read_events(log_path)]
    assert "reader" in kinds
    assert "credential" in kinds
    assert kiosk.host.server is not None
    store = kiosk.host.server.server.store
    open_members = [c.coworker_full_name for c in store.checkins(open_only=True).records]
    assert open_members == ["Ada Lovelace"]


def test_a_phone_tap_checks_in_by_token(qtbot: QtBot, start: Any, log_path: Path) -> None:
    kiosk = start()
    phone = VirtualCard(cards.phone(EVE_TOKEN))
    credential, outcome = tap(qtbot, kiosk, phone)
    phone.remove()
    assert (credential.kind, credential.value) == (CredentialKind.PHONE, EVE_TOKEN)
    assert (outcome.status, outcome.member) == (Status.CHECKED_IN, "Eve Tanaka")
    assert phone.apdus == [bytes.fromhex("00A4040007F04B494F534B0100")]  # no GET UID needed
    assert EVE_TOKEN not in log_path.read_text()


def test_a_card_left_on_the_reader_gives_one_outcome(qtbot: QtBot, start: Any) -> None:
    kiosk = start()  # toggle mode, no controller debounce, repeat_after 0.5 s
    outcomes: list[Outcome] = []
    kiosk.controller.finished.connect(lambda attempt, outcome: outcomes.append(outcome))
    card = VirtualCard(cards.card(ADA_CARD))
    tap(qtbot, kiosk, card)
    card.wait_polls(6)  # about 2.5 s on the reader: 5× repeat_after
    card.remove()
    assert [o.status for o in outcomes] == [Status.CHECKED_IN]
    _, outcome = tap(qtbot, kiosk, card)  # taken away and tapped again: read again
    card.remove()
    assert outcome.status is Status.CHECKED_OUT
    assert len(outcomes) == 2


@pytest.mark.parametrize(
    "behaviour",
    [cards.garbage(), cards.pulled_out_after_select(ADA_CARD)],
    ids=["garbage", "pulled-out"],
)
def test_a_bad_card_is_survived(
    qtbot: QtBot, start: Any, log_path: Path, behaviour: cards.Answer
) -> None:
    kiosk = start()
    bad = VirtualCard(behaviour)
    failure = failed_tap(qtbot, kiosk, bad)
    bad.remove()
    assert failure.reason is Reason.UNREADABLE
    assert "Could not read your card" in kiosk.window.result.title.text()
    logged = [e for e in read_events(log_path) if e["event"] == "read_failed"]
    assert logged[0]["reason"] == "unreadable"
    assert logged[0]["reader"] == FIRST
    _, outcome = tap(qtbot, kiosk, VirtualCard(cards.card(ADA_CARD)))
    assert outcome.status is Status.CHECKED_IN


def test_a_card_that_never_answers_is_survived(qtbot: QtBot, start: Any) -> None:
    kiosk = start()
    silent = VirtualCard(cards.silent()).place()
    silent.wait_apdu()  # the kiosk is waiting for an answer that never comes
    _, outcome = tap(qtbot, kiosk, VirtualCard(cards.phone(EVE_TOKEN), SECOND))
    assert outcome.member == "Eve Tanaka"  # the other reader is not held up
    with qtbot.waitSignal(kiosk.reader.failed, timeout=10000) as failed:
        silent.remove()
    assert failed.args[0].reason is Reason.UNREADABLE
    _, outcome = tap(qtbot, kiosk, VirtualCard(cards.card(ADA_CARD)))
    assert outcome.member == "Ada Lovelace"


def test_a_phone_without_the_app_is_asked_to_open_it(qtbot: QtBot, start: Any) -> None:
    kiosk = start()
    phone = VirtualCard(cards.phone_without_app())
    failure = failed_tap(qtbot, kiosk, phone)
    phone.remove()
    assert failure.reason is Reason.PHONE_APP_CLOSED
    assert kiosk.window.result.title.text() == "Open the member app and tap again"


def test_two_readers_at_once(qtbot: QtBot, start: Any) -> None:
    kiosk = start()
    members: list[str | None] = []
    kiosk.controller.finished.connect(lambda attempt, outcome: members.append(outcome.member))
    with qtbot.waitSignals([kiosk.controller.finished] * 2, timeout=10000):
        ada = VirtualCard(cards.card(ADA_CARD), FIRST).place()
        eve = VirtualCard(cards.phone(EVE_TOKEN), SECOND).place()
    ada.remove()
    eve.remove()
    assert sorted(m or "" for m in members) == ["Ada Lovelace", "Eve Tanaka"]


def test_name_filter_uses_only_matching_readers(qtbot: QtBot, start: Any) -> None:
    kiosk = start(name_filter="pcd 00 01")
    assert kiosk.reader.status.readers == (SECOND,)
    ignored = VirtualCard(cards.card(ADA_CARD), FIRST).place()
    _, outcome = tap(qtbot, kiosk, VirtualCard(cards.phone(EVE_TOKEN), SECOND))
    assert outcome.member == "Eve Tanaka"
    ignored.wait_polls(2)
    ignored.remove()
    assert ignored.apdus == []


def test_pcscd_killed_and_restarted_is_survived(qtbot: QtBot, start: Any, pcscd: Pcscd) -> None:
    kiosk = start()
    with qtbot.waitSignal(
        kiosk.reader.status_changed,
        timeout=10000,
        check_params_cb=lambda s: s.state is ReaderState.NO_SERVICE,
    ):
        pcscd.kill()
    assert kiosk.window.idle.states["reader"] == "● Reader: card service not running"
    assert Method.TAP not in kiosk.window.idle.methods
    with qtbot.waitSignal(
        kiosk.reader.status_changed,
        timeout=10000,
        check_params_cb=lambda s: s.state is ReaderState.READY,
    ):
        pcscd.start()
        back = time.perf_counter()
    ready_after = time.perf_counter() - back
    assert ready_after < 2.0, f"reading again {ready_after:.2f} s after pcscd came back"
    assert Method.TAP in kiosk.window.idle.methods
    _, outcome = tap(qtbot, kiosk, VirtualCard(cards.card(ADA_CARD)))
    assert outcome.member == "Ada Lovelace"
