"""Leases files as dnsmasq and ISC dhcpd write them: a lease taken or renewed is a sighting,
once; a lease run out, a released one and a non-Ethernet address are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.agent.leases import LeasesFile
from kiosk.agent.seen import SourceError

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAPTOP, PHONE = "00:1b:63:84:45:e6", "3c:22:fb:10:20:30"


def dnsmasq(*leases: tuple[datetime | int, str]) -> str:
    lines = ["duid 00:01:00:01:2c:1f:aa:bb:00:1b:63:84:45:e6"]
    for expiry, mac in leases:
        seconds = expiry if isinstance(expiry, int) else int(expiry.timestamp())
        lines.append(f"{seconds} {mac} 192.168.1.{len(lines) + 10} host-{len(lines)} *")
    return "\n".join(lines) + "\n"


def test_dnsmasq_a_lease_is_seen_when_taken_and_when_renewed(tmp_path: Path) -> None:
    path = tmp_path / "dnsmasq.leases"
    path.write_text(dnsmasq((NOW + timedelta(minutes=10), LAPTOP), (NOW - timedelta(1), PHONE)))
    leases = LeasesFile(path)
    assert [(s.mac, s.at) for s in leases.read(NOW)] == [(LAPTOP, NOW)]  # the phone's ran out
    later = NOW + timedelta(minutes=1)
    assert leases.read(later) == []  # the same lease: nothing new
    path.write_text(dnsmasq((NOW + timedelta(minutes=15), LAPTOP.upper()), (0, PHONE)))
    renewed = NOW + timedelta(minutes=5)
    assert sorted((s.mac, s.at) for s in leases.read(renewed)) == [
        (LAPTOP, renewed),
        (PHONE, renewed),  # an infinite lease (expiry 0) runs
    ]


def test_isc_leases_are_seen_at_their_last_transaction(tmp_path: Path) -> None:
    path = tmp_path / "dhcpd.leases"
    path.write_text(
        "# The format of this file is documented in the dhcpd.leases(5) manual page.\n"
        "authoring-byte-order little-endian;\n\n"
        "lease 192.168.1.20 {\n  starts 1 2026/03/02 08:40:00;\n  ends 1 2026/03/02 09:20:00;\n"
        "  cltt 1 2026/03/02 08:55:00;\n  binding state active;\n  next binding state free;\n"
        f'  hardware ethernet {LAPTOP};\n  client-hostname "laptop";\n}}\n'
        "lease 192.168.1.21 {\n  starts epoch 1772438400; # Mon Mar 02 08:00:00 2026\n"
        "  ends epoch 1772440200;\n  binding state free;\n"
        f"  hardware ethernet {PHONE};\n}}\n"
        "lease 192.168.1.22 {\n  starts 1 2026/03/02 08:58:00;\n  ends never;\n"
        "  binding state active;\n  hardware ethernet 00:00:00:00:00:00;\n}\n"
    )
    leases = LeasesFile(path)
    seen = leases.read(NOW)
    assert [(s.mac, s.at) for s in seen] == [(LAPTOP, NOW - timedelta(minutes=5))]
    assert leases.read(NOW + timedelta(minutes=1)) == []  # no new transaction
    with path.open("a") as file:  # dhcpd appends the renewed lease
        file.write(
            "lease 192.168.1.20 {\n  starts 1 2026/03/02 09:02:00;\n"
            "  ends 1 2026/03/02 09:12:00;\n  binding state active;\n"
            f"  hardware ethernet {LAPTOP};\n}}\n"
        )
    assert [s.at for s in leases.read(NOW + timedelta(minutes=3))] == [NOW + timedelta(minutes=2)]


@pytest.mark.parametrize(
    "text",
    ["", "garbage\n\x00\xff", "lease {", "12 not-a-mac 1.2.3.4 x *\n", "lease 1.2.3.4 { ends x; }"],
)
def test_a_file_of_anything_else_sees_nobody(tmp_path: Path, text: str) -> None:
    path = tmp_path / "leases"
    path.write_text(text, errors="surrogateescape")
    assert LeasesFile(path).read(NOW) == []


def test_a_missing_file_is_a_problem_in_words(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot read .*nowhere"):
        LeasesFile(tmp_path / "nowhere").read(NOW)
