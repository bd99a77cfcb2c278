"""What is on the reader: a card, a phone with the member app, or a phone without it.

    SELECT AID (00 A4 04 00 Lc <phone_aid> 00) ──90 00──▶ phone: the answer is its token
        └── anything else ──▶ GET UID (FF CA 00 00 00) ──▶ card: the answer is its UID
                                   └── 4 bytes starting 08 ──▶ a phone whose app is not open

A phone emulating a card shows a random 4-byte UID (ISO 14443-3: first byte 08) that changes on
every tap, so it can never be enrolled as a card: the member is asked to open the app instead.
Anything a card answers is checked: a wrong length, a bad status word or a token that is not
printable text is `TagKind.UNREADABLE` with the bytes kept for the log, never an exception.
"""

from __future__ import annotations

import dataclasses
import enum
import logging

from kiosk.inputs.pcsc.scard import Card, CardGoneError, PcscError

log = logging.getLogger(__name__)

GET_UID = bytes.fromhex("FFCA000000")
OK = b"\x90\x00"
MAX_TOKEN = 256
_RANDOM_UID = 0x08


class TagKind(enum.StrEnum):
    """What a tap turned out to be."""

    CARD = "card"
    PHONE = "phone"
    PHONE_NO_APP = "phone_no_app"
    UNREADABLE = "unreadable"


@dataclasses.dataclass(frozen=True)
class Tap:
    """One card or phone read on `reader`; `detected` is when the reader saw it
    (`time.perf_counter`)."""

    reader: str
    kind: TagKind
    uid: bytes = b""
    token: str = dataclasses.field(default="", repr=False)
    detail: str = ""
    detected: float = 0.0


def select_apdu(aid: bytes) -> bytes:
    """SELECT by AID, first or only occurrence, expecting an answer."""
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00"


def read_tag(card: Card, reader: str, aid: bytes, detected: float = 0.0) -> Tap:
    """Identify what is on `reader`; `CardGoneError` when it leaves mid-read."""
    try:
        data, sw = _exchange(card, select_apdu(aid))
    except CardGoneError:
        raise
    except PcscError as exc:  # some readers refuse ISO commands to memory cards
        log.info("%s: SELECT refused (%s); reading the UID", reader, exc)
        data, sw = b"", b""
    if sw == OK:
        token = _token(data)
        if token is None:
            detail = f"the phone answered SELECT with {len(data)} bytes that are not a token"
            return Tap(reader, TagKind.UNREADABLE, detail=detail, detected=detected)
        return Tap(reader, TagKind.PHONE, token=token, detected=detected)
    uid, sw = _exchange(card, GET_UID)
    if sw != OK or not 4 <= len(uid) <= 10:
        detail = f"GET UID answered {(uid + sw).hex(' ').upper() or 'nothing'}"
        return Tap(reader, TagKind.UNREADABLE, detail=detail, detected=detected)
    if len(uid) == 4 and uid[0] == _RANDOM_UID:
        return Tap(reader, TagKind.PHONE_NO_APP, uid=uid, detected=detected)
    return Tap(reader, TagKind.CARD, uid=uid, detected=detected)


def _exchange(card: Card, apdu: bytes) -> tuple[bytes, bytes]:
    """Send `apdu`, following 61 xx (more data) with GET RESPONSE; (data, status word)."""
    answer = card.transmit(apdu)
    data = b""
    for _ in range(16):
        if len(answer) < 2 or answer[-2] != 0x61:
            break
        data += answer[:-2]
        answer = card.transmit(bytes([0x00, 0xC0, 0x00, 0x00, answer[-1]]))
    if len(answer) < 2:
        return data + answer, b""
    return data + answer[:-2], answer[-2:]


def _token(data: bytes) -> str | None:
    if not 0 < len(data) <= MAX_TOKEN or not all(0x21 <= b <= 0x7E for b in data):
        return None
    return data.decode("ascii")
