"""The outbox against the real server, through a proxy that fails on demand: the backend away
for 500 check-ins, answers lost after the server wrote them, gateways failing. Everything kept
lands exactly once, at its own time, in order."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk import passes
from kiosk.domain import Credential, CredentialKind, Reason, Status
from kiosk.server.qrpass import issue_for
from kiosk.server.runner import ServerThread, open_server
from kiosk.settings.vault import Secret, open_vault
from tests.helpers.clock import FakeClock
from tests.helpers.faultproxy import Fault, FaultProxy
from tests.helpers.keeper import Kiosk
from tests.helpers.server import admin_client, demo_db, device_token
from tests.helpers.xvfb import read_events, wait_for

ADA, EVE = "12345", "56789"  # the demo's residents: no hours, no daily limit


@pytest.fixture
def proxy(server: ServerThread) -> Iterator[FaultProxy]:
    with FaultProxy(server.url) as running:
        yield running


@pytest.fixture
def token(server: ServerThread) -> str:
    """The kiosk's device token: it is paired with the server."""
    return device_token(server)


@pytest.fixture
def kiosk(
    qtbot: QtBot,
    aloop: asyncio.AbstractEventLoop,
    proxy: FaultProxy,
    tmp_path: Path,
    clock: FakeClock,
    token: str,
) -> Iterator[Kiosk]:
    made = Kiosk(qtbot, aloop, proxy.url, tmp_path / "kiosk.outbox.db", clock, token)
    yield made
    made.close_on(aloop)


def sessions(admin: httpx.Client, pin: str) -> list[tuple[str, str | None]]:
    """A member's check-ins as (from, to), oldest first."""
    coworker = {ADA: 1, EVE: 5}[pin]
    params = {"Checkin_Coworker": coworker, "dir": 1, "size": 10_000}
    records = admin.get("/api/spaces/checkins", params=params).json()["Records"]
    return [(r["FromTime"], r["ToTime"]) for r in records]


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_500_check_ins_while_the_server_is_away_all_land_once_at_their_own_times(
    kiosk: Kiosk, proxy: FaultProxy, admin: httpx.Client, clock: FakeClock
) -> None:
    proxy.set(Fault.DOWN)
    times: dict[str, list[datetime]] = {ADA: [], EVE: []}
    for n in range(500):
        pin = ADA if n % 2 == 0 else EVE
        times[pin].append(clock.advance(minutes=1))
        assert kiosk.type_pin(pin).status is Status.QUEUED
    assert kiosk.keeper.backlog.count == 500
    assert proxy.passed == 0
    proxy.set(Fault.NONE)
    kiosk.drained()
    assert proxy.passed >= 500
    for pin, moments in times.items():
        expected = [(z(moments[i]), z(moments[i + 1])) for i in range(0, 250, 2)]
        assert sessions(admin, pin) == expected
    assert [e.status for e in kiosk.outbox.history(500)].count(Status.CHECKED_IN) == 250


def test_a_lost_answer_is_settled_by_its_nonce_never_toggled_twice(
    kiosk: Kiosk, proxy: FaultProxy, admin: httpx.Client, clock: FakeClock
) -> None:
    proxy.set(Fault.LOST)  # the server writes the check-in; its answer never comes back
    at = clock.advance(minutes=1)
    assert kiosk.type_pin(ADA).status is Status.QUEUED
    assert sessions(admin, ADA) == [(z(at), None)]  # it did arrive
    clock.advance(minutes=1)
    proxy.set(Fault.NONE)
    kiosk.drained()
    assert sessions(admin, ADA) == [(z(at), None)]  # settled: still in, not checked out
    (ended,) = kiosk.outbox.history()
    assert ended.status is Status.CHECKED_IN
    leave = clock.advance(minutes=5)
    assert kiosk.type_pin(ADA).status is Status.CHECKED_OUT
    assert sessions(admin, ADA) == [(z(at), z(leave))]


def test_a_slow_answer_within_the_timeout_is_taken_and_one_past_it_is_settled(
    kiosk: Kiosk, proxy: FaultProxy, admin: httpx.Client, clock: FakeClock
) -> None:
    proxy.set(Fault.SLOW, delay=0.3)  # under the kiosk's 1 s: a slow network, still an answer
    came = clock.advance(minutes=1)
    assert kiosk.type_pin(ADA).status is Status.CHECKED_IN
    proxy.set(Fault.SLOW, delay=3.0)  # past it: the server took it, the kiosk gave up
    left = clock.advance(minutes=30)
    assert kiosk.type_pin(ADA).status is Status.QUEUED
    proxy.set(Fault.NONE)
    kiosk.drained()
    assert sessions(admin, ADA) == [(z(came), z(left))]  # checked out once, at its time


@pytest.mark.parametrize("fault", [Fault.RESET, Fault.BAD_GATEWAY, Fault.UNAVAILABLE])
def test_a_gateway_or_reset_keeps_the_attempt_and_it_lands_once(
    kiosk: Kiosk, proxy: FaultProxy, admin: httpx.Client, clock: FakeClock, fault: Fault
) -> None:
    proxy.set(fault)
    at = clock.advance(minutes=1)
    assert kiosk.type_pin(EVE).status is Status.QUEUED
    clock.advance(minutes=2)
    assert kiosk.type_pin(EVE).status is Status.QUEUED  # kept at once: behind the first
    proxy.set(Fault.NONE)
    kiosk.drained()
    (session,) = sessions(admin, EVE)
    assert session[0] == z(at)
    assert session[1] is not None


def test_the_servers_passes_are_checked_on_the_kiosk_while_it_is_away(
    kiosk: Kiosk, proxy: FaultProxy, server: ServerThread, clock: FakeClock, admin: httpx.Client
) -> None:
    with kiosk.qtbot.waitSignal(kiosk.controller.place_changed):
        kiosk.controller.load_place()  # the server answers: its pass key is fetched and kept
    kiosk.qtbot.waitUntil(lambda: kiosk.keeper.known.pass_key() is not None)
    now = clock()
    issued = issue_for(server.server.store, server.server.keys, "eve@example.com",
                       timedelta(days=1), now).text  # fmt: skip
    forged = passes.Issuer.generate().issue(passes.Subject.member(5), now, timedelta(days=1))
    proxy.set(Fault.DOWN)
    refused = kiosk.present(Credential(CredentialKind.QR, forged, source="scanner"))
    assert (refused.status, refused.reason) == (Status.REJECTED, Reason.INVALID_PASS)
    assert kiosk.present(Credential(CredentialKind.QR, issued, "scanner")).status is Status.QUEUED
    proxy.set(Fault.NONE)
    kiosk.drained()
    assert sessions(admin, EVE) == [(z(now), None)]


def test_a_kiosk_clock_running_ahead_replays_on_the_servers_clock(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, proxy: FaultProxy, admin: httpx.Client,
    clock: FakeClock, tmp_path: Path, token: str,
) -> None:  # fmt: skip
    ahead = Kiosk(qtbot, aloop, proxy.url, tmp_path / "ahead.outbox.db",
                  lambda: clock() + timedelta(minutes=5), token)  # fmt: skip
    ahead.keeper.skew = lambda: -300.0  # as the `Date` of the server's answers showed
    try:
        proxy.set(Fault.DOWN)
        at = clock.advance(minutes=1)
        assert ahead.type_pin(ADA).status is Status.QUEUED
        clock.advance(minutes=1)
        proxy.set(Fault.NONE)
        ahead.drained()
    finally:
        ahead.close_on(aloop)
    assert sessions(admin, ADA) == [(z(at), None)]  # not refused as "in the future"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[ServerThread]:
    """The demo server on the real clock (the killed kiosk's attempts carry real times)."""
    server = open_server(demo_db(tmp_path / "server" / "checkin.db"))
    try:
        with ServerThread(server) as running:
            yield running
    finally:
        server.store.close()


@pytest.fixture
def live_proxy(live: ServerThread) -> Iterator[FaultProxy]:
    """The real-clock server's address, as the kiosk knows it."""
    with FaultProxy(live.url) as running:
        yield running


def test_a_kiosk_killed_with_50_kept_sends_them_all_once_when_it_starts_again(
    tmp_path: Path, live: ServerThread, live_proxy: FaultProxy
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nlocation = "1"\n')
    open_vault(config).set(Secret.DEVICE_TOKEN, device_token(live))  # paired, as staff would
    home = tmp_path / "home"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / "share"),
    }
    proxy = live_proxy
    proxy.set(Fault.DOWN)  # nothing answers there: refused
    keeping = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.keeping_kiosk", str(config), proxy.url, "50"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert keeping.stdout is not None
        line = keeping.stdout.readline()
        assert line == "kept 50\n", keeping.stderr.read() if keeping.stderr else line
    finally:
        keeping.kill()  # kill -9: no goodbye, no flush but what the outbox synced itself
        keeping.communicate(timeout=30)
    assert keeping.returncode == -signal.SIGKILL
    outbox = tmp_path / "kiosk.outbox.db"
    with contextlib.closing(sqlite3.connect(outbox)) as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone() == (50,)

    log = tmp_path / "events.jsonl"
    proxy.set(Fault.NONE)  # the server is back
    again = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config),
         "--backend-url", proxy.url, "--event-log", str(log)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: len(replayed(log)) >= 50, 60, "the kept check-ins were not sent")
    finally:
        again.send_signal(signal.SIGTERM)
        _, err = again.communicate(timeout=30)
    assert again.returncode == 0, err
    assert "Traceback" not in err
    events = replayed(log)
    assert len(events) == 50
    # Ada and Eve in turn, each toggling: in, in, out, out, in, in, …
    statuses = ["checked_in" if n // 2 % 2 == 0 else "checked_out" for n in range(50)]
    assert [e["status"] for e in events] == statuses
    with contextlib.closing(sqlite3.connect(outbox)) as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone() == (0,)
        kept = [datetime.fromisoformat(t) for (t,) in db.execute(
            "SELECT attempted_at FROM history ORDER BY id")]  # fmt: skip
    with admin_client(live) as admin:
        for first, pin in enumerate((ADA, EVE)):
            times = [z(t) for t in kept[first::2]]  # this member's 25 attempts, in order
            expected = [(times[i], times[i + 1] if i + 1 < 25 else None) for i in range(0, 25, 2)]
            assert sessions(admin, pin) == expected  # 12 visits and one still open


def replayed(log: Path) -> list[dict[str, Any]]:
    return [e for e in read_events(log) if e["event"] == "replayed"]
