"""Sightings from the kernel's neighbour table (ARP for IPv4, NDP for IPv6), as
``ip -j neigh show`` prints it: a device whose address the kernel confirmed lately
(REACHABLE, or DELAY and PROBE while it checks again) is here now; STALE, FAILED and static
(PERMANENT) entries say nothing about now.

The table only holds devices this machine talks to: run the agent on the router, or on a box
every device talks to (the gateway, the DNS server).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from datetime import datetime

from kiosk.agent.seen import Seen, SourceError, mac_of

COMMAND = ("ip", "-j", "neigh", "show")
TIMEOUT = 10.0  # seconds `ip` may take
PRESENT = frozenset({"REACHABLE", "DELAY", "PROBE"})


class Neighbours:
    """The neighbour table `command` prints (in another network namespace: ``ip -n NAME``,
    or ``nsenter --net=…`` before it)."""

    def __init__(self, command: Sequence[str] = COMMAND) -> None:
        self.command = tuple(command)
        self.name = "ip neigh"

    def read(self, now: datetime) -> list[Seen]:
        try:
            done = subprocess.run(self.command, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"cannot run {' '.join(self.command)}: {exc}") from None
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip()[:200]
            raise SourceError(f"{' '.join(self.command)} failed ({done.returncode}): {why}")
        try:
            entries = json.loads(done.stdout or b"[]")
        except ValueError:
            raise SourceError("ip -j neigh printed something that is not JSON") from None
        seen: dict[str, Seen] = {}
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            states = entry.get("state") or []
            mac = mac_of(str(entry.get("lladdr", "")))
            if mac is not None and PRESENT.intersection(states if isinstance(states, list) else []):
                seen[mac] = Seen(mac, now)  # one device may have IPv4 and IPv6 entries
        return list(seen.values())

    def close(self) -> None:
        """Nothing is held between reads."""
