"""Storage faults the server must say out loud: an immutable database, a corrupt page, a full
disk. `/health` answers 503 with the reason, a check-in answers 503 (the kiosk then knows the
server cannot keep it), and nothing is written half.

Root can write any file whatever its mode, so a read-only database is made immutable with
``chattr +i``; a full disk is a small tmpfs mounted in the server's own mount namespace
(``unshare -m``). Both need root, which this machine's CI has.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin, demo_db, demo_server

ROOT = os.geteuid() == 0


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """`paths` cannot be written, even by root, until the block ends."""
    present = [p for p in paths if p.exists()]
    subprocess.run(["chattr", "+i", *map(str, present)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, present)], check=True)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "checkin.db", FakeClock()) as running:
        yield running


def wal_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


@pytest.mark.skipif(not ROOT or not shutil.which("chattr"), reason="chattr +i needs root")
def test_an_immutable_database_is_a_server_problem_said_in_words(
    server: ServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "checkin.db"
    client = httpx.Client(base_url=server.url)
    assert client.get("/health").status_code == 200
    with immutable(*wal_files(db)):
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["reason"].startswith(("read-only", "disk I/O error"))
        refused = client.post("/api/public/checkin", json={"Pincode": "12345"})
        assert refused.status_code == 503
        body = refused.json()
        assert (body["Status"], body["WasSuccessful"]) == (503, False)
        assert "cannot store check-ins" in body["Message"]
    assert client.get("/health").status_code == 200  # back as soon as it can write
    assert checkin(client, Pincode="12345")["CheckedIn"] is True
    client.close()


def test_a_corrupt_page_makes_health_say_corrupt(tmp_path: Path) -> None:
    db = demo_db(tmp_path / "checkin.db")
    size = db.stat().st_size
    with db.open("r+b") as file:  # the second page's header and cells: garbage
        file.seek(4096)
        file.write(os.urandom(min(4096, size - 4096)))
    with demo_server_at(db) as running:
        health = httpx.get(f"{running.url}/health")
    assert health.status_code == 503
    assert health.json()["reason"].startswith("corrupt")


@contextlib.contextmanager
def demo_server_at(db: Path) -> Iterator[ServerThread]:
    """A server on the database at `db` as it is."""
    from kiosk.server.runner import open_server

    server = open_server(db, clock=FakeClock())
    try:
        with ServerThread(server) as running:
            yield running
    finally:
        server.store.close()


SERVE_IN_TMPFS = """
set -e
mount -t tmpfs -o size=2m tmpfs "$DIR"
cp "$TEMPLATE" "$DIR/checkin.db"
cp "$TEMPLATE.keys" "$DIR/checkin.db.keys"
exec "$PYTHON" -m kiosk serve --db "$DIR/checkin.db" --port "$PORT"
"""


@pytest.mark.skipif(not ROOT or not shutil.which("unshare"), reason="a tmpfs mount needs root")
def test_a_full_disk_is_a_server_problem_and_check_ins_land_once_there_is_room(
    tmp_path: Path,
) -> None:
    template = demo_db(tmp_path / "template" / "checkin.db")
    folder = tmp_path / "disk"
    folder.mkdir()
    port = _free_port()
    env = {**os.environ, "DIR": str(folder), "TEMPLATE": str(template),
           "PYTHON": sys.executable, "PORT": str(port)}  # fmt: skip
    proc = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", SERVE_IN_TMPFS],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        filler = folder / "filler"  # in the server's tmpfs, seen from its namespace
        _run_in(proc, ["sh", "-c", f"cat /dev/zero > {filler} 2>/dev/null || true"])
        with httpx.Client(base_url=url) as client:
            deadline = time.monotonic() + 20
            answers = []
            while time.monotonic() < deadline:  # the WAL may still hold a little room
                answer = client.post(
                    "/api/public/checkin", json={"Pincode": "12345", "Toggle": True}
                )
                answers.append(answer.status_code)
                if answer.status_code == 503:
                    break
            assert answers[-1] == 503, answers
            assert "disk full" in answer.json()["Message"]
            health = client.get("/health")
            assert (health.status_code, health.json()["reason"][:9]) == (503, "disk full")
            _run_in(proc, ["rm", "-f", str(filler)])
            assert client.get("/health").status_code == 200
            landed = client.post("/api/public/checkin", json={"Pincode": "12345"})
            assert landed.status_code == 200, landed.text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.05)
    raise AssertionError("the server in its tmpfs did not come up")


def _run_in(proc: subprocess.Popen[str], command: list[str]) -> None:
    """Run `command` in the server's mount namespace."""
    subprocess.run(
        ["nsenter", "-t", str(proc.pid), "-m", *command],
        check=True,
        timeout=30,
    )
