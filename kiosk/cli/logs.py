"""Log lines for a terminal, or for the journal when systemd reads our stderr.

Under systemd (``JOURNAL_STREAM`` names our stderr) the journal stamps each line itself, so a
line carries no time of its own, and its level goes first as a syslog priority (``<3>`` for an
error) for ``journalctl -p`` to filter on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TextIO

TERMINAL = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PRIORITIES = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


class JournalFormatter(logging.Formatter):
    """``<priority>name: message``; every line of a long message (a traceback) gets the
    priority, or the journal would file the rest at its default level."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = PRIORITIES.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def is_journal(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """True when `stream` is the journal's stream systemd connected (``JOURNAL_STREAM`` is
    ``device:inode`` of it; a command run from that service's shell has another stderr)."""
    device, _, inode = environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return False
    return f"{stat.st_dev}:{stat.st_ino}" == f"{device}:{inode}"


def setup_logging(verbose: bool, stream: TextIO, environ: Mapping[str, str]) -> None:
    """The root logger's one handler, on `stream`."""
    root = logging.getLogger()
    if root.handlers:  # as logging.basicConfig: set up once per process
        return
    handler = logging.StreamHandler(stream)
    journal = is_journal(stream, environ)
    handler.setFormatter(JournalFormatter() if journal else logging.Formatter(TERMINAL))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
