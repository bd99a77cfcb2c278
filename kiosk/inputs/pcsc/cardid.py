"""Card UIDs as text, in each format access-control systems enrol them (pure, no pyscard).

A reader gives the UID as bytes in the order the card sends them (ISO 14443: UID0 first).
Operators enrol whatever their old reader printed, so the kiosk can produce each of:

    >>> uid = bytes.fromhex("04A1B2C3")
    >>> [format_uid(uid, f) for f in UidFormat]  # doctest: +NORMALIZE_WHITESPACE
    ['04A1B2C3', 'C3B2A104', '3283263748', '0077705923', '161:45763', '01185:45763',
     '10597059', '0000077705923']
    >>> format_uid(bytes.fromhex("02B775D2"), UidFormat.DEC8)
    '12023250'

- ``hex``: the bytes as uppercase hex, in card order (the default; what Nexudus shows).
- ``hex_reversed``: the same, bytes reversed (readers that print the UID as a little-endian word).
- ``dec_le`` / ``dec_be``: the UID as one unsigned number read little- or big-endian, in decimal,
  zero-padded to 10 digits (the "10-digit card number" printed on many cards; exact for 4-byte
  UIDs, longer UIDs give longer numbers).
- ``wiegand26``: ``facility:card`` of a Wiegand-26 frame built from the UID's last three bytes
  (8-bit facility code, 16-bit card number), as a reader with Wiegand output would send them.
- ``wiegand34``: ``facility:card`` of a Wiegand-34 frame from the last four bytes (16 + 16 bits).
- ``dec8``: the last three bytes as one number in 8 decimal digits, what reader makers and card
  printers list as "6H→8D".
- ``dec13``: the UID read big-endian in 13 decimal digits ("10H→13D", exact for 5-byte UIDs).

Printers write the Wiegand pair with ``,`` ``.`` or a space as well; the server takes any of
them at enrolment (`kiosk.server.checkin.normalise_card`).
"""

from __future__ import annotations

from kiosk.domain import UidFormat


def format_uid(uid: bytes, fmt: UidFormat) -> str:
    """`uid` written in `fmt`."""
    match fmt:
        case UidFormat.HEX:
            return uid.hex().upper()
        case UidFormat.HEX_REVERSED:
            return uid[::-1].hex().upper()
        case UidFormat.DEC_LE:
            return f"{int.from_bytes(uid, 'little'):010d}"
        case UidFormat.DEC_BE:
            return f"{int.from_bytes(uid, 'big'):010d}"
        case UidFormat.WIEGAND26:
            number = int.from_bytes(uid[-3:], "big")
            return f"{number >> 16:03d}:{number & 0xFFFF:05d}"
        case UidFormat.WIEGAND34:
            number = int.from_bytes(uid[-4:], "big")
            return f"{number >> 16:05d}:{number & 0xFFFF:05d}"
        case UidFormat.DEC8:
            return f"{int.from_bytes(uid[-3:], 'big'):08d}"
        case UidFormat.DEC13:
            return f"{int.from_bytes(uid, 'big'):013d}"


def all_formats(uid: bytes) -> list[tuple[UidFormat, str]]:
    """`uid` in every format, for staff to find the one their system enrolled."""
    return [(fmt, format_uid(uid, fmt)) for fmt in UidFormat]
