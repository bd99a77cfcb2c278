"""kiosk.cli.logs: journal lines when systemd reads stderr, terminal lines otherwise."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from kiosk.cli.logs import JournalFormatter, is_journal


def _record(level: int, message: str, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("bad")
        except ValueError:
            import sys

            info = sys.exc_info()
    return logging.LogRecord("kiosk.app", level, __file__, 1, message, (), info)


def test_journal_lines_carry_the_priority_and_no_time() -> None:
    formatter = JournalFormatter()
    assert formatter.format(_record(logging.ERROR, "reader gone")) == "<3>kiosk.app: reader gone"
    assert formatter.format(_record(logging.WARNING, "slow")) == "<4>kiosk.app: slow"
    assert formatter.format(_record(logging.INFO, "ready")) == "<6>kiosk.app: ready"
    assert formatter.format(_record(logging.DEBUG, "tick")) == "<7>kiosk.app: tick"
    assert formatter.format(_record(logging.CRITICAL, "down")) == "<2>kiosk.app: down"


def test_every_line_of_a_traceback_keeps_the_priority() -> None:
    lines = JournalFormatter().format(_record(logging.ERROR, "failed", exc=True)).splitlines()
    assert len(lines) > 2
    assert all(line.startswith("<3>") for line in lines)
    assert lines[-1] == "<3>ValueError: bad"


def test_the_journal_is_known_by_its_device_and_inode(tmp_path: Path) -> None:
    with (tmp_path / "stderr").open("w") as stream:
        stat = os.fstat(stream.fileno())
        assert is_journal(stream, {"JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"})
        assert not is_journal(stream, {"JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino + 1}"})
        assert not is_journal(stream, {})


def test_a_stream_without_a_file_is_not_the_journal() -> None:
    assert not is_journal(io.StringIO(), {"JOURNAL_STREAM": "1:2"})
