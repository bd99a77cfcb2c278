"""Storage faults the server must say out loud: an immutable database, a corrupt page, a full
disk. `/health` answers 503 with the reason, a check-in answers 503 (the kiosk then knows the
server cannot keep it), and nothing is written half.

Root can write any file whatever its mode, so a read-only database is made immutable with
``chattr +i``; a full disk is a small tmpfs mounted in the server's own mount namespace
(``unshare -m``). Both need root, which this machine's CI has.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk.cli.main import main
from kiosk.domain import Status
from kiosk.server.keys import InstallKeys, keys_path_for
from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.keeper import Kiosk
from tests.helpers.server import (
    checkin,
    demo_db,
    device_client,
    paired_offline,
    wait_healthy,
)

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


def wal_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


@pytest.mark.skipif(not ROOT or not shutil.which("chattr"), reason="chattr +i needs root")
def test_an_immutable_database_is_a_server_problem_said_in_words(
    server: ServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "checkin.db"
    client = device_client(server)
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


def test_a_page_corrupted_while_serving_makes_health_say_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = demo_db(tmp_path / "checkin.db")
    with demo_server_at(db) as running:
        assert httpx.get(f"{running.url}/health").status_code == 200
        size = db.stat().st_size
        with db.open("r+b") as file:  # every page but the first: garbage
            file.seek(4096)
            file.write(os.urandom(size - 4096))
        monkeypatch.setattr("kiosk.server.store.db.QUICK_CHECK_SECONDS", 0.0)  # check now
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
    tmp_path: Path, qtbot: QtBot, aloop: asyncio.AbstractEventLoop
) -> None:
    template = demo_db(tmp_path / "template" / "checkin.db")
    token = paired_offline(template)
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
        wait_healthy(url, proc)
        filler = folder / "filler"  # in the server's tmpfs, seen from its namespace
        _run_in(proc, ["sh", "-c", f"cat /dev/zero > {filler} 2>/dev/null || true"])
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
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
            kiosk = Kiosk(qtbot, aloop, url, tmp_path / "kiosk.outbox.db", token=token)
            try:
                assert kiosk.type_pin("56789").status is Status.QUEUED  # Eve: kept on the kiosk
                _run_in(proc, ["rm", "-f", str(filler)])
                assert client.get("/health").status_code == 200
                kiosk.drained()
                (ended,) = kiosk.outbox.history()
                assert ended.status is Status.CHECKED_IN  # landed, once there was room
            finally:
                kiosk.close_on(aloop)
            open_now = client.get("/api/spaces/checkins", params={"Open": "true"},
                                  headers=_admin(template)).json()["Records"]  # fmt: skip
            assert [r["CoworkerFullName"] for r in open_now].count("Eve Tanaka") == 1
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err


def _admin(db: Path) -> dict[str, str]:
    """The admin token's header for the server over `db` (from its key file)."""
    return {"Authorization": f"Bearer {InstallKeys.read(keys_path_for(db)).admin_token}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_in(proc: subprocess.Popen[str], command: list[str]) -> None:
    """Run `command` in the server's mount namespace."""
    subprocess.run(
        ["nsenter", "-t", str(proc.pid), "-m", *command],
        check=True,
        timeout=30,
    )


def kiosk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_serve_refuses_an_empty_file_unless_told_to_start_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "checkin.db"
    db.touch()
    taken = socket.socket()  # serve stops at a busy port: far enough to show it opened
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = str(taken.getsockname()[1])
    code, _, err = kiosk(capsys, "serve", "--db", str(db), "--port", port)
    assert code == 1
    assert err.count("\n") == 1  # one clear line
    assert "is an empty file (0 bytes), not a database" in err
    assert "kiosk serve --init" in err
    assert db.stat().st_size == 0  # nothing made of it
    assert not keys_path_for(db).exists()
    code, _, err = kiosk(capsys, "serve", "--db", str(db), "--port", port, "--init")
    taken.close()
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err  # as far as listening: opened afresh
    assert db.stat().st_size > 0


def test_serve_refuses_a_corrupt_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = demo_db(tmp_path / "checkin.db")
    with db.open("r+b") as file:
        file.seek(4096)
        file.write(os.urandom(4096))
    code, _, err = kiosk(capsys, "serve", "--db", str(db), "--port", "0")
    assert code == 1
    assert "corrupt" in err
    assert "restore it from a backup" in err
    header = tmp_path / "header.db"
    header.write_bytes(b"not SQLite at all" * 300)
    code, _, err = kiosk(capsys, "serve", "--db", str(header), "--port", "0")
    assert (code, "corrupt" in err) == (1, True)


def test_a_missing_key_file_is_never_replaced_while_members_need_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = demo_db(tmp_path / "checkin.db")
    keys = keys_path_for(db)
    backup = tmp_path / "backup.keys"
    assert kiosk(capsys, "keys", "export", "--db", str(db), str(backup))[0] == 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    original = keys.read_text()
    keys.unlink()
    for argv in (
        ("serve", "--db", str(db), "--port", "0"),
        ("members", "add", "--db", str(db), "--name", "Zoe", "--email", "zoe@example.com",
         "--pin", "97531", "--insecure-args"),
    ):  # fmt: skip
        code, _, err = kiosk(capsys, *argv)
        assert code == 1, argv
        assert "is missing, but the database beside it has 7 members" in err
        assert "kiosk keys import" in err
        assert not keys.exists(), argv  # never a new key made in silence
    assert kiosk(capsys, "keys", "import", "--db", str(db), str(backup))[0] == 0
    assert keys.read_text() == original
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    code, _, err = kiosk(capsys, "keys", "import", "--db", str(db), str(backup))
    assert (code, "--force replaces it" in err) == (1, True)
    junk = tmp_path / "junk.keys"
    junk.write_text("{}")
    code, _, err = kiosk(capsys, "keys", "import", "--db", str(db), str(junk), "--force")
    assert (code, "not a valid key file" in err) == (1, True)
    assert keys.read_text() == original
    assert original not in capsys.readouterr().out  # the secrets are never printed


def test_a_new_database_gets_its_keys_made_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "new.db"
    code, _, _ = kiosk(capsys, "locations", "add", "--db", str(db), "--name", "Main",
                       "--timezone", "Europe/Paris")  # fmt: skip
    assert code == 0
    code, _, _ = kiosk(capsys, "members", "add", "--db", str(db), "--name", "Ada",
                       "--email", "ada@example.com", "--insecure-args")  # fmt: skip
    assert code == 0
    assert keys_path_for(db).exists()
    assert "created new install keys" in caplog.text
