"""The hostapd source against a fake control socket: the stations connected when it attaches,
those that join and leave after, and hostapd going away and coming back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.agent.hostapd import Hostapd
from kiosk.agent.seen import SourceError
from tests.fakes.hostapd import FakeHostapd

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAPTOP, PHONE, TABLET = "00:1b:63:84:45:e6", "3c:22:fb:10:20:30", "00:16:3e:12:34:56"


def macs(source: Hostapd) -> list[str]:
    seen = source.read(NOW)
    assert {s.at for s in seen} <= {NOW}
    return [s.mac for s in seen]


def test_connected_stations_are_seen_until_they_leave(tmp_path: Path) -> None:
    path = tmp_path / "wlan0"
    with FakeHostapd(path) as ap:
        ap.stations += [LAPTOP, PHONE]
        source = Hostapd(path)
        try:
            assert macs(source) == sorted([LAPTOP, PHONE])  # listed when attaching
            assert ap.attached.is_set()
            ap.connect(TABLET.upper())
            ap.disconnect(LAPTOP)
            assert macs(source) == sorted([PHONE, TABLET])  # the events were waiting
        finally:
            source.close()


def test_hostapd_away_is_a_problem_in_words_and_its_return_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "wlan0"
    source = Hostapd(path)
    with pytest.raises(SourceError, match="cannot talk to hostapd"):
        source.read(NOW)
    with FakeHostapd(path) as ap:
        ap.stations.append(LAPTOP)
        assert macs(source) == [LAPTOP]
    with pytest.raises(SourceError):  # stopped: PING goes nowhere
        source.read(NOW)
    with FakeHostapd(path) as ap:  # restarted with another station list
        ap.stations.append(PHONE)
        assert macs(source) == [PHONE]
    source.close()
