"""Where the kiosk keeps secrets (backend passwords, client secrets, API tokens): never the TOML.

    vault = open_vault(config_path)        # the OS keyring, else a 0600 file beside the config
    vault.set(Secret.PASSWORD, "s3cret")
    vault.get(Secret.PASSWORD)             # "s3cret"; None when never set

The keyring is used when it has a real backend (Secret Service, macOS Keychain, Windows
Credential Locker); a headless tablet usually has none, so the secrets go to
``<config>.secrets.json``, created 0600 in a 0700 directory and replaced atomically. Keyring
errors become `VaultError`; no secret is ever logged or put in a message.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
from pathlib import Path
from typing import Protocol

from kiosk.files import write_atomically

log = logging.getLogger(__name__)


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
    """Secrets in a JSON file only its owner can read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        """The file, and that it is private."""
        return f"{self.path} (readable only by its owner)"

    def get(self, name: Secret) -> str | None:
        """The secret `name`, or None."""
        value = self._read().get(name.value)
        return value if isinstance(value, str) else None

    def set(self, name: Secret, value: str) -> None:
        """Keep `value` as `name`, rewriting the file atomically; empty forgets it."""
        data = self._read()
        if value:
            data[name.value] = value
        else:
            data.pop(name.value, None)
        try:
            write_atomically(self.path, json.dumps(data), private=True)
        except OSError as exc:
            raise VaultError(f"cannot write {self.path}: {exc.strerror}") from None

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise VaultError(f"cannot read {self.path}: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise VaultError(f"{self.path} is not a secrets file")
        return data


class KeyringVault:
    """Secrets in the OS keyring, under a service named after the config file."""

    def __init__(self, service: str) -> None:
        import keyring

        self._keyring = keyring.get_keyring()
        self._service = service

    @property
    def where(self) -> str:
        """The keyring's name."""
        return f"the system keyring ({type(self._keyring).__name__})"

    def get(self, name: Secret) -> str | None:
        """The secret `name`, or None."""
        from keyring.errors import KeyringError

        try:
            value: str | None = self._keyring.get_password(self._service, name.value)
        except KeyringError as exc:
            raise VaultError(f"the keyring failed: {type(exc).__name__}") from None
        return value

    def set(self, name: Secret, value: str) -> None:
        """Keep `value` as `name`; empty forgets it."""
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            if value:
                self._keyring.set_password(self._service, name.value, value)
            else:
                with contextlib.suppress(PasswordDeleteError):
                    self._keyring.delete_password(self._service, name.value)
        except KeyringError as exc:
            raise VaultError(f"the keyring failed: {type(exc).__name__}") from None


def open_vault(config_path: Path) -> Vault:
    """The OS keyring when it has a real backend, else a 0600 file beside `config_path`."""
    if _has_keyring():
        return KeyringVault(f"kiosk {config_path}")
    return FileVault(config_path.with_name(f"{config_path.stem}.secrets.json"))


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
        return bool(backend.backends)
    return True
