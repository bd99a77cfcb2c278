"""The neighbour-table source against the real kernel: two network namespaces the test makes
(``unshare -n``) joined by a veth pair, a datagram sent across so the kernel learns the other
end's address, and `ip -j neigh` read inside the first. Nothing leaves the namespaces."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.agent.neighbours import Neighbours
from kiosk.agent.seen import SourceError

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PEER_MAC, STATIC_MAC, STALE_MAC = "00:16:3e:12:34:56", "00:16:3e:aa:bb:cc", "00:16:3e:dd:ee:ff"
ROOT = os.geteuid() == 0
pytestmark = pytest.mark.skipif(
    not ROOT or not shutil.which("unshare") or not shutil.which("ip"),
    reason="network namespaces need root, unshare and ip",
)


def inside(pid: int, *command: str) -> list[str]:
    return ["nsenter", f"--net=/proc/{pid}/ns/net", *command]


@pytest.fixture
def namespaces() -> Iterator[tuple[int, int]]:
    """Two namespaces (the agent's side, a member's device) joined by veth0 — veth1."""
    here = subprocess.Popen(["unshare", "-n", "sleep", "600"])
    there = subprocess.Popen(["unshare", "-n", "sleep", "600"])
    try:
        for pid in (here.pid, there.pid):  # unshare without --fork: the same process
            while Path(f"/proc/{pid}/ns/net").readlink() == Path("/proc/self/ns/net").readlink():
                time.sleep(0.01)  # until it has its own namespace
        setup = [
            inside(here.pid, "ip", "link", "add", "veth0", "type", "veth", "peer", "name",
                   "veth1", "netns", str(there.pid)),
            inside(here.pid, "ip", "addr", "add", "10.99.0.1/24", "dev", "veth0"),
            inside(here.pid, "ip", "link", "set", "veth0", "up"),
            inside(there.pid, "ip", "link", "set", "veth1", "address", PEER_MAC),
            inside(there.pid, "ip", "addr", "add", "10.99.0.2/24", "dev", "veth1"),
            inside(there.pid, "ip", "link", "set", "veth1", "up"),
            inside(here.pid, "ip", "neigh", "add", "10.99.0.3", "lladdr", STATIC_MAC, "dev",
                   "veth0", "nud", "permanent"),
            inside(here.pid, "ip", "neigh", "add", "10.99.0.4", "lladdr", STALE_MAC, "dev",
                   "veth0", "nud", "stale"),
        ]  # fmt: skip
        for command in setup:
            subprocess.run(command, check=True, capture_output=True)
        yield here.pid, there.pid
    finally:
        for process in (here, there):
            process.kill()
            process.wait()


def test_a_device_that_answered_is_seen_and_static_or_stale_entries_are_not(
    namespaces: tuple[int, int],
) -> None:
    here, _ = namespaces
    source = Neighbours(inside(here, "ip", "-j", "neigh", "show"))
    assert source.read(NOW) == []  # nobody has answered yet
    send = (
        "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
        ".sendto(b'x', ('10.99.0.2', 9))"
    )
    subprocess.run(inside(here, sys.executable, "-c", send), check=True)
    deadline = time.monotonic() + 10
    seen = source.read(NOW)
    while not seen and time.monotonic() < deadline:  # the ARP answer is on its way
        time.sleep(0.05)
        seen = source.read(NOW)
    assert [(s.mac, s.at) for s in seen] == [(PEER_MAC, NOW)]


def test_ip_failing_is_a_problem_in_words(namespaces: tuple[int, int]) -> None:
    with pytest.raises(SourceError, match="failed"):
        Neighbours(inside(namespaces[0], "ip", "-j", "neigh", "show", "dev", "nope0")).read(NOW)
    with pytest.raises(SourceError, match="cannot run"):
        Neighbours(["/nonexistent/ip"]).read(NOW)
