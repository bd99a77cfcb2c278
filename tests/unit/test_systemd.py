"""kiosk.systemd: notifications reach a real datagram socket, as systemd's would."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.systemd import Notifier


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(5)
    yield sock
    sock.close()


def test_ready_ping_and_stopping_reach_the_socket(manager: socket.socket, tmp_path: Path) -> None:
    notifier = Notifier.from_environment(
        {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "30000000"}
    )
    assert notifier.watchdog_interval == 15.0
    notifier.ready("idle screen shown")
    notifier.ping()
    notifier.status("3 check-ins kept")
    notifier.stopping()
    got = [manager.recv(256).decode() for _ in range(4)]
    assert got == [
        "READY=1\nSTATUS=idle screen shown",
        "WATCHDOG=1",
        "STATUS=3 check-ins kept",
        "STOPPING=1",
    ]


def test_an_abstract_socket_name_starts_with_a_nul() -> None:
    name = f"kiosk-test-{id(object())}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        Notifier.from_environment({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(64) == b"READY=1"


def test_without_a_watchdog_no_ping_is_sent(manager: socket.socket, tmp_path: Path) -> None:
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "notify")})
    assert notifier.watchdog_interval is None
    notifier.ping()
    notifier.ready()
    assert manager.recv(64) == b"READY=1"  # the first datagram: the ping was not sent


def test_outside_systemd_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier.from_environment({"WATCHDOG_USEC": "not a number"})
    assert notifier.address is None
    assert notifier.watchdog_interval is None
    notifier.ready()
    notifier.ping()


def test_a_socket_gone_is_a_warning_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    Notifier(str(tmp_path / "gone")).ready()
    assert "cannot notify systemd" in caplog.text
