"""UID formats: each one checked by hand on a known UID, and invariants for any UID."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import UidFormat
from kiosk.inputs.pcsc.cardid import all_formats, format_uid

UID = bytes.fromhex("04A1B2C3")


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (UidFormat.HEX, "04A1B2C3"),
        (UidFormat.HEX_REVERSED, "C3B2A104"),
        (UidFormat.DEC_LE, "3283263748"),  # 0xC3B2A104
        (UidFormat.DEC_BE, "0077705923"),  # 0x04A1B2C3, padded to 10 digits
        (UidFormat.WIEGAND26, "161:45763"),  # facility 0xA1, card 0xB2C3
        (UidFormat.WIEGAND34, "01185:45763"),  # facility 0x04A1, card 0xB2C3
        (UidFormat.DEC8, "10597059"),  # 0xA1B2C3, the last three bytes
        (UidFormat.DEC13, "0000077705923"),  # 0x04A1B2C3, padded to 13 digits
    ],
)
def test_each_format_of_a_4_byte_uid(fmt: UidFormat, text: str) -> None:
    assert format_uid(UID, fmt) == text


def test_a_7_byte_uid() -> None:
    uid = bytes.fromhex("04A1B2C3D4E5F6")
    assert format_uid(uid, UidFormat.HEX) == "04A1B2C3D4E5F6"
    assert format_uid(uid, UidFormat.HEX_REVERSED) == "F6E5D4C3B2A104"
    assert format_uid(uid, UidFormat.DEC_BE) == str(0x04A1B2C3D4E5F6)
    assert format_uid(uid, UidFormat.WIEGAND26) == "212:58870"  # last three bytes D4 E5F6


@pytest.mark.parametrize(
    ("uid", "fmt", "text"),
    [
        ("02B775D2", UidFormat.DEC8, "12023250"),  # a reader maker's "6H→8D" example
        ("7F0012AB34", UidFormat.DEC13, "0545462070068"),  # a 5-byte UID, "10H→13D"
        ("FFFFFFFFFF", UidFormat.DEC13, "1099511627775"),  # the largest takes all 13 digits
    ],
)
def test_printed_decimal_formats(uid: str, fmt: UidFormat, text: str) -> None:
    assert format_uid(bytes.fromhex(uid), fmt) == text


def test_all_formats_lists_every_format_once() -> None:
    assert [fmt for fmt, _ in all_formats(UID)] == list(UidFormat)


@given(st.binary(min_size=4, max_size=10))
def test_formats_are_plain_text_and_hex_round_trips(uid: bytes) -> None:
    for fmt, text in all_formats(uid):
        assert text, fmt
        assert text.isascii(), fmt
        assert text.strip() == text, fmt
    assert bytes.fromhex(format_uid(uid, UidFormat.HEX)) == uid
    assert bytes.fromhex(format_uid(uid, UidFormat.HEX_REVERSED)) == uid[::-1]
    assert int(format_uid(uid, UidFormat.DEC_LE)) == int.from_bytes(uid, "little")
    facility, number = format_uid(uid, UidFormat.WIEGAND26).split(":")
    assert int(facility) < 256
    assert int(number) < 65536
