"""What Wi-Fi presence costs the server: a presence agent reporting 2,000 devices every minute
(1,500 of them members' devices, 500 visitors'), and the sweeper over 100,000 open presence
sessions.

The first part runs `kiosk serve` as its own process and reads its CPU time (user + system,
from /proc) around each batch of `POST /api/public/sightings`: the first batch checks 1,500
members in, the next ones only mark them seen (visitors are left out by the agent after the
first answer, as `kiosk.agent.report` does). The CPU share is that time over the minute
between batches. The second part times `close_quiet_presence` in this process over a
database of 100,000 open presence sessions, half of them quiet, and again with none quiet.

    .venv/bin/python bench/presence.py

Budget: steady batches under 5% of one core (3 s of CPU a minute); the sweep under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kiosk.agent.report import Reporter, SightingsClient
from kiosk.agent.seen import Seen
from kiosk.macs import mac_tail
from kiosk.server.devices import DeviceService
from kiosk.server.keys import InstallKeys, keys_path_for
from kiosk.server.store import Store
from kiosk.server.store.models import to_text

CPU_BUDGET = 0.05  # of one core, at one batch a minute
SWEEP_BUDGET_S = 2.0
TICKS = os.sysconf("SC_CLK_TCK")


def mac(i: int) -> str:
    """A universally administered address (OUI 00:16:3e) numbered `i`."""
    return f"00:16:3e:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}"


def seed(db: Path, members: int) -> str:
    """A database of `members` members on a plan, each with one device; a presence device's
    token."""
    now = datetime.now(UTC)
    store = Store(db)
    try:
        keys = InstallKeys.load_or_create(keys_path_for(db), members=0)
        place = store.add_location("Main", "Europe/Paris", now)
        store.add_plan("Resident", [place.id])
        with store.transaction():
            for i in range(members):
                m = store.add_member(full_name=f"Member {i:05d}", email=f"m{i}@example.com",
                                     now=now, plan="Resident")  # fmt: skip
                store.add_mac(m.id, keys.lookup("mac", mac(i).upper()), mac_tail(mac(i).upper()))
        devices = DeviceService(store, keys)
        return devices.pair(devices.add("Router", "presence").code)[1]
    finally:
        store.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def serve(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve", "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    url = line.split()[3]
    with httpx.Client() as client:
        while client.get(f"{url}/health").status_code != 200:
            time.sleep(0.05)
    return proc, url


def batches(devices: int, members: int, rounds: int) -> tuple[list[float], list[float]]:
    """CPU seconds of the server and wall seconds per batch, `rounds` batches."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "checkin.db"
        token = seed(db, members)
        proc, url = serve(db)
        try:
            client = SightingsClient(url, token)
            reporter = Reporter(client)
            cpu, wall = [], []
            for _ in range(rounds):
                now = datetime.now(UTC)
                reporter.add([Seen(mac(i), now) for i in range(devices)], now)
                before, began = cpu_seconds(proc.pid), time.perf_counter()
                flushed = reporter.flush(now)
                wall.append(time.perf_counter() - began)
                cpu.append(cpu_seconds(proc.pid) - before)
                assert not flushed.problem, flushed.problem
            client.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return cpu, wall


def sweep(sessions: int) -> tuple[float, float, int]:
    """Seconds to sweep `sessions` open presence sessions with none quiet, then half quiet;
    how many the second sweep ended."""
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "checkin.db")
        try:
            place = store.add_location("Main", "Europe/Paris", now)
            with store.transaction():  # a bench's shortcut: rows in one go
                store._db.executemany(
                    "INSERT INTO members (id, full_name, email, created_on) VALUES (?, ?, ?, ?)",
                    ((i, f"M {i}", f"m{i}@x.io", to_text(now)) for i in range(1, sessions + 1)),
                )
                store._db.executemany(
                    "INSERT INTO checkins (unique_id, member_id, coworker_full_name,"
                    " location_id, source, from_time, seen_at) VALUES (?, ?, ?, ?, 3, ?, ?)",
                    (
                        (str(uuid.uuid4()), i, f"M {i}", place.id,
                         to_text(now - timedelta(hours=2)),
                         to_text(now - timedelta(minutes=30 if i % 2 else 5)))
                        for i in range(1, sessions + 1)
                    ),
                )  # fmt: skip
            began = time.perf_counter()
            assert store.close_quiet_presence(now - timedelta(hours=1), now) == 0
            idle = time.perf_counter() - began
            began = time.perf_counter()
            ended = store.close_quiet_presence(now - timedelta(minutes=15), now)
            busy = time.perf_counter() - began
        finally:
            store.close()
    return idle, busy, ended


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="small, a few rounds, no budget")
    args = parser.parse_args()
    devices, members, rounds, sessions = (
        (200, 150, 2, 2000) if args.smoke else (2000, 1500, args.rounds, 100_000)
    )
    cpu, wall = batches(devices, members, rounds)
    steady = statistics.median(cpu[1:]) if len(cpu) > 1 else cpu[0]
    print(f"{devices} devices ({members} members'), one batch a minute, {rounds} batches")
    print(f"  first batch (checks {members} in):  CPU {cpu[0] * 1000:7.0f} ms"
          f"   wall {wall[0] * 1000:7.0f} ms")  # fmt: skip
    print(f"  later batches, median:            CPU {steady * 1000:7.0f} ms"
          f"   wall {statistics.median(wall[1:] or wall) * 1000:7.0f} ms"
          f"   = {steady / 60:.2%} of one core")  # fmt: skip
    idle, busy, ended = sweep(sessions)
    print(f"sweeper over {sessions} open presence sessions: none quiet {idle * 1000:.1f} ms,"
          f" {ended} quiet ended {busy * 1000:.1f} ms")  # fmt: skip
    if args.smoke:
        return 0
    ok = steady / 60 <= CPU_BUDGET and busy <= SWEEP_BUDGET_S
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
