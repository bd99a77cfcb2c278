"""Slow and greedy clients cannot hold the server: a request must arrive within its time,
headers are bounded, and connections are capped below the file limit so that a kiosk's
check-in is answered while hundreds of slow clients hang on."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import demo_db, demo_server, device_client, paired_offline, wait_healthy

HEAD = b"POST /api/public/checkin HTTP/1.1\r\nHost: kiosk\r\n"


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes `sock` within `within` seconds (it answers nothing first)."""
    sock.settimeout(within)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_request_that_arrives_too_slowly_is_cut_off(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kiosk.server.guard.REQUEST_SECONDS", 0.5)
    with socket.create_connection(address(server.url)) as silent:  # never sends a byte
        assert closed_by_server(silent, 10)
    with socket.create_connection(address(server.url)) as slow:
        slow.sendall(HEAD[:20])  # a slowloris: part of the head, then nothing for a while
        assert closed_by_server(slow, 10)
    with device_client(server) as kiosk:  # a kept-alive kiosk is not cut off between requests
        assert kiosk.post("/api/public/checkin", json={"Pincode": "12345"}).status_code == 200
        time.sleep(0.8)  # longer than the request limit, shorter than keep-alive: idle is fine
        assert kiosk.post("/api/public/checkin", json={"Pincode": "23456"}).status_code == 200


def test_headers_over_the_limit_close_the_connection(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kiosk.server.guard.REQUEST_SECONDS", 60.0)  # the size closes it, not time
    with socket.create_connection(address(server.url)) as greedy:
        greedy.sendall(HEAD + b"X-Junk: " + b"a" * 40_000 + b"\r\n")
        assert closed_by_server(greedy, 10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`kiosk serve` in a process whose file limit is 256; its URL and a paired device's token."""
    db = demo_db(tmp_path / "checkin.db")
    token = paired_offline(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve", "--db", str(db), "--port", str(port)],
        preexec_fn=limit_files, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, token
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        assert "Traceback" not in err, err[-3000:]


def test_300_slow_clients_at_a_256_file_limit_do_not_stop_a_kiosk(
    served: tuple[str, str],
) -> None:
    url, token = served
    slow: list[socket.socket] = []
    stop = threading.Event()

    def trickle() -> None:  # a byte a second on each, as a slowloris does
        while not stop.wait(1.0):
            for sock in list(slow):
                with contextlib.suppress(OSError):
                    sock.send(b"X")

    for _ in range(300):
        sock = socket.create_connection(address(url))
        sock.sendall(HEAD[:30])
        slow.append(sock)
    feeder = threading.Thread(target=trickle)
    feeder.start()
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as kiosk:
            started = time.monotonic()
            answer = kiosk.post(f"{url}/api/public/checkin", json={"Pincode": "12345"})
            took = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert answer.json()["CoworkerFullName"] == "Ada Lovelace"
        print(f"\ncheck-in answered in {took * 1000:.0f} ms beside 300 slow clients")
    finally:
        stop.set()
        feeder.join()
        for sock in slow:
            sock.close()


def test_when_full_the_longest_idle_kept_alive_connection_makes_room(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kiosk.server.guard.connection_cap", lambda: 3)
    idle: list[httpx.Client] = []
    with demo_server(tmp_path / "checkin.db", clock) as capped:
        try:
            for name in ("One", "Two", "Three"):  # three kiosks kept alive after a check-in
                client = device_client(capped, name)
                idle.append(client)
                assert client.post("/api/public/checkin", json={"Pincode": "12345"}).is_success
            with device_client(capped, "Latecomer") as latecomer:  # a fourth: taken, answered
                answer = latecomer.post("/api/public/checkin", json={"Pincode": "56789"})
                assert answer.json()["CoworkerFullName"] == "Eve Tanaka"
            again = idle[0].post("/api/public/checkin", json={"Pincode": "12345"})
            assert again.is_success  # the one dropped connects again, unharmed
        finally:
            for client in idle:
                client.close()
