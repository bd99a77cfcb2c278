"""QR passes: a small signed payload in a text that every scanner types and every QR holds.

    >>> issuer, now = Issuer.generate(), datetime.now(UTC)
    >>> text = issuer.issue(Subject.member(42), now, timedelta(days=1))
    >>> text[:4], set(text) <= set(ALPHABET)
    ('CKP1', True)
    >>> Verifier([issuer.public_key]).verify(text, now).subject
    Subject(kind=<SubjectKind.MEMBER: 1>, value='42')

Why Ed25519 and not HMAC: a kiosk holding only the server's *public* key can tell a forged or
expired pass from a good one while the network is down, and a stolen kiosk cannot mint passes.
HMAC would put the minting key on every kiosk, or leave kiosks unable to check anything offline.
The price is 64 bytes of signature: a QR of version 6 (41 modules a side, error correction
level M) for the member ids our server issues passes to, 8 to 10 for an email address — still
far under what a phone screen or a 3 cm print scans, and read by zxing-cpp and zbar alike.
Single use is the server's job: only it sees every nonce.

The text is ``CKP`` + a version character + Base32 of ``body ‖ signature``, in the alphabet
0-9 and A-Z without I, O, Y and Z (no padding): only those characters survive every
keyboard-wedge layout and QR alphanumeric mode, and leaving out Y and Z makes a scanner set to
QWERTY type the same text on a QWERTZ kiosk. Body, version 1 (big-endian)::

    flags u8 (bit 0: single use) · key id 4 · issued at u32 · expires at u32 (Unix seconds)
    · nonce 8 · subject kind u8 (1 member id, 2 email) · subject length u8 · subject (UTF-8)

The signature covers the prefix, the version character and the body. Errors::

    PassError
     ├── NotAPassError        not our format: another system's code, a URL, garbage
     └── InvalidPassError     ours, but not to be honoured (`why`, and `pass_` when readable)
          ├── ForgedError         unknown key or bad signature
          ├── ExpiredError
          └── NotYetValidError    issued in the future, beyond the allowed clock skew
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import hashlib
import io
import re
import secrets
import struct
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is loaded by the first signature, not by a kiosk's start
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWX"
"""The 32 characters of a pass: 0-9 and A-Z without I, O, Y, Z."""
PREFIX = "CKP"
VERSION = 1
LEEWAY = timedelta(minutes=2)
"""Clock skew allowed between the issuer and the verifier, at both ends of a pass."""

_RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_OURS = str.maketrans(_RFC4648, ALPHABET)
_TO_RFC = str.maketrans(ALPHABET, _RFC4648)
_HEADER = struct.Struct(">B4sII8sBB")
_SIGNATURE = 64
_MAX_SUBJECT = 254


class PassError(Exception):
    """A text that cannot be used as a pass."""


class NotAPassError(PassError):
    """The text is not one of our passes."""


class InvalidPassError(PassError):
    """One of our passes, but not to be honoured."""

    def __init__(self, why: str, pass_: Pass | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.pass_ = pass_


class ForgedError(InvalidPassError):
    """Signed by a key we do not know, or not signed at all."""


class ExpiredError(InvalidPassError):
    """Past its expiry."""


class NotYetValidError(InvalidPassError):
    """Issued later than now, beyond the allowed skew."""


class SubjectKind(enum.IntEnum):
    """Whom a pass names."""

    MEMBER = 1
    EMAIL = 2


@dataclasses.dataclass(frozen=True)
class Subject:
    """A member id or an email address."""

    kind: SubjectKind
    value: str

    @classmethod
    def member(cls, member_id: int) -> Subject:
        """The member with this id."""
        return cls(SubjectKind.MEMBER, str(member_id))

    @classmethod
    def email(cls, address: str) -> Subject:
        """The member with this email address."""
        return cls(SubjectKind.EMAIL, address.strip())


@dataclasses.dataclass(frozen=True)
class Pass:
    """What a pass says; `key_id` names the key that signed it."""

    subject: Subject
    issued_at: datetime
    expires_at: datetime
    nonce: bytes
    single_use: bool
    key_id: bytes

    @property
    def nonce_hex(self) -> str:
        """The nonce as stored by the server."""
        return self.nonce.hex()


@dataclasses.dataclass(frozen=True)
class Signed:
    """A parsed pass with the bytes its signature covers."""

    pass_: Pass
    message: bytes
    signature: bytes


def normalise(text: str) -> str:
    """A scanned text as compared: blanks removed, upper case (a scanner under Caps Lock)."""
    return "".join(text.split()).upper()


def parse(text: str) -> Signed:
    """The pass in `text`, unverified; `NotAPassError` when it is not one of ours."""
    text = normalise(text)
    head = PREFIX + ALPHABET[VERSION]
    if not text.startswith(head):
        raise NotAPassError("no pass prefix")
    raw = _decode(text[len(head) :])
    if len(raw) < _HEADER.size + 1 + _SIGNATURE:
        raise NotAPassError("too short")
    flags, key_id, issued, expires, nonce, kind, size = _HEADER.unpack_from(raw)
    body_end = _HEADER.size + size
    if flags & ~1 or kind not in SubjectKind._value2member_map_ or size == 0:
        raise NotAPassError("bad header")
    if len(raw) != body_end + _SIGNATURE:
        raise NotAPassError("wrong length")
    try:
        subject = raw[_HEADER.size : body_end].decode()
    except UnicodeDecodeError:
        raise NotAPassError("subject is not UTF-8") from None
    pass_ = Pass(
        Subject(SubjectKind(kind), subject),
        datetime.fromtimestamp(issued, UTC),
        datetime.fromtimestamp(expires, UTC),
        nonce,
        bool(flags & 1),
        key_id,
    )
    return Signed(pass_, head.encode() + raw[:body_end], raw[body_end:])


def is_pass(text: str) -> bool:
    """Whether `text` has the form of one of our passes (the signature is not checked)."""
    try:
        parse(text)
    except NotAPassError:
        return False
    return True


def split(text: str) -> list[str]:
    """Passes run together, as a scanner without a suffix types two scans, one per item.

    A text that is not a run of whole passes comes back as one item.
    """
    text = normalise(text)
    head = PREFIX + ALPHABET[VERSION]
    starts = [i for i in range(len(text)) if text.startswith(head, i)]
    if len(starts) < 2 or starts[0] != 0:
        return [text]
    found: list[str] = []
    begin = 0
    for end in [*starts[1:], len(text)]:
        if end > begin and is_pass(text[begin:end]):
            found.append(text[begin:end])
            begin = end
    return found if begin == len(text) else [text]


_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_VALIDITY = timedelta(days=366)


def parse_duration(text: str) -> timedelta:
    """A validity like ``1d``, ``12h``, ``1w2d`` or ``90m``; `ValueError` with the rule otherwise.

    >>> parse_duration("1d12h")
    datetime.timedelta(days=1, seconds=43200)
    """
    matches = list(re.finditer(r"(\d{1,6})([wdhms])", text.strip().lower()))
    if not matches or "".join(m.group(0) for m in matches) != text.strip().lower():
        raise ValueError(f"{text!r} is not a duration; use a number and w, d, h, m or s, like 1d")
    total = timedelta(seconds=sum(int(m.group(1)) * _UNITS[m.group(2)] for m in matches))
    if not timedelta(0) < total <= MAX_VALIDITY:
        raise ValueError(f"{text!r}: a pass is valid for more than 0 s and at most 366 days")
    return total


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """The 4 bytes that name a key in its passes."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:4]


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    """A public key from its 32 raw bytes; `ValueError` for anything else."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw)


class Issuer:
    """Signs passes with one Ed25519 key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    @classmethod
    def generate(cls) -> Issuer:
        """An issuer with a fresh key."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Issuer:
        """The issuer whose private key is the 32-byte `seed`."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def issue(
        self, subject: Subject, now: datetime, valid_for: timedelta, single_use: bool = False
    ) -> str:
        """A signed pass for `subject`, valid from `now` for `valid_for`."""
        data = subject.value.encode()
        if not 0 < len(data) <= _MAX_SUBJECT:
            raise ValueError(f"a pass subject has 1 to {_MAX_SUBJECT} bytes")
        if valid_for <= timedelta(0):
            raise ValueError("a pass must be valid for some time")
        issued = int(now.timestamp())
        expires = int((now + valid_for).timestamp())
        header = _HEADER.pack(
            int(single_use), self.key_id, issued, expires, secrets.token_bytes(8), subject.kind,
            len(data),
        )  # fmt: skip
        head = PREFIX + ALPHABET[VERSION]
        body = header + data
        signature = self._key.sign(head.encode() + body)
        return head + _encode(body + signature)


class Verifier:
    """Checks passes against the public keys of the servers we trust."""

    def __init__(self, public_keys: Iterable[Ed25519PublicKey], leeway: timedelta = LEEWAY) -> None:
        self._keys = {key_id(k): k for k in public_keys}
        self._leeway = leeway

    def verify(self, text: str, now: datetime) -> Pass:
        """The pass in `text` if its signature and times are good; else a `PassError`."""
        from cryptography.exceptions import InvalidSignature

        signed = parse(text)
        pass_ = signed.pass_
        key = self._keys.get(pass_.key_id)
        if key is None:
            raise ForgedError(f"signed by unknown key {pass_.key_id.hex()}", pass_)
        try:
            key.verify(signed.signature, signed.message)
        except InvalidSignature:
            raise ForgedError("bad signature", pass_) from None
        if now >= pass_.expires_at + self._leeway:
            raise ExpiredError(f"expired {pass_.expires_at:%Y-%m-%d %H:%M} UTC", pass_)
        if now < pass_.issued_at - self._leeway:
            raise NotYetValidError(f"issued in the future ({pass_.issued_at:%H:%M} UTC)", pass_)
        return pass_


def render_png(text: str, box_size: int = 8) -> bytes:
    """`text` as a QR code PNG: error correction M, a 4-module quiet zone, and alphanumeric
    mode for a pass.

    At the default 8 pixels a module a pass is about 400 pixels square: 3.4 cm at 300 dpi, a
    third of a phone screen's width.
    """
    import qrcode
    import qrcode.constants
    from qrcode.util import MODE_ALPHA_NUM, QRData

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4
    )
    alphanumeric = set(text) <= set(ALPHABET)
    code.add_data(QRData(text.encode(), mode=MODE_ALPHA_NUM) if alphanumeric else text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").translate(_TO_OURS)


def _decode(text: str) -> bytes:
    if not set(text) <= set(ALPHABET):
        raise NotAPassError("characters outside the pass alphabet")
    rfc = text.translate(_TO_RFC)
    try:
        raw = base64.b32decode(rfc + "=" * (-len(rfc) % 8))
    except (binascii.Error, ValueError):
        raise NotAPassError("not Base32") from None
    if _encode(raw) != text:  # only the one canonical spelling of each pass
        raise NotAPassError("not canonical Base32")
    return raw
