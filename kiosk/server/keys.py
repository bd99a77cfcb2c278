"""Secrets at rest: slow password hashes, keyed lookups, and the install's own secrets.

Passwords are stored as scrypt hashes. PINs, access tokens and card ids must be found by
value, so they are stored as an HMAC-SHA256 keyed with a per-install *pepper* that lives
outside the database, in a 0600 file beside it; a stolen database alone reveals no PIN or
card. The same file
holds the Ed25519 seed that signs QR passes (see `kiosk.passes`); an older file without one
gets one the first time it is read.

    >>> keys = InstallKeys(pepper=b"k" * 32, admin_token="t")
    >>> keys.lookup("pin", "12345") == keys.lookup("pin", "12345")
    True
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
from pathlib import Path

from kiosk.files import write_atomically
from kiosk.passes import Issuer
from kiosk.server.store.models import CardKey, card_tail

log = logging.getLogger(__name__)

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class KeyFileError(Exception):
    """The install's secrets file is unreadable or malformed."""


@dataclasses.dataclass(frozen=True)
class InstallKeys:
    """The per-install pepper, the admin API token and the pass-signing seed."""

    pepper: bytes = dataclasses.field(repr=False)
    admin_token: str = dataclasses.field(repr=False)
    pass_seed: bytes = dataclasses.field(
        default_factory=lambda: secrets.token_bytes(32), repr=False
    )

    @functools.cached_property
    def issuer(self) -> Issuer:
        """Signs this install's QR passes."""
        return Issuer.from_seed(self.pass_seed)

    def lookup(self, kind: str, value: str) -> str:
        """The keyed hash under which a PIN or token of `kind` is stored."""
        msg = f"{kind}\0{value}".encode()
        return hmac.new(self.pepper, msg, hashlib.sha256).hexdigest()

    def card(self, card_id: str) -> CardKey:
        """How the (normalised) `card_id` is stored: its keyed hash and its `card_tail`."""
        return CardKey(self.lookup("card", card_id), card_tail(card_id))

    def is_admin(self, token: str) -> bool:
        """Whether `token` is this install's admin token (constant time)."""
        return hmac.compare_digest(token.encode(), self.admin_token.encode())

    @classmethod
    def generate(cls) -> InstallKeys:
        """Fresh random keys."""
        return cls(pepper=secrets.token_bytes(32), admin_token=secrets.token_urlsafe(32))

    @classmethod
    def load_or_create(cls, path: Path, members: int = 0) -> InstallKeys:
        """Read the keys at `path`, creating the file (mode 0600) on first start; never while
        the database has `members` (their PINs, tokens and passes were made with the lost
        keys: a new one would lock every one of them out)."""
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if members:
                raise KeyFileError(
                    f"{path} is missing, but the database beside it has {members} members "
                    "whose PINs, tokens and QR passes were made with it; restore it from a "
                    "backup (kiosk keys import) rather than start with a new one"
                ) from None
            keys = cls.generate()
            keys._write(path)
            log.warning("created new install keys at %s: back them up with the database", path)
            return keys
        except OSError as exc:
            raise KeyFileError(f"cannot read {path}: {exc.strerror}") from None
        if path.stat().st_mode & 0o077:
            log.warning("%s was readable by others; making it private (0600)", path)
            path.chmod(0o600)
        keys, whole = cls._parse(raw, path)
        if not whole:
            log.info("%s: adding a key to sign QR passes", path)
            keys._write(path, replace=True)
        return keys

    @classmethod
    def read(cls, path: Path) -> InstallKeys:
        """The keys in the file at `path`, left as it is (a backup to check or restore);
        `KeyFileError` when it is missing, unreadable or not a key file."""
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyFileError(f"cannot read {path}: {exc.strerror}") from None
        return cls._parse(raw, path)[0]

    @classmethod
    def _parse(cls, raw: str, path: Path) -> tuple[InstallKeys, bool]:
        """The keys in `raw`, and whether it had them all (older files lack `pass_seed`: a
        new one is made)."""
        try:
            data = json.loads(raw)
            keys = cls(pepper=bytes.fromhex(data["pepper"]), admin_token=str(data["admin_token"]))
            seed = data.get("pass_seed")
            if seed is not None and len(bytes.fromhex(seed)) != 32:
                raise ValueError("pass_seed")
        except (ValueError, KeyError, TypeError):
            raise KeyFileError(f"{path} is not a valid key file") from None
        if seed is None:
            return keys, False
        return dataclasses.replace(keys, pass_seed=bytes.fromhex(seed)), True

    def _write(self, path: Path, replace: bool = False) -> None:
        """Write the keys to `path` (mode 0600): a new file, or atomically over the old one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(
            {
                "pepper": self.pepper.hex(),
                "admin_token": self.admin_token,
                "pass_seed": self.pass_seed.hex(),
            }
        )
        if replace:
            write_atomically(path, data + "\n", private=True)
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never over another's
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data + "\n")
            f.flush()
            os.fsync(f.fileno())


def keys_path_for(db_path: Path) -> Path:
    """Where the keys of the database at `db_path` live."""
    return db_path.with_name(db_path.name + ".keys")


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str | None) -> bool:
    """Whether `password` matches `encoded`; takes as long when `encoded` is None."""
    if encoded is None:
        _scrypt(password, b"\0" * 16, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
        return False
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)
