"""The kiosk's own server: where its database goes, a warning without locations, and a clear
error when the database cannot be opened."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kiosk.app.embedded import db_path, start_embedded
from kiosk.server.keys import keys_path_for
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, ConfigError
from tests.helpers.server import demo_db


def test_a_new_database_starts_a_server_and_says_it_has_no_locations(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = with_value(Config(), "backend.db", str(tmp_path / "new" / "checkin.db"))
    assert db_path(config) == tmp_path / "new" / "checkin.db"
    server = start_embedded(config)
    try:
        assert httpx.get(f"{server.url}/health").status_code == 200
    finally:
        server.stop()
        server.server.store.close()
    assert "has no locations yet" in caplog.text
    assert (tmp_path / "new" / "checkin.db").exists()


def test_a_database_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    config = with_value(Config(), "backend.db", str(blocker / "checkin.db"))
    with pytest.raises(ConfigError, match=r"cannot open the embedded server's database .*file"):
        start_embedded(config)


def test_a_database_whose_members_lost_their_keys_is_a_config_error_not_a_new_key(
    tmp_path: Path,
) -> None:
    db = demo_db(tmp_path / "checkin.db")
    keys_path_for(db).unlink()
    config = with_value(Config(), "backend.db", str(db))
    with pytest.raises(ConfigError, match=r"is missing, but the database beside it has 7"):
        start_embedded(config)
    assert not keys_path_for(db).exists()
