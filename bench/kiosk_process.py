"""The kiosk as a process: cold start to `ready`, CPU at idle, resident memory at idle.

Starts the real ``kiosk run`` (offscreen platform) with its embedded server in the same
process on a fresh database, as a kiosk with no configuration does, and reads its event log
and /proc. Start-up is measured from spawning the process to the `ready` event (idle screen
painted); CPU and memory over `--idle` seconds after that.

    .venv/bin/python bench/kiosk_process.py --starts 5 --idle 20 [--reader off]

Budgets: cold start < 1.5 s, idle CPU < 1 % of a core, resident memory < 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_START_S, BUDGET_CPU_PCT, BUDGET_RSS_MB = 1.5, 1.0, 200.0
TICKS = os.sysconf("SC_CLK_TCK")


def spawn(folder: Path, reader: bool = True) -> tuple[subprocess.Popen[bytes], Path, float]:
    """`kiosk run` with the embedded server; the process, its event log, its spawn time."""
    log = folder / "events.jsonl"
    if not reader:
        (folder / "config" / "kiosk").mkdir(parents=True)
        (folder / "config" / "kiosk" / "kiosk.toml").write_text("[reader]\nenabled = false\n")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(folder),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
    }
    started = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--event-log", str(log)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, log, started


def ready_at(log: Path, timeout: float = 30) -> float:
    """The `t` of the first `ready` event."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists():
            for line in log.read_text().splitlines():
                event = json.loads(line)
                if event["event"] == "ready":
                    return float(event["t"])
        time.sleep(0.01)
    raise TimeoutError("the kiosk never became ready")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of `pid`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument(
        "--reader", choices=("on", "off"), default="on", help="the card reader (default on)"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="a few iterations, no budget asserted (make test)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.starts, args.idle = 1, 1.0
    reader = args.reader == "on"
    starts = []
    for _ in range(args.starts):
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
            proc, log, spawned = spawn(Path(folder), reader)
            starts.append(ready_at(log) - spawned)
            assert stop(proc) == 0
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
        proc, log, _ = spawn(Path(folder), reader)
        ready_at(log)
        time.sleep(2)  # let the first backend probe and place lookup finish
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(args.idle)
        cpu = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0) * 100
        rss = rss_mb(proc.pid)
        assert stop(proc) == 0
    start = statistics.median(starts)
    print(
        f"cold start → ready: median {start:.2f} s, max {max(starts):.2f} s over {len(starts)} "
        f"starts (budget < {BUDGET_START_S} s)"
    )
    print(f"idle CPU: {cpu:.2f} % of a core over {args.idle:.0f} s (budget < {BUDGET_CPU_PCT} %)")
    print(
        f"resident memory at idle, embedded server included: {rss:.0f} MB "
        f"(budget < {BUDGET_RSS_MB:.0f} MB)"
    )
    ok = start < BUDGET_START_S and cpu < BUDGET_CPU_PCT and rss < BUDGET_RSS_MB
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
