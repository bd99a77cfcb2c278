"""The event log's cap: past its size it rotates, keeping a few files, never growing without end."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.app.eventlog import EventLog


def test_the_log_rotates_past_its_size_and_keeps_a_few_files(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path, clock=lambda: 1.0, max_bytes=1000, keep=3)
    for n in range(200):
        log.write("screen", name=f"idle-{n:03d}")
    log.close()
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == [
        "events.jsonl", "events.jsonl.1", "events.jsonl.2", "events.jsonl.3"
    ]  # fmt: skip
    assert all(f.stat().st_size <= 1000 for f in files)
    names = [
        json.loads(line)["name"] for f in reversed(files) for line in f.read_text().splitlines()
    ]
    assert names == sorted(names)  # oldest first across the files, nothing out of order
    assert names[-1] == "idle-199"  # the newest is kept; the oldest were dropped
    assert len(names) < 200


def test_a_log_reopened_goes_on_counting_its_size(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("x" * 990 + "\n")
    log = EventLog(path, clock=lambda: 1.0, max_bytes=1000, keep=2)
    log.write("ready")
    log.close()
    assert (tmp_path / "events.jsonl.1").read_text().startswith("x")
    assert json.loads(path.read_text())["event"] == "ready"
