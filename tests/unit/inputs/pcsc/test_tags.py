"""What a tap is: card, phone with the app, phone without it, or unreadable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.inputs.pcsc.scard import CardGoneError, PcscError
from kiosk.inputs.pcsc.tags import GET_UID, TagKind, read_tag, select_apdu
from tests.helpers import cards

READER = "ACS ACR122U 00 00"
UID = bytes.fromhex("04A1B2C3D4E5F6")


class Connection:
    """A `Card` over a behaviour, without the fake service around it."""

    def __init__(self, behaviour: cards.Answer) -> None:
        self.behaviour = behaviour
        self.apdus: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.apdus.append(apdu)
        reply = self.behaviour(apdu)
        if reply is None:
            raise CardGoneError("timeout")
        return reply

    def control(self, code: int, data: bytes) -> bytes:
        raise PcscError("unsupported")

    def disconnect(self) -> None:
        pass


def test_select_apdu() -> None:
    assert select_apdu(cards.AID).hex().upper() == "00A4040007F04B494F534B0100"


def test_a_card_is_read_by_its_uid_after_the_select_fails() -> None:
    connection = Connection(cards.card(UID))
    tap = read_tag(connection, READER, cards.AID, detected=1.5)
    assert (tap.kind, tap.uid, tap.reader, tap.detected) == (TagKind.CARD, UID, READER, 1.5)
    assert connection.apdus == [select_apdu(cards.AID), GET_UID]


def test_a_phone_with_the_app_answers_the_select_with_its_token() -> None:
    connection = Connection(cards.phone("7E3A91C4D2B85F06"))
    tap = read_tag(connection, READER, cards.AID)
    assert (tap.kind, tap.token, tap.uid) == (TagKind.PHONE, "7E3A91C4D2B85F06", b"")
    assert connection.apdus == [select_apdu(cards.AID)]
    assert "7E3A" not in repr(tap)


def test_a_phone_answering_another_aid_is_not_ours() -> None:
    tap = read_tag(Connection(cards.phone("T0KEN", aid=b"\xa0\x00\x00\x00\x01")), READER, cards.AID)
    assert tap.kind is TagKind.PHONE_NO_APP


def test_a_phone_without_the_app_has_a_random_uid() -> None:
    tap = read_tag(Connection(cards.phone_without_app()), READER, cards.AID)
    assert tap.kind is TagKind.PHONE_NO_APP
    assert tap.uid[0] == 0x08
    assert len(tap.uid) == 4


def test_a_7_byte_uid_starting_08_is_a_card() -> None:
    uid = b"\x08" + UID[1:]
    assert read_tag(Connection(cards.card(uid)), READER, cards.AID).kind is TagKind.CARD


def test_more_data_is_fetched_with_get_response() -> None:
    def chained(apdu: bytes) -> bytes:
        if apdu[:2] == b"\x00\xa4":
            return b"ABC\x61\x03"
        if apdu == b"\x00\xc0\x00\x00\x03":
            return b"DEF\x90\x00"
        return cards.UNKNOWN_INS

    tap = read_tag(Connection(chained), READER, cards.AID)
    assert (tap.kind, tap.token) == (TagKind.PHONE, "ABCDEF")


@pytest.mark.parametrize(
    ("reply", "shown"),
    [
        (b"\x13\x37", "13 37"),
        (b"", "nothing"),
        (b"\x90", "90"),
        (b"\x01\x02\x90\x00", "01 02 90 00"),  # too short for a UID
        (bytes(11) + cards.OK, "00 00"),  # too long
        (UID + b"\x63\x00", "63 00"),  # the reader's 'operation failed'
    ],
)
def test_a_garbage_uid_is_unreadable_with_the_bytes_kept(reply: bytes, shown: str) -> None:
    def answer(apdu: bytes) -> bytes:
        return cards.NOT_FOUND if apdu[:2] == b"\x00\xa4" else reply

    tap = read_tag(Connection(answer), READER, cards.AID)
    assert tap.kind is TagKind.UNREADABLE
    assert "GET UID answered" in tap.detail
    assert shown in tap.detail


@pytest.mark.parametrize("token", [b"", b"with space", b"\x00\x01", "café".encode(), b"x" * 257])
def test_a_phone_token_that_is_not_printable_text_is_unreadable(token: bytes) -> None:
    tap = read_tag(Connection(lambda apdu: token + cards.OK), READER, cards.AID)
    assert tap.kind is TagKind.UNREADABLE
    assert "not a token" in tap.detail


def test_a_reader_refusing_the_select_still_reads_the_uid() -> None:
    def memory_card(apdu: bytes) -> bytes:
        if apdu[:2] == b"\x00\xa4":
            raise PcscError("the reader cannot send ISO commands to this card")
        return UID + cards.OK

    assert read_tag(Connection(memory_card), READER, cards.AID).kind is TagKind.CARD


def test_a_card_answering_garbage_to_everything_is_unreadable() -> None:
    tap = read_tag(Connection(cards.garbage()), READER, cards.AID)
    assert (tap.kind, tap.detail) == (TagKind.UNREADABLE, "GET UID answered 13 37")


@pytest.mark.parametrize("behaviour", [cards.pulled_out_after_select(UID), cards.silent()])
def test_a_card_leaving_or_silent_mid_read_raises_card_gone(behaviour: cards.Answer) -> None:
    with pytest.raises(CardGoneError):
        read_tag(Connection(cards.fake_card(behaviour).answer), READER, cards.AID)


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_any_answer_gives_a_tap(select_reply: bytes, uid_reply: bytes) -> None:
    tap = read_tag(
        Connection(lambda apdu: select_reply if apdu[:2] == b"\x00\xa4" else uid_reply),
        READER,
        cards.AID,
    )
    assert tap.kind in TagKind
