"""The presence agent against the real server: a leases file the test writes, sightings sent
through `POST /api/public/sightings` with a presence device's token, unknown addresses left
out once the server said so, the server stopped and started again on its port, and
`kiosk presence` itself (pairing, one round)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from kiosk.agent.leases import LeasesFile
from kiosk.agent.report import Reporter, SightingsClient
from kiosk.agent.run import Agent
from kiosk.macs import mac_tail
from kiosk.server.devices import DeviceService
from kiosk.server.runner import ServerThread, open_server
from tests.helpers.clock import FakeClock
from tests.helpers.server import demo_db, demo_server, device_token

LAPTOP, VISITOR = "00:1b:63:84:45:e6", "3c:22:fb:10:20:30"


def leases(path: Path, now: datetime, *macs: str) -> None:
    """dnsmasq's file with a 10-minute lease for each of `macs`, renewed at `now`."""
    expiry = int((now + timedelta(minutes=10)).timestamp())
    path.write_text(
        "".join(f"{expiry} {m} 192.168.1.{i + 20} dev{i} *\n" for i, m in enumerate(macs))
    )


def test_the_agent_checks_a_member_in_leaves_visitors_out_and_outlives_the_server(
    tmp_path: Path, clock: FakeClock
) -> None:
    server = open_server(demo_db(tmp_path / "checkin.db", "Europe/Paris"), clock=clock)
    store, keys = server.store, server.keys
    file = tmp_path / "dnsmasq.leases"
    try:
        eve = store.find_member(email="eve@example.com")
        assert eve is not None
        store.add_mac(eve.id, keys.lookup("mac", LAPTOP.upper()), mac_tail(LAPTOP.upper()))
        with ServerThread(server) as running:
            client = SightingsClient(running.url, device_token(running, "Router", "presence"))
            agent = Agent([LeasesFile(file)], Reporter(client), clock)
            leases(file, clock.now, LAPTOP, VISITOR)
            first = agent.round()
            assert (first.sent, first.unknown) == (2, 1)
            clock.advance(minutes=5)
            leases(file, clock.now, LAPTOP, VISITOR)  # both renewed
            assert agent.round().sent == 1  # the visitor is left out now
            router = store.named_device("Router", "presence")
            assert router is not None
            alive = store.heartbeats()[router.id]  # the Kiosks page shows the agent online
            assert alive.heartbeat.reader == f"leases {file}: ok"
            assert alive.at == clock.now
            url, port = running.url, int(running.url.rsplit(":", 1)[1])
        sessions = store.checkins().records
        assert [(s.coworker_full_name, s.source) for s in sessions] == [("Eve Tanaka", 3)]
        assert len(store.failed_checkins().records) == 1  # the visitor, once

        clock.advance(minutes=5)
        leases(file, clock.now, LAPTOP)  # renewed while the server is stopped
        away = agent.round()
        assert (away.sent, away.kept) == (0, 1)
        assert "Error" in away.problem
        clock.advance(minutes=3)
        with ServerThread(server, port=port) as back:
            assert back.url == url
            assert agent.round().sent == 1  # the sighting kept, with its own time
        client.close()
        seen = store.open_source(eve.id)
        assert seen is not None
        clock.advance(minutes=20)
        assert store.close_quiet_presence(clock.now - timedelta(minutes=15), clock.now) == 1
        ended = store.checkin(seen[0])
        assert ended.to_time == clock.now - timedelta(minutes=23)  # the sighting while away
    finally:
        store.close()


def test_kiosk_presence_pairs_then_reports_once(tmp_path: Path) -> None:
    clock = FakeClock(datetime.now().astimezone())
    with demo_server(tmp_path / "checkin.db", clock) as running:
        store, keys = running.server.store, running.server.keys
        eve = store.find_member(email="eve@example.com")
        assert eve is not None
        store.add_mac(eve.id, keys.lookup("mac", LAPTOP.upper()), mac_tail(LAPTOP.upper()))
        code = DeviceService(store, keys).add("Router", "presence").code
        token_file = tmp_path / "agent" / "presence.token"
        kiosk = [sys.executable, "-m", "kiosk", "presence", "--server", running.url,
                 "--token-file", str(token_file)]  # fmt: skip
        paired = subprocess.run([*kiosk, "--pair"], input=code + "\n", capture_output=True,
                                text=True, timeout=60, check=False)  # fmt: skip
        assert paired.returncode == 0, paired.stderr
        assert "as device" in paired.stdout
        assert token_file.stat().st_mode & 0o777 == 0o600
        file = tmp_path / "dnsmasq.leases"
        leases(file, clock.now, LAPTOP)
        env = {k: v for k, v in os.environ.items() if k != "KIOSK_DEVICE_TOKEN"}
        once = subprocess.run([*kiosk, "--leases", str(file), "--once"], capture_output=True,
                              text=True, timeout=60, check=False, env=env)  # fmt: skip
        assert once.returncode == 0, once.stderr
        assert "reported 1 devices, 0 unknown" in once.stdout
        assert LAPTOP not in once.stdout + once.stderr
        assert store.open_source(eve.id) is not None
        nowhere = subprocess.run([*kiosk, "--once"], capture_output=True, text=True, timeout=60,
                                 check=False)  # fmt: skip
        assert nowhere.returncode == 1
        assert "--leases FILE, --neigh or --hostapd SOCKET" in nowhere.stderr
        with httpx.Client() as anyone:  # a kiosk's token may not report sightings
            kiosk_token = device_token(running, "Front desk")
            refused = anyone.post(f"{running.url}/api/public/sightings", json={"Sightings": []},
                                  headers={"Authorization": f"Bearer {kiosk_token}"})  # fmt: skip
        assert refused.status_code == 403
