"""Secrets: a 0600 file, encrypted with a key from the keyring when there is one; never the
TOML."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

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

    priority: float = 1

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


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> _Keyring:
    """A keyring in memory, as the OS would give one."""
    import keyring

    memory = _Keyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    return memory


def test_with_a_keyring_the_file_is_encrypted_with_a_key_kept_there(
    tmp_path: Path, backend: _Keyring
) -> None:
    opened = open_vault(tmp_path / "kiosk.toml")
    opened.set(Secret.PASSWORD, "hunter2")
    opened.set(Secret.CLIENT_SECRET, "cs-42")
    path = tmp_path / "kiosk.secrets.json"
    sealed = path.read_bytes()
    for secret in (b"hunter2", b"cs-42", b"backend.password", b"{"):
        assert secret not in sealed
    service = f"kiosk {tmp_path / 'kiosk.toml'}"
    assert list(backend.stored) == [(service, "secrets.key")]  # the key, not the secrets
    assert backend.stored[(service, "secrets.key")].encode() not in sealed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = open_vault(tmp_path / "kiosk.toml")
    assert again.get(Secret.PASSWORD) == "hunter2"
    again.set(Secret.PASSWORD, "")
    again.set(Secret.PASSWORD, "")  # forgetting twice is fine
    assert open_vault(tmp_path / "kiosk.toml").get(Secret.PASSWORD) is None
    assert open_vault(tmp_path / "kiosk.toml").get(Secret.CLIENT_SECRET) == "cs-42"
    assert again.where == (f"{path}, encrypted with a key kept in the system keyring (_Keyring)")


def test_without_a_keyring_show_says_plainly_the_file_is_not_encrypted(tmp_path: Path) -> None:
    opened = open_vault(tmp_path / "kiosk.toml")
    opened.set(Secret.PASSWORD, "hunter2")
    assert json.loads((tmp_path / "kiosk.secrets.json").read_text()) == {
        "backend.password": "hunter2"
    }
    assert "NOT encrypted: this machine has no system keyring" in opened.where


def test_a_plain_file_is_encrypted_once_a_keyring_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_vault(tmp_path / "kiosk.toml").set(Secret.PASSWORD, "hunter2")
    import keyring

    monkeypatch.setattr(keyring, "get_keyring", _Keyring)
    assert open_vault(tmp_path / "kiosk.toml").get(Secret.PASSWORD) == "hunter2"
    assert b"hunter2" not in (tmp_path / "kiosk.secrets.json").read_bytes()


def test_secrets_an_earlier_version_kept_in_the_keyring_move_into_the_file(
    tmp_path: Path, backend: _Keyring
) -> None:
    service = f"kiosk {tmp_path / 'kiosk.toml'}"
    backend.stored = {(service, "backend.password"): "hunter2", (service, "outbox.key"): "k"}
    opened = open_vault(tmp_path / "kiosk.toml")
    assert opened.get(Secret.PASSWORD) == "hunter2"
    assert opened.get(Secret.OUTBOX_KEY) == "k"
    assert list(backend.stored) == [(service, "secrets.key")]
    assert b"hunter2" not in (tmp_path / "kiosk.secrets.json").read_bytes()
    assert open_vault(tmp_path / "kiosk.toml").get(Secret.PASSWORD) == "hunter2"


def test_a_file_sealed_with_a_key_the_keyring_lost_is_said_and_set_aside_on_the_next_set(
    tmp_path: Path, backend: _Keyring
) -> None:
    open_vault(tmp_path / "kiosk.toml").set(Secret.PASSWORD, "hunter2")
    backend.stored.clear()  # the keyring was reset
    opened = open_vault(tmp_path / "kiosk.toml")
    with pytest.raises(
        VaultError, match=r"encrypted with a key the system keyring .* does not hold"
    ):
        opened.get(Secret.PASSWORD)
    opened.set(Secret.PASSWORD, "new-one")
    assert open_vault(tmp_path / "kiosk.toml").get(Secret.PASSWORD) == "new-one"
    assert (tmp_path / "kiosk.secrets.json.unreadable").exists()


def test_a_plaintext_keyring_is_no_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    plain = _Keyring()
    plain.priority = 0.5  # keyrings.alt's PlaintextKeyring
    monkeypatch.setattr(keyring, "get_keyring", lambda: plain)
    assert "NOT encrypted" in open_vault(tmp_path / "kiosk.toml").where


def test_keyring_failures_become_vault_errors(tmp_path: Path, backend: _Keyring) -> None:
    from keyring.errors import KeyringLocked

    def locked(service: str, name: str) -> str:
        raise KeyringLocked("locked")

    backend.get_password = locked  # type: ignore[method-assign]
    with pytest.raises(VaultError, match="the keyring failed: KeyringLocked"):
        open_vault(tmp_path / "kiosk.toml").get(Secret.PASSWORD)


def test_memory_vault() -> None:
    store = MemoryVault()
    store.set(Secret.ADMIN_TOKEN, "t")
    assert store.get(Secret.ADMIN_TOKEN) == "t"
    store.set(Secret.ADMIN_TOKEN, "")
    assert store.secrets == {}
