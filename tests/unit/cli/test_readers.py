"""`kiosk readers` output, on the fake PC/SC service."""

from __future__ import annotations

import threading

from kiosk.cli.readers import describe_status, describe_tap, watch_readers
from kiosk.domain import UidFormat
from kiosk.inputs.pcsc.scard import Context, UnavailableError
from kiosk.inputs.pcsc.tags import TagKind, Tap
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.settings.model import ReaderSettings
from tests.fakes.pcsc import FakePcsc
from tests.helpers import cards

READER = "ACS ACR122U 00 00"


def test_status_lines() -> None:
    assert describe_status(ReaderStatus(ReaderState.READY, (READER,)), "acr") == [
        "Readers whose name contains 'acr':",
        f"  {READER}",
        "Tap a card or phone (Ctrl-C stops).",
    ]
    assert describe_status(ReaderStatus(ReaderState.NO_SERVICE, detail="no pcscd")) == [
        "The PC/SC service (pcscd) is not running; waiting for it…",
        "  (no pcscd)",
    ]
    assert describe_status(ReaderStatus(ReaderState.UNAVAILABLE, detail="no libpcsclite")) == [
        "PC/SC is not available on this machine (install pcscd and pyscard).",
        "  (no libpcsclite)",
    ]
    assert describe_status(ReaderStatus(ReaderState.NO_READER)) == [
        "No reader connected; waiting for one…"
    ]


def test_a_card_in_every_format_with_the_configured_one_marked() -> None:
    settings = ReaderSettings(uid_format=UidFormat.DEC_BE)
    lines = describe_tap(Tap(READER, TagKind.CARD, uid=bytes.fromhex("04A1B2C3")), settings)
    assert lines[0] == f"{READER}: card, UID of 4 bytes"
    assert lines[4] == "  dec_be        0077705923   ← reader.uid_format"
    assert sum("←" in line for line in lines) == 1


def test_phone_token_is_never_printed() -> None:
    tap = Tap(READER, TagKind.PHONE, token="SECRET-TOKEN")
    assert describe_tap(tap, ReaderSettings()) == [
        f"{READER}: phone with the member app, token of 12 chars"
    ]


def test_watch_readers_prints_status_and_taps_then_stops() -> None:
    pcsc = FakePcsc()
    out: list[str] = []
    placed = threading.Event()

    def write(line: str) -> None:
        out.append(line)
        if line == "No reader connected; waiting for one…":
            pcsc.plug(READER)
        if line.startswith("Tap a card") and not placed.is_set():
            placed.set()
            pcsc.place(READER, cards.fake_card(cards.garbage()))

    assert watch_readers(pcsc, ReaderSettings(), write, count=1) == 0
    assert out[-1] == f"{READER}: unreadable: GET UID answered 13 37"
    assert not any(t.name == "pcsc-supervisor" for t in threading.enumerate())


def test_watch_readers_without_pc_sc_says_so_and_exits_1() -> None:
    class Missing:
        def establish(self) -> Context:
            raise UnavailableError("cannot load PC/SC: no libpcsclite")

    out: list[str] = []
    assert watch_readers(Missing(), ReaderSettings(), out.append) == 1
    assert out == [
        "PC/SC is not available on this machine (install pcscd and pyscard).",
        "  (cannot load PC/SC: no libpcsclite)",
    ]
