"""Secrets: the keyring when there is one, else a 0600 file; never the TOML."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.settings import vault
from kiosk.settings.vault import FileVault, Secret, VaultError, open_vault
from tests.fakes.vault import MemoryVault


def test_file_vault_keeps_secrets_private_and_forgets_empty_ones(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "kiosk.secrets.json"
    store = FileVault(path)
    assert store.get(Secret.PASSWORD) is None
    store.set(Secret.PASSWORD, "hunter2")
    store.set(Secret.CLIENT_SECRET, "cs")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert FileVault(path).get(Secret.PASSWORD) == "hunter2"
    store.set(Secret.PASSWORD, "")
    assert store.get(Secret.PASSWORD) is None
    assert store.get(Secret.CLIENT_SECRET) == "cs"
    assert sorted(p.name for p in path.parent.iterdir()) == ["kiosk.secrets.json"]


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_a_broken_secrets_file_is_a_vault_error_without_its_content(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "kiosk.secrets.json"
    path.write_text(content)
    with pytest.raises(VaultError) as caught:
        FileVault(path).get(Secret.PASSWORD)
    assert content not in str(caught.value)


def test_without_a_keyring_secrets_go_beside_the_config(tmp_path: Path) -> None:
    opened = open_vault(tmp_path / "kiosk.toml")  # Debian without a desktop: no keyring
    assert isinstance(opened, FileVault)
    assert opened.path == tmp_path / "kiosk.secrets.json"


class _Keyring:
    """A keyring backend in memory, as `keyring` would load one."""

    priority = 1

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.stored.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.stored[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, name) not in self.stored:
            raise PasswordDeleteError(name)
        del self.stored[(service, name)]


def test_with_a_keyring_secrets_go_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    backend = _Keyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    opened = open_vault(tmp_path / "kiosk.toml")
    assert isinstance(opened, vault.KeyringVault)
    opened.set(Secret.PASSWORD, "hunter2")
    assert backend.stored == {(f"kiosk {tmp_path / 'kiosk.toml'}", "backend.password"): "hunter2"}
    assert opened.get(Secret.PASSWORD) == "hunter2"
    opened.set(Secret.PASSWORD, "")
    opened.set(Secret.PASSWORD, "")  # forgetting twice is fine
    assert opened.get(Secret.PASSWORD) is None
    assert not list(tmp_path.iterdir())
    assert "_Keyring" in opened.where


def test_keyring_failures_become_vault_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.errors import KeyringLocked

    backend = _Keyring()

    def locked(service: str, name: str) -> str:
        raise KeyringLocked("locked")

    backend.get_password = locked  # type: ignore[method-assign]
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    with pytest.raises(VaultError, match="the keyring failed: KeyringLocked"):
        open_vault(tmp_path / "kiosk.toml").get(Secret.PASSWORD)


def test_memory_vault() -> None:
    store = MemoryVault()
    store.set(Secret.ADMIN_TOKEN, "t")
    assert store.get(Secret.ADMIN_TOKEN) == "t"
    store.set(Secret.ADMIN_TOKEN, "")
    assert store.secrets == {}
