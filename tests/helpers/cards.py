"""How test cards and phones answer commands: one function per behaviour, `apdu → answer`.

The same behaviours run in-process on `FakePcsc` and over TCP on the real vpcd reader
(`tests/helpers/vpcd.py`), so unit and integration tests tap the same cards.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from kiosk.inputs.pcsc.scard import CardGoneError
from kiosk.inputs.pcsc.tags import GET_UID, select_apdu
from tests.fakes.pcsc import FakeCard

AID = bytes.fromhex("F04B494F534B01")
OK = b"\x90\x00"
NOT_FOUND = b"\x6a\x82"
UNKNOWN_INS = b"\x6d\x00"
Answer = Callable[[bytes], bytes | None]


class PullOut(Exception):  # noqa: N818 - what the card does, not an error of the code
    """Raised by a behaviour to leave the reader in the middle of an exchange."""


def card(uid: bytes) -> Answer:
    """A plain access card: its UID to GET UID, 'file not found' to any SELECT."""

    def answer(apdu: bytes) -> bytes:
        if apdu == GET_UID:
            return uid + OK
        return NOT_FOUND if apdu[:2] == b"\x00\xa4" else UNKNOWN_INS

    return answer


def phone(token: str, aid: bytes = AID) -> Answer:
    """A phone with the member app open: its token to SELECT of the app's AID."""
    random_uid = b"\x08" + os.urandom(3)

    def answer(apdu: bytes) -> bytes:
        if apdu == select_apdu(aid):
            return token.encode() + OK
        if apdu == GET_UID:
            return random_uid + OK
        return NOT_FOUND if apdu[:2] == b"\x00\xa4" else UNKNOWN_INS

    return answer


def phone_without_app() -> Answer:
    """A phone whose app is closed: the OS says 'not found', the UID is random (08 …)."""
    return card(b"\x08" + os.urandom(3))


def garbage(reply: bytes = b"\x13\x37") -> Answer:
    """A broken card that gives the same meaningless answer to everything."""
    return lambda apdu: reply


def silent() -> Answer:
    """A card that never answers (None: the exchange waits until the card leaves)."""
    return lambda apdu: None


def pulled_out_after_select(uid: bytes) -> Answer:
    """A card taken away as soon as the reader asks for its UID."""
    inner = card(uid)

    def answer(apdu: bytes) -> bytes | None:
        if apdu == GET_UID:
            raise PullOut
        return inner(apdu)

    return answer


def fake_card(behaviour: Answer, mute: bool = False) -> FakeCard:
    """`behaviour` as a card on `FakePcsc`: a pull-out or no answer is the card leaving."""

    def answer(apdu: bytes) -> bytes:
        try:
            reply = behaviour(apdu)
        except PullOut:
            raise CardGoneError("the card was removed (0x80100069)") from None
        if reply is None:
            raise CardGoneError("the card did not answer (0x8010000A)")
        return reply

    return FakeCard(answer, mute=mute)
