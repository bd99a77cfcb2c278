"""Password hashes, keyed lookups and the install's key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.server.keys import (
    InstallKeys,
    KeyFileError,
    hash_password,
    keys_path_for,
    verify_password,
)


def test_password_round_trip_and_salting() -> None:
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first != second
    assert "s3cret" not in first
    assert verify_password("s3cret", first)
    assert verify_password("s3cret", second)
    assert not verify_password("S3cret", first)


@pytest.mark.parametrize("stored", [None, "", "md5$abc", "scrypt$x$8$1$AA==$AA==", "scrypt$1$2"])
def test_unusable_hashes_never_match(stored: str | None) -> None:
    assert not verify_password("anything", stored)


def test_lookup_is_keyed_and_kind_separated() -> None:
    a, b = InstallKeys.generate(), InstallKeys.generate()
    assert a.lookup("pin", "12345") == a.lookup("pin", "12345")
    assert a.lookup("pin", "12345") != b.lookup("pin", "12345")
    assert a.lookup("pin", "12345") != a.lookup("token", "12345")
    assert "12345" not in a.lookup("pin", "12345")
    assert a.is_admin(a.admin_token)
    assert not a.is_admin(b.admin_token)
    assert a.admin_token not in repr(a)


def test_key_file_is_created_private_and_reloaded(tmp_path: Path) -> None:
    path = keys_path_for(tmp_path / "sub" / "checkin.db")
    created = InstallKeys.load_or_create(path)
    assert path.name == "checkin.db.keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert InstallKeys.load_or_create(path) == created


def test_a_readable_key_file_is_made_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "k"
    keys = InstallKeys.load_or_create(path)
    path.chmod(0o644)
    assert InstallKeys.load_or_create(path) == keys
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "readable by others" in caplog.text


@pytest.mark.parametrize("content", ["", "{}", "[1]", '{"pepper": "zz", "admin_token": "t"}'])
def test_a_malformed_key_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "k"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="not a valid key file"):
        InstallKeys.load_or_create(path)
