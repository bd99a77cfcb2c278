"""Every file the server and the kiosk write that holds anything private is its owner's alone
(0600, in a 0700 directory where we make it), and the event log never holds a card's number."""

from __future__ import annotations

import json
import logging
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.app.eventlog import EventLog
from kiosk.domain import Credential, CredentialKind
from kiosk.server.runner import open_server
from kiosk.settings.file import last_good, save_config
from kiosk.settings.model import Config
from kiosk.settings.vault import FileVault, Secret


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_servers_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "data" / "checkin.db"
    server = open_server(db)
    server.store.add_location("Main", "UTC", datetime.now(UTC))  # a write: the journal exists
    files = [db, db.with_name("checkin.db.keys"), db.with_name("checkin.db-wal")]
    try:
        assert mode(db.parent) == 0o700
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        server.store.close()


def test_a_database_left_readable_is_made_private_and_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "checkin.db"
    open_server(db).store.close()
    db.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        open_server(db).store.close()
    assert mode(db) == 0o600
    assert "making it private" in caplog.text


def test_the_kiosks_files_are_private(tmp_path: Path) -> None:
    config = tmp_path / "kiosk" / "kiosk.toml"
    save_config(Config(), config)
    FileVault(config.with_name("kiosk.secrets.json")).set(Secret.PASSWORD, "s3cret-pw")
    log = tmp_path / "events.jsonl"
    events = EventLog(log)
    events.credential(Credential(CredentialKind.CARD, "04A1B2C3D4", source="reader"))
    events.close()
    for path in (config, last_good(config), config.with_name("kiosk.secrets.json"), log):
        assert mode(path) == 0o600, path
    assert mode(config.parent) == 0o700
    text = log.read_text()
    assert "04A1B2C3D4" not in text
    assert json.loads(text)["value"] == "••••C3D4"
