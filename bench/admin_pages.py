"""How long the web admin's heaviest pages take: the members page over 10,000 members, and the
reports page over a year of check-ins by 500 members (about 125,000 sessions).

The server runs in this process on a loopback port (as `kiosk serve` does, uvicorn in a
thread); a signed-in client asks for each page `--runs` times over one keep-alive connection
and the server's own time is read from each answer's ``Server-Timing`` header (the browser's
wait, less the network). Medians are printed with the client's wall time beside them.

    .venv/bin/python bench/admin_pages.py

Budget: each page's median server time under 200 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kiosk.server.admins import Cost, Passwords, add_admin
from kiosk.server.runner import ServerThread, open_server
from kiosk.server.store import Store
from kiosk.server.store.models import to_text

BUDGET_MS = 200.0
EMAIL, PASSWORD = "bench@space.example", "a long bench password"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')
_TIMING = re.compile(r"app;dur=([0-9.]+)")


def seed(store: Store, members: int, regulars: int, days: int) -> int:
    """`members` members (the first `regulars` on a plan and in on every weekday of the last
    `days` days, 08:00–17:00 Paris time give or take); how many check-ins were written."""
    paris = store.add_location("Paris", "Europe/Paris", NOW)
    store.add_location("Lyon", "Europe/Paris", NOW)
    store.add_plan("Resident", [paris.id])
    with store.transaction():
        for i in range(members):
            store.add_member(
                full_name=f"Member {i:05d}", email=f"m{i}@example.com", now=NOW,
                plan="Resident" if i < regulars else None, teams=(f"Team {i % 40}",),
            )  # fmt: skip
    rows = []
    start = (NOW - timedelta(days=days)).replace(hour=7, minute=0, second=0)
    for day in range(days):
        morning = start + timedelta(days=day)
        if morning.weekday() >= 5:
            continue
        for m in range(1, regulars + 1):
            arrive = morning + timedelta(minutes=(m * 7 + day * 13) % 90)
            leave = arrive + timedelta(hours=6, minutes=(m * 11 + day) % 180)
            rows.append((str(uuid.uuid4()), m, f"Member {m - 1:05d}", paris.id, to_text(arrive),
                         to_text(leave), "Resident"))  # fmt: skip
    with store.transaction():
        store._db.executemany(  # a bench's shortcut: a year of sessions in one go
            "INSERT INTO checkins (unique_id, member_id, coworker_full_name, location_id, source,"
            " from_time, to_time, teams, tariff) VALUES (?, ?, ?, ?, 4, ?, ?, '', ?)",
            rows,
        )
    return len(rows)


def measure(url: str, path: str, runs: int) -> tuple[list[float], list[float]]:
    """Server and wall times (ms) of `runs` requests for `path`, signed in."""
    with httpx.Client(base_url=url, timeout=60) as client:
        token = _CSRF.search(client.get("/admin/signin").text)
        assert token
        client.post("/admin/signin", data={"csrf": token.group(1), "email": EMAIL,
                                           "password": PASSWORD})  # fmt: skip
        server, wall = [], []
        for _ in range(runs):
            began = time.perf_counter()
            answer = client.get(path)
            wall.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
            timing = _TIMING.search(answer.headers.get("server-timing", ""))
            assert timing, "no Server-Timing header"
            server.append(float(timing.group(1)))
    return server, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--smoke", action="store_true", help="a small database, a few runs, no budget (make test)"
    )
    args = parser.parse_args()
    members, regulars, days, runs = (
        (500, 20, 30, 2) if args.smoke else (10_000, 500, 365, args.runs)
    )
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        server = open_server(Path(folder) / "bench.db", clock=lambda: NOW,
                             passwords=Passwords(Cost(1, 8)))  # fmt: skip
        written = seed(server.store, members, regulars, days)
        add_admin(server.store, Passwords(Cost(1, 8)), EMAIL, PASSWORD, NOW)
        print(f"seeded {members} members, {written} check-ins in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        first = (NOW - timedelta(days=days - 1)).date()
        pages = {
            "members (first page)": "/admin/members",
            "members (search)": "/admin/members?q=Member+0042",
            f"reports ({days} days)": f"/admin/reports?start={first}&end={NOW.date()}",
        }
        ok = True
        with ServerThread(server) as running:
            print(f"{'page':<24} {'server median':>14} {'server max':>11} {'wall median':>12}")
            for name, path in pages.items():
                server_ms, wall_ms = measure(running.url, path, runs)
                median = statistics.median(server_ms)
                ok = ok and median < BUDGET_MS
                print(f"{name:<24} {median:>11.1f} ms {max(server_ms):>8.1f} ms "
                      f"{statistics.median(wall_ms):>9.1f} ms")  # fmt: skip
        server.store.close()
    if not args.smoke:
        print(f"budget: median server time < {BUDGET_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
