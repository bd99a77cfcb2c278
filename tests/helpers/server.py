"""A real check-in server on a loopback port, seeded with the demo members.

Seeding hashes seven passwords with scrypt, so it is done once per time zone and session
into a template database that each test copies.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from kiosk.server.demo import seed_demo
from kiosk.server.devices import DeviceService
from kiosk.server.keys import InstallKeys, keys_path_for
from kiosk.server.runner import Server, ServerThread, open_server
from kiosk.server.store import Store
from tests.helpers.clock import FakeClock


@functools.cache
def _template(tz: str) -> Path:
    folder = tempfile.mkdtemp(prefix="kiosk-template-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    db = Path(folder) / "checkin.db"
    store = Store(db)
    seed_demo(store, InstallKeys.load_or_create(keys_path_for(db)), FakeClock()(), timezone=tz)
    store.close()  # the last connection checkpoints the WAL into the file
    return db


def demo_db(db: Path, tz: str = "Europe/Paris") -> Path:
    """A fresh copy of the demo database (and its keys) at `db`."""
    template = _template(tz)
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template, db)
    shutil.copy2(keys_path_for(template), keys_path_for(db))
    return db


@contextlib.contextmanager
def demo_server(
    db: Path,
    clock: FakeClock,
    tz: str = "Europe/Paris",
    sweep_seconds: float = 30.0,
    **options: Any,
) -> Iterator[ServerThread]:
    """The demo server at `db`, running in a thread, its clock `clock`; `options` go to
    `open_server` (`open_checkin`, `allow_origins`)."""
    server: Server = open_server(
        demo_db(db, tz), clock=clock, sweep_seconds=sweep_seconds, **options
    )
    try:
        with ServerThread(server) as running:
            yield running
    finally:
        server.store.close()


def device_token(running: ServerThread, name: str = "Test kiosk", kind: str = "kiosk") -> str:
    """A token of a device paired with the server, as `kiosk devices add` and pairing give."""
    devices = DeviceService(running.server.store, running.server.keys)
    _, token = devices.pair(devices.add(name, kind).code)
    return token


def paired_offline(db: Path, name: str = "Front desk") -> str:
    """A device paired with the server over `db` before it is served (another process will
    serve it): its token."""
    store = Store(db)
    try:
        devices = DeviceService(store, InstallKeys.read(keys_path_for(db)))
        return devices.pair(devices.add(name).code)[1]
    finally:
        store.close()


def device_client(
    running: ServerThread, name: str = "Test kiosk", kind: str = "kiosk"
) -> httpx.Client:
    """A client that checks members in as a paired device (a kiosk, a door, a presence
    agent)."""
    headers = {"Authorization": f"Bearer {device_token(running, name, kind)}"}
    return httpx.Client(base_url=running.url, headers=headers)


def admin_client(running: ServerThread) -> httpx.Client:
    """A client that sends the server's admin token."""
    token = running.server.keys.admin_token
    return httpx.Client(base_url=running.url, headers={"Authorization": f"Bearer {token}"})


def checkin(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A check-in POST's JSON body; the HTTP and body status must agree, and be 200 exactly
    when the check-in succeeded (door clients open on a body status of 200)."""
    response = client.post("/api/public/checkin", json=fields)
    body: dict[str, Any] = response.json()
    assert response.status_code == body["Status"], response.text
    assert (response.status_code == 200) is body["WasSuccessful"], response.text
    return body


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    """Wait until the server `proc` runs answers ``/health`` with 200 (it must not exit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.05)  # polling another process's port: there is no event to wait on
    raise AssertionError(f"the server at {url} did not come up")
