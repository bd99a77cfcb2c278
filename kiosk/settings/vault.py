"""Where the kiosk keeps secrets (backend passwords, client secrets, API tokens): never the TOML.

    vault = open_vault(config_path)        # <config>.secrets.json, sealed by the OS keyring's key
    vault.set(Secret.PASSWORD, "s3cret")
    vault.get(Secret.PASSWORD)             # "s3cret"; None when never set

Secrets go to ``<config>.secrets.json``, created 0600 in a 0700 directory and replaced
atomically. Where the OS keyring has a real backend (Secret Service, macOS Keychain, Windows
Credential Locker) the file is encrypted (Fernet) with a key kept there; secrets an earlier
version kept in the keyring itself move into the file. A headless tablet usually has no keyring:
the file is then only private, and `where` says so plainly. Keyring errors become `VaultError`;
no secret is ever logged or put in a message.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from kiosk.files import write_atomically

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

log = logging.getLogger(__name__)
_T = TypeVar("_T")
KEY_NAME = "secrets.key"  # the keyring entry holding the key that seals the secrets file


class Secret(enum.StrEnum):
    """The secrets a kiosk may hold (the names they are kept under, not the secrets)."""

    PASSWORD = "backend.password"  # noqa: S105 - Nexudus: the admin's password, for staff views
    CLIENT_SECRET = "backend.client_secret"  # noqa: S105 - Kadence: the API client secret
    ADMIN_TOKEN = "backend.admin_token"  # noqa: S105 - a `kiosk serve` server: its admin API token
    OUTBOX_KEY = "outbox.key"  # the kiosk's own: seals the credentials its outbox keeps
    DEVICE_TOKEN = "backend.device_token"  # noqa: S105 - a `kiosk serve` server's token for this kiosk, from pairing

    @property
    def help(self) -> str:
        """What it is, for staff."""
        return _HELP[self]

    @classmethod
    def staff(cls) -> tuple[Secret, ...]:
        """The secrets staff set (the kiosk's own keys are not shown, set or listed: the
        device token comes from pairing)."""
        return tuple(s for s in cls if s not in (cls.OUTBOX_KEY, cls.DEVICE_TOKEN))


_HELP = {
    Secret.ADMIN_TOKEN: "a `kiosk serve` server's admin token, for Who's in",
    Secret.PASSWORD: "Nexudus: the admin's password, for staff views",
    Secret.CLIENT_SECRET: "Kadence: the API client secret",
    Secret.OUTBOX_KEY: "the key sealing the check-ins kept while the backend was away",
    Secret.DEVICE_TOKEN: "this kiosk's token from pairing with a `kiosk serve` server",
}


class VaultError(Exception):
    """The secrets could not be read or written; the message holds no secret."""


class Vault(Protocol):
    """A place for secrets."""

    @property
    def where(self) -> str:
        """Where the secrets are, in words for staff."""
        ...

    def get(self, name: Secret) -> str | None:
        """The secret `name`, or None."""
        ...

    def set(self, name: Secret, value: str) -> None:
        """Keep `value` as `name`; an empty value forgets it."""
        ...


class FileVault:
    """Secrets in a JSON file only its owner can read, encrypted (Fernet) with a key from
    `keys` when there is a place for one."""

    def __init__(self, path: Path, keys: KeyringKey | None = None) -> None:
        self.path = path
        self._keys = keys

    @property
    def where(self) -> str:
        """The file, how it is protected, and (without a keyring) that it is not encrypted."""
        if self._keys is not None:
            return f"{self.path}, encrypted with a key kept in {self._keys.where}"
        return (
            f"{self.path}, NOT encrypted: this machine has no system keyring to keep a key in;"
            " only its owner can read it"
        )

    def get(self, name: Secret) -> str | None:
        """The secret `name`, or None."""
        value = self._read().get(name.value)
        return value if isinstance(value, str) else None

    def set(self, name: Secret, value: str) -> None:
        """Keep `value` as `name`, rewriting the file atomically; empty forgets it."""
        try:
            data = self._read()
        except SealedElsewhereError:
            data = self._set_aside()
        if value:
            data[name.value] = value
        else:
            data.pop(name.value, None)
        self._write(data)

    def _write(self, data: dict[str, object]) -> None:
        text = json.dumps(data)
        if self._keys is not None:
            text = _fernet(self._keys.key()).encrypt(text.encode()).decode()
        try:
            write_atomically(self.path, text, private=True)
        except OSError as exc:
            raise VaultError(f"cannot write {self.path}: {exc.strerror}") from None

    def _read(self) -> dict[str, object]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self._moved_from_keyring()
        except (OSError, ValueError) as exc:
            raise VaultError(f"cannot read {self.path}: {type(exc).__name__}") from None
        plain = raw.lstrip().startswith("{")
        if not plain:
            raw = self._open(raw)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise VaultError(f"cannot read {self.path}: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise VaultError(f"{self.path} is not a secrets file")
        if plain and self._keys is not None:  # written before there was a keyring: seal it now
            self._write(data)
            log.info("%s is now encrypted with a key kept in %s", self.path, self._keys.where)
        return data

    def _open(self, raw: str) -> str:
        """The JSON inside the sealed text `raw`."""
        if self._keys is None:
            raise SealedElsewhereError(
                f"{self.path} is encrypted with a key from a system keyring this machine no"
                " longer has: set the secrets again"
            )
        from cryptography.fernet import InvalidToken

        try:
            return _fernet(self._keys.key()).decrypt(raw.strip().encode()).decode()
        except (InvalidToken, ValueError, UnicodeDecodeError):
            raise SealedElsewhereError(
                f"{self.path} is encrypted with a key {self._keys.where} does not hold:"
                " set the secrets again"
            ) from None

    def _set_aside(self) -> dict[str, object]:
        """Keep a file no key here opens as ``.unreadable`` (a keyring restored later may open
        it) and start an empty one."""
        aside = self.path.with_name(self.path.name + ".unreadable")
        try:
            self.path.replace(aside)
        except OSError as exc:
            raise VaultError(f"cannot set {self.path} aside: {exc.strerror}") from None
        log.warning("%s could not be decrypted here; set aside as %s", self.path, aside)
        return {}

    def _moved_from_keyring(self) -> dict[str, object]:
        """Secrets an earlier version kept in the keyring one by one, moved into the file."""
        if self._keys is None:
            return {}
        found = self._keys.take_older()
        if found:
            self._write(dict(found))
            self._keys.forget_older(found)
            log.info("moved %d secrets from %s into %s", len(found), self._keys.where, self.path)
        return dict(found)


def _fernet(key: bytes) -> Fernet:
    from cryptography.fernet import Fernet  # loaded when a secret is, not at start-up

    return Fernet(key)


class SealedElsewhereError(VaultError):
    """The secrets file is encrypted with a key that is not here."""


class KeyringKey:
    """The key sealing the secrets file, kept in the OS keyring under a service named after
    the config file (made the first time it is wanted)."""

    def __init__(self, service: str) -> None:
        import keyring

        self._keyring = keyring.get_keyring()
        self._service = service
        self._key: bytes | None = None

    @property
    def where(self) -> str:
        """The keyring's name."""
        return f"the system keyring ({type(self._keyring).__name__})"

    def key(self) -> bytes:
        """The Fernet key, from the keyring, or a new one put there."""
        if self._key is None:
            stored = self._call(self._keyring.get_password, self._service, KEY_NAME)
            if not stored:
                from cryptography.fernet import Fernet

                stored = Fernet.generate_key().decode()
                self._call(self._keyring.set_password, self._service, KEY_NAME, stored)
            self._key = stored.encode()
        return self._key

    def take_older(self) -> dict[str, str]:
        """The secrets an earlier version kept in the keyring itself."""
        found = {
            s.value: self._call(self._keyring.get_password, self._service, s.value) for s in Secret
        }
        return {name: value for name, value in found.items() if value}

    def forget_older(self, names: Iterable[str]) -> None:
        """Remove secrets moved into the file from the keyring."""
        from keyring.errors import PasswordDeleteError

        for name in names:
            with contextlib.suppress(PasswordDeleteError):
                self._call(self._keyring.delete_password, self._service, name)

    @staticmethod
    def _call(method: Callable[..., _T], *args: str) -> _T:
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            return method(*args)
        except PasswordDeleteError:
            raise
        except KeyringError as exc:
            raise VaultError(f"the keyring failed: {type(exc).__name__}") from None


def open_vault(config_path: Path) -> Vault:
    """`<config>.secrets.json` beside `config_path`, encrypted with a key in the OS keyring
    when it has a real backend, else only private (0600)."""
    path = config_path.with_name(f"{config_path.stem}.secrets.json")
    return FileVault(path, KeyringKey(f"kiosk {config_path}") if _has_keyring() else None)


def _has_keyring() -> bool:
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is no keyring
        log.warning("the system keyring cannot be loaded; secrets go to a private file")
        return False
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(b.priority >= 1 for b in backend.backends)
    return bool(getattr(backend, "priority", 1) >= 1)  # below 1: a plain file (keyrings.alt)
