"""Credentials kept in the outbox, sealed: Fernet (AES-128-CBC with HMAC-SHA256) under a key
the kiosk keeps in its vault, never in the outbox file itself.

    sealer = Sealer(Fernet.generate_key())
    box = sealer.seal(credential)          # bytes, safe to write to disk
    sealer.open(box)                       # the credential again; raises SealError
    sealer.ident(credential)               # the same member's credential: the same text

`ident` is a keyed hash (HMAC-SHA256 under a key derived from the sealing key), so the outbox
can tell that two attempts came from the same credential without holding it in clear.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.domain import Credential, CredentialKind

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SealError(Exception):
    """A sealed credential cannot be opened (the key changed, or the bytes are damaged)."""


class Sealer:
    """Seals and opens credentials with one key (a Fernet key, urlsafe Base64 of 32 bytes)."""

    def __init__(self, key: bytes) -> None:
        if len(base64.urlsafe_b64decode(key)) != 32:  # as Fernet checks it, without loading it
            raise ValueError("an outbox key is 32 bytes in urlsafe Base64")
        self._key = key
        self._ident_key = hashlib.sha256(b"kiosk outbox ident\0" + key).digest()

    @functools.cached_property
    def _fernet(self) -> Fernet:
        """Fernet, loaded with the first kept attempt, not at the kiosk's start."""
        from cryptography.fernet import Fernet

        return Fernet(self._key)

    @staticmethod
    def new_key() -> bytes:
        """A fresh key."""
        from cryptography.fernet import Fernet

        return Fernet.generate_key()

    def seal(self, credential: Credential) -> bytes:
        """`credential` encrypted and authenticated."""
        data = {
            "kind": credential.kind.value,
            "value": credential.value,
            "password": credential.password,
            "source": credential.source,
            "read_at": credential.read_at.isoformat(),
        }
        return self._fernet.encrypt(json.dumps(data).encode())

    def open(self, sealed: bytes) -> Credential:
        """The credential `seal` gave `sealed` for; raises `SealError`."""
        from cryptography.fernet import InvalidToken

        try:
            data = json.loads(self._fernet.decrypt(sealed))
            return Credential(
                CredentialKind(data["kind"]),
                str(data["value"]),
                str(data["source"]),
                datetime.fromisoformat(data["read_at"]),
                str(data["password"]),
            )
        except (InvalidToken, ValueError, KeyError, TypeError):
            raise SealError("a kept credential cannot be read: the outbox key changed") from None

    def ident(self, credential: Credential) -> str:
        """A keyed hash naming `credential` (emails in any case), never the credential."""
        value = credential.value.casefold() if "@" in credential.value else credential.value
        text = f"{credential.kind.value}\0{value}".encode()
        return hmac.new(self._ident_key, text, hashlib.sha256).hexdigest()
