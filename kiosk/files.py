"""Files replaced in one step, private ones 0600: for settings, secrets and the server's keys.

write_atomically(path, "text", private=True)   # a crash leaves the old file or the new one
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


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
