"""The reader supervisor against the fake PC/SC service: taps, debounce, outages, readers."""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.inputs.pcsc.feedback import ACR122_BEEP, ACR1252_BEEP
from kiosk.inputs.pcsc.scard import Context, UnavailableError
from kiosk.inputs.pcsc.supervisor import Debounce, PcscSupervisor
from kiosk.inputs.pcsc.tags import TagKind, Tap
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.settings.model import ReaderSettings
from tests.fakes.pcsc import FakeCard, FakePcsc
from tests.helpers import cards
from tests.helpers.clock import Ticker

ACR122 = "ACS ACR122U PICC Interface 00 00"
ACR1252 = "ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00"
OMNIKEY = "HID Global OMNIKEY 5422 Smartcard Reader 01 00"
UID = bytes.fromhex("04A1B2C3D4E5F6")
OTHER = bytes.fromhex("5F3C2A19")
Event = Tap | ReaderStatus


class Watch:
    """A running supervisor and what it delivered."""

    def __init__(self, pcsc: FakePcsc, settings: ReaderSettings, clock: Ticker) -> None:
        self.events: queue.Queue[Event] = queue.Queue()
        self.supervisor = PcscSupervisor(pcsc, settings, clock)
        self.supervisor.start(self.events.put)

    def next(self, kind: type[Event] = Tap, seconds: float = 3.0) -> Event:
        """The next event of `kind`, skipping others."""
        while True:
            event = self.events.get(timeout=seconds)
            if isinstance(event, kind):
                return event

    def tap(self) -> Tap:
        event = self.next(Tap)
        assert isinstance(event, Tap)
        return event

    def status(self, state: ReaderState | None = None) -> ReaderStatus:
        while True:
            event = self.next(ReaderStatus)
            assert isinstance(event, ReaderStatus)
            if state is None or event.state is state:
                return event

    def quiet(self) -> bool:
        """Nothing delivered and nothing being read."""
        return self.events.empty() and not self.supervisor.reading


@pytest.fixture
def pcsc() -> FakePcsc:
    return FakePcsc([ACR122])


@pytest.fixture
def clock() -> Ticker:
    return Ticker(100.0)


@pytest.fixture
def watch(pcsc: FakePcsc, clock: Ticker) -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(**settings: Any) -> Watch:
        w = Watch(pcsc, dataclasses.replace(ReaderSettings(), **settings), clock)
        started.append(w)
        return w

    yield start
    for w in started:
        w.supervisor.stop()


def test_a_reader_is_ready_and_a_card_tap_gives_its_uid(
    pcsc: FakePcsc, watch: Callable[..., Watch]
) -> None:
    w = watch()
    assert w.status() == ReaderStatus(ReaderState.READY, (ACR122,))
    pcsc.place(ACR122, cards.fake_card(cards.card(UID)))
    tap = w.tap()
    assert (tap.reader, tap.kind, tap.uid) == (ACR122, TagKind.CARD, UID)
    assert tap.detected > 0


@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [
        (cards.phone("7E3A91C4D2B85F06"), TagKind.PHONE),
        (cards.phone_without_app(), TagKind.PHONE_NO_APP),
        (cards.garbage(), TagKind.UNREADABLE),
        (cards.pulled_out_after_select(UID), TagKind.UNREADABLE),
        (cards.silent(), TagKind.UNREADABLE),
    ],
)
def test_every_kind_of_tap(
    pcsc: FakePcsc, watch: Callable[..., Watch], behaviour: cards.Answer, kind: TagKind
) -> None:
    w = watch()
    w.status()
    pcsc.place(ACR122, cards.fake_card(behaviour))
    assert w.tap().kind is kind


def test_a_mute_card_is_unreadable_without_a_connection(
    pcsc: FakePcsc, watch: Callable[..., Watch]
) -> None:
    w = watch()
    w.status()
    card = cards.fake_card(cards.card(UID), mute=True)
    pcsc.place(ACR122, card)
    tap = w.tap()
    assert (tap.kind, tap.detail) == (TagKind.UNREADABLE, "the card does not answer")
    assert card.apdus == []


def test_a_card_that_raises_anything_is_survived(
    pcsc: FakePcsc, watch: Callable[..., Watch]
) -> None:
    def broken(apdu: bytes) -> bytes:
        raise ValueError("driver bug")

    w = watch()
    w.status()
    pcsc.place(ACR122, FakeCard(broken))
    assert w.tap().kind is TagKind.UNREADABLE
    pcsc.remove(ACR122)
    pcsc.place(ACR122, cards.fake_card(cards.card(UID)))
    assert w.tap().kind is TagKind.CARD


def test_a_card_left_on_the_reader_is_read_once(
    pcsc: FakePcsc, watch: Callable[..., Watch], clock: Ticker
) -> None:
    w = watch()
    w.status()
    pcsc.place(ACR122, cards.fake_card(cards.card(UID)))
    assert w.tap().uid == UID
    clock.now += 60
    pcsc.plug(OMNIKEY)  # wakes the watcher: the card is still there, still the same
    w.status(ReaderState.READY)
    pcsc.place(OMNIKEY, cards.fake_card(cards.card(OTHER)))
    assert w.tap().uid == OTHER
    assert w.quiet()


def test_the_same_card_again_is_read_only_after_repeat_after(
    pcsc: FakePcsc, watch: Callable[..., Watch], clock: Ticker
) -> None:
    w = watch(repeat_after=2.0)
    w.status()
    card = cards.fake_card(cards.card(UID))
    pcsc.place(ACR122, card)
    w.tap()
    pcsc.remove(ACR122)
    clock.now += 2.5
    pcsc.place(ACR122, card)
    assert w.tap().uid == UID


def test_debounce_rules() -> None:
    clock = Ticker(100.0)
    debounce = Debounce(2.0, clock)
    card = Tap(ACR122, TagKind.CARD, uid=UID)
    assert debounce.admit(card)
    assert not debounce.admit(card)  # still on the reader
    clock.now += 10
    assert not debounce.admit(card)  # still on the reader, however long
    debounce.removed(ACR122)
    assert debounce.admit(card)
    debounce.removed(ACR122)
    clock.now += 1.9
    assert not debounce.admit(card)  # back too soon
    debounce.removed(ACR122)
    clock.now += 0.2
    assert debounce.admit(card)
    other = Tap(ACR122, TagKind.CARD, uid=OTHER)
    debounce.removed(ACR122)
    assert debounce.admit(other)  # a different card at once
    bad = Tap(ACR122, TagKind.UNREADABLE, detail="x")
    assert debounce.admit(bad)
    assert debounce.admit(bad)


def test_no_service_then_service(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    pcsc.stop_service()
    w = watch()
    assert w.status().state is ReaderState.NO_SERVICE
    pcsc.start_service()
    assert w.status().state is ReaderState.READY


def test_the_service_restarting_is_survived(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    w = watch()
    w.status(ReaderState.READY)
    pcsc.stop_service()
    assert w.status().state is ReaderState.NO_SERVICE
    pcsc.start_service()
    w.status(ReaderState.READY)
    pcsc.place(ACR122, cards.fake_card(cards.card(UID)))
    assert w.tap().uid == UID


def test_a_card_removed_during_an_outage_is_read_again_after_it(
    pcsc: FakePcsc, watch: Callable[..., Watch], clock: Ticker
) -> None:
    w = watch()
    w.status(ReaderState.READY)
    card = cards.fake_card(cards.card(UID))
    pcsc.place(ACR122, card)
    w.tap()
    pcsc.stop_service()
    w.status(ReaderState.NO_SERVICE)
    pcsc.remove(ACR122)
    pcsc.start_service()
    w.status(ReaderState.READY)
    clock.now += 5
    pcsc.place(ACR122, card)
    assert w.tap().uid == UID


def test_readers_plugged_and_unplugged(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    w = watch()
    w.status(ReaderState.READY)
    pcsc.unplug(ACR122)
    assert w.status() == ReaderStatus(ReaderState.NO_READER)
    pcsc.plug(OMNIKEY)
    assert w.status() == ReaderStatus(ReaderState.READY, (OMNIKEY,))
    pcsc.plug(ACR122)
    assert w.status() == ReaderStatus(ReaderState.READY, (OMNIKEY, ACR122))
    pcsc.place(ACR122, cards.fake_card(cards.card(UID)))
    assert w.tap().reader == ACR122


def test_name_filter_and_changing_it_live(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    pcsc.plug(OMNIKEY)
    w = watch(name_filter="omnikey")
    assert w.status() == ReaderStatus(ReaderState.READY, (OMNIKEY,))
    pcsc.place(ACR122, cards.fake_card(cards.card(OTHER)))
    pcsc.place(OMNIKEY, cards.fake_card(cards.card(UID)))
    assert w.tap().reader == OMNIKEY
    w.supervisor.apply(dataclasses.replace(ReaderSettings(), name_filter="ACR122"))
    assert w.status() == ReaderStatus(ReaderState.READY, (ACR122,))
    assert w.tap().uid == OTHER  # the card already lying there is read once


def test_a_card_that_hangs_holds_up_only_its_own_reader(
    pcsc: FakePcsc, watch: Callable[..., Watch]
) -> None:
    release = threading.Event()

    def hanging(apdu: bytes) -> bytes:
        release.wait(5)
        return cards.NOT_FOUND

    pcsc.plug(OMNIKEY)
    w = watch()
    w.status()
    pcsc.place(ACR122, FakeCard(hanging))
    pcsc.place(OMNIKEY, cards.fake_card(cards.card(UID)))
    assert w.tap().reader == OMNIKEY
    release.set()
    assert w.tap().kind is TagKind.UNREADABLE


def test_stop_ends_the_watch_and_nothing_comes_after(
    pcsc: FakePcsc, watch: Callable[..., Watch]
) -> None:
    w = watch()
    w.status()
    w.supervisor.stop()
    card = cards.fake_card(cards.card(UID))
    pcsc.place(ACR122, card)
    assert not any(t.name == "pcsc-supervisor" for t in threading.enumerate())
    assert card.apdus == []
    assert w.quiet()


def test_no_pc_sc_library_is_a_status_and_the_watch_ends() -> None:
    class Missing:
        def establish(self) -> Context:
            raise UnavailableError("cannot load PC/SC: no libpcsclite")

    events: queue.Queue[Event] = queue.Queue()
    supervisor = PcscSupervisor(Missing(), ReaderSettings())
    supervisor.start(events.put)
    status = events.get(timeout=3)
    assert status == ReaderStatus(
        ReaderState.UNAVAILABLE, detail="cannot load PC/SC: no libpcsclite"
    )
    supervisor.stop()
    assert events.empty()


def test_a_broken_layer_is_survived(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    real = pcsc.establish
    calls = iter([RuntimeError("the library is confused")])

    def establish() -> Context:
        for exc in calls:
            raise exc
        return real()

    pcsc.establish = establish  # type: ignore[method-assign]
    w = watch()
    assert w.status().state is ReaderState.NO_SERVICE
    assert w.status().state is ReaderState.READY


def test_acr122_beeps_after_a_read(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    w = watch()
    w.status()
    plain = cards.card(UID)
    card = FakeCard(lambda apdu: b"\x90\x00" if apdu == ACR122_BEEP else plain(apdu) or b"")
    pcsc.place(ACR122, card)
    w.tap()
    _until(lambda: not w.supervisor.reading)
    assert card.apdus[-1] == ACR122_BEEP


def test_a_reader_refusing_the_beep_still_reads_and_is_not_asked_again(
    pcsc: FakePcsc, watch: Callable[..., Watch], clock: Ticker
) -> None:
    w = watch()
    w.status()
    first = cards.fake_card(cards.card(UID))
    pcsc.place(ACR122, first)
    assert w.tap().kind is TagKind.CARD
    _until(lambda: not w.supervisor.reading)
    assert first.apdus[-1] == ACR122_BEEP  # answered 6D 00: refused
    pcsc.remove(ACR122)
    second = cards.fake_card(cards.card(OTHER))
    pcsc.place(ACR122, second)
    assert w.tap().uid == OTHER
    _until(lambda: not w.supervisor.reading)
    assert ACR122_BEEP not in second.apdus


def test_escape_beep_on_acr1252_and_none_on_other_readers(
    pcsc: FakePcsc, watch: Callable[..., Watch]
) -> None:
    pcsc.plug(ACR1252)
    pcsc.plug(OMNIKEY)
    w = watch()
    w.status()
    escapes: list[bytes] = []
    acs = cards.fake_card(cards.card(UID))

    def control(data: bytes) -> bytes:
        escapes.append(data)
        return b"\xe1\x00\x00\x00\x01\x00"

    acs.control = control
    hid = cards.fake_card(cards.card(OTHER))
    pcsc.place(ACR1252, acs)
    pcsc.place(OMNIKEY, hid)
    assert {w.tap().reader, w.tap().reader} == {ACR1252, OMNIKEY}
    _until(lambda: not w.supervisor.reading)
    assert escapes == [ACR1252_BEEP]
    assert hid.apdus[-1] == bytes.fromhex("FFCA000000")


def test_no_beep_when_feedback_is_off(pcsc: FakePcsc, watch: Callable[..., Watch]) -> None:
    w = watch(feedback=False)
    w.status()
    card = cards.fake_card(cards.card(UID))
    pcsc.place(ACR122, card)
    w.tap()
    _until(lambda: not w.supervisor.reading)
    assert ACR122_BEEP not in card.apdus


def _until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)
