"""Throughput of the check-in server: N concurrent clients, distinct members, fixed time.

Runs the real ``kiosk serve`` in its own process on a fresh database, drives it with
``--clients`` concurrent keep-alive connections that toggle their own members in and out by
PIN for ``--seconds``, then checks every answer against the database: each "checked in"
answer must be exactly one check-in row, each "checked out" one closed row. Prints
check-ins/s, p50/p99 latency and the number of lost or duplicated check-ins.

    .venv/bin/python bench/server_throughput.py --clients 16 --seconds 10

Budget on a 2-core machine: ≥ 500 check-ins/s, p99 < 50 ms, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kiosk.server.devices import DeviceService
from kiosk.server.keys import InstallKeys, keys_path_for
from kiosk.server.store import Store

BUDGET_RATE, BUDGET_P99_MS = 500.0, 50.0


def seed(db: Path, members: int) -> tuple[list[str], str]:
    """A location, a 24/7 plan and `members` members with 8-digit PINs, and a paired kiosk;
    returns the PINs and the kiosk's device token."""
    store = Store(db)
    keys = InstallKeys.load_or_create(keys_path_for(db))
    now = datetime.now(UTC)
    loc = store.add_location("Bench", "UTC", now)
    store.add_plan("Open", [loc.id])
    pins = [f"{10_000_000 + i}" for i in range(members)]
    with store.transaction():
        for i, pin in enumerate(pins):
            store.add_member(
                full_name=f"Member {i}",
                email=f"m{i}@example.com",
                now=now,
                pin_key=keys.lookup("pin", pin),
                plan="Open",
            )
    devices = DeviceService(store, keys)
    _, token = devices.pair(devices.add("Bench kiosk").code)
    store.close()
    return pins, token


def start_server(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://[\d.]+:\d+", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, match.group(0)


class Connection:
    """One keep-alive HTTP/1.1 connection, written by hand: httpx's async pool costs more
    CPU per request than the server does, and would measure itself instead of the server."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, token: str
    ) -> None:
        self.reader, self.writer, self.host, self.token = reader, writer, host, token

    @classmethod
    async def open(cls, url: str, token: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, f"{host}:{port}", token)

    async def post_json(self, path: str, payload: dict[str, object]) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
        return status, json.loads(await self.reader.readexactly(length))

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def worker(
    url: str,
    token: str,
    pins: list[str],
    stop_at: float,
    latencies: list[float],
    answers: Counter[tuple[str, str]],
) -> None:
    conn = await Connection.open(url, token)
    i = 0
    try:
        while time.perf_counter() < stop_at:
            pin = pins[i % len(pins)]
            i += 1
            started = time.perf_counter()
            status, body = await conn.post_json("/api/public/checkin", {"Pin": pin, "Toggle": True})
            latencies.append(time.perf_counter() - started)
            if status != 200 or not body["WasSuccessful"]:
                answers[(pin, "error")] += 1
            else:
                answers[(pin, "in" if body["CheckedIn"] else "out")] += 1
    finally:
        await conn.close()


async def drive(
    url: str, token: str, pins: list[str], clients: int, seconds: float
) -> tuple[list[float], Counter[tuple[str, str]], float]:
    latencies: list[float] = []
    answers: Counter[tuple[str, str]] = Counter()
    async with httpx.AsyncClient(base_url=url) as client:
        (await client.get("/health")).raise_for_status()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(worker(url, token, pins[k::clients], stop_at, latencies, answers) for k in range(clients))
    )
    return latencies, answers, time.perf_counter() - started


def reconcile(db: Path, pins: list[str], answers: Counter[tuple[str, str]]) -> tuple[int, int]:
    """(lost, duplicated) check-ins: answers without a row, rows without an answer."""
    with sqlite3.connect(db) as conn:
        rows = dict(
            conn.execute(
                "SELECT m.email, count(c.id) FROM members m LEFT JOIN checkins c"
                " ON c.member_id = m.id GROUP BY m.id"
            )
        )
        closed = dict(
            conn.execute(
                "SELECT m.email, count(c.id) FROM members m LEFT JOIN checkins c"
                " ON c.member_id = m.id AND c.to_time IS NOT NULL GROUP BY m.id"
            )
        )
    lost = duplicated = 0
    for i, pin in enumerate(pins):
        email = f"m{i}@example.com"
        for stored, said in (
            (rows[email], answers[(pin, "in")]),
            (closed[email], answers[(pin, "out")]),
        ):
            lost += max(said - stored, 0)
            duplicated += max(stored - said, 0)
    return lost, duplicated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument(
        "--members",
        type=int,
        default=20000,
        help="more than the run will reach, so every request is a check-in",
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--smoke", action="store_true", help="a few iterations, no budget asserted (make test)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.members, args.seconds = 4, 500, 1.0

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        pins, token = seed(db, args.members)
        proc, url = start_server(db)
        try:
            driven = drive(url, token, pins, args.clients, args.seconds)
            latencies, answers, elapsed = asyncio.run(driven)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            if proc.stdout:
                proc.stdout.close()
        lost, duplicated = reconcile(db, pins, answers)

    errors = sum(n for (_, kind), n in answers.items() if kind == "error")
    checkins = sum(n for (_, kind), n in answers.items() if kind == "in")
    rate = len(latencies) / elapsed
    checkin_rate = checkins / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    print(f"clients {args.clients}  members {args.members}  {elapsed:.1f} s")
    print(
        f"requests {len(latencies)}  check-ins {checkins}  check-outs "
        f"{len(latencies) - checkins - errors}  errors {errors}"
    )
    print(f"throughput {checkins / elapsed:.0f} check-ins/s ({rate:.0f} requests/s)")
    print(f"latency p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {max(latencies) * 1000:.1f} ms")
    print(f"lost {lost}  duplicated {duplicated}")
    ok = checkin_rate >= BUDGET_RATE and p99 < BUDGET_P99_MS and lost == duplicated == errors == 0
    print(
        f"budget (≥ {BUDGET_RATE:.0f}/s, p99 < {BUDGET_P99_MS:.0f} ms, none lost): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if lost == duplicated == errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
