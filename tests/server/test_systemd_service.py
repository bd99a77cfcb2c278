"""`kiosk serve` as a systemd Type=notify service: READY when it serves, watchdog pings from
its loop, STOPPING on SIGTERM, and log lines the journal files by priority."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx


def test_serve_notifies_systemd_and_logs_for_the_journal(tmp_path: Path) -> None:
    manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    manager.bind(str(tmp_path / "notify"))
    manager.settimeout(30)  # a busy machine may take long to import; the events decide
    stderr = (tmp_path / "stderr").open("w+")
    stat = os.fstat(stderr.fileno())
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(tmp_path / "notify"),
        "WATCHDOG_USEC": "400000",  # a ping every 0.2 s
        "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve", "--port", "0", "--db", str(tmp_path / "c.db")],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
    try:
        assert manager.recv(256) == b"READY=1\nSTATUS=serving check-ins"
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        assert httpx.get(url + "/health").status_code == 200  # serving when READY came
        assert [manager.recv(64) for _ in range(3)] == [b"WATCHDOG=1"] * 3
        proc.send_signal(signal.SIGTERM)
        while (message := manager.recv(64)) == b"WATCHDOG=1":
            pass
        assert message == b"STOPPING=1"
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        manager.close()
        stderr.close()
    logged = [line for line in (tmp_path / "stderr").read_text().splitlines() if line[:1] == "<"]
    assert "<4>kiosk.server.keys: created new install keys" in "\n".join(logged)
    assert not any(line[3:7].isdigit() for line in logged)  # no time: the journal adds it
