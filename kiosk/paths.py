"""Where the kiosk keeps its files by default (platformdirs), and how it replaces them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "kiosk"


def data_dir() -> Path:
    """The user data directory, e.g. ``~/.local/share/kiosk``."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The embedded server's database when none is given."""
    return data_dir() / "checkin.db"


def write_atomically(path: Path, text: str, private: bool = False) -> None:
    """Replace `path` with `text` in one step: a crash leaves the old file or the new one.

    A `private` file is 0600 in a 0700 directory; otherwise 0644."""
    path.parent.mkdir(mode=0o700 if private else 0o755, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # created 0600
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if not private:
            tmp.chmod(0o644)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
