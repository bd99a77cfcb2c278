"""Where the kiosk keeps its files by default (platformdirs)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "kiosk"


def data_dir() -> Path:
    """The user data directory, e.g. ``~/.local/share/kiosk``."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The embedded server's database when none is given."""
    return data_dir() / "checkin.db"
