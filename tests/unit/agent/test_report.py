"""The reporter: the latest sighting of each device, batches of at most MOST, everything kept
while the server is away, and addresses the server does not know left out for an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kiosk.agent import report
from kiosk.agent.report import About, Reporter, ServerAwayError, SightingsClient
from kiosk.agent.seen import Seen

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAPTOP, PHONE = "00:1b:63:84:45:e6", "3c:22:fb:10:20:30"


class FakeSender:
    """A server in a list: what it was sent, what it says is unknown, and whether it is away."""

    def __init__(self, unknown: frozenset[str] = frozenset()) -> None:
        self.batches: list[list[Seen]] = []
        self.unknown = unknown
        self.away = False

    def send(self, batch: list[Seen], about: About) -> list[str]:
        if self.away:
            raise ServerAwayError("ConnectError: connection refused")
        self.batches.append(batch)
        return [s.mac for s in batch if s.mac in self.unknown]


def test_the_latest_sighting_of_each_device_goes_in_one_request() -> None:
    server = FakeSender()
    reporter = Reporter(server)
    later = NOW + timedelta(seconds=30)
    reporter.add([Seen(LAPTOP, later), Seen(PHONE, NOW), Seen(LAPTOP, NOW)], NOW)
    flushed = reporter.flush(later)
    assert (flushed.sent, flushed.kept, flushed.problem) == (2, 0, "")
    assert [sorted((s.mac, s.at) for s in b) for b in server.batches] == [
        sorted([(LAPTOP, later), (PHONE, NOW)])
    ]
    assert reporter.flush(later).sent == 0  # nothing new: no request
    assert len(server.batches) == 1


def test_while_the_server_is_away_sightings_are_kept_and_sent_with_their_times() -> None:
    server = FakeSender()
    reporter = Reporter(server)
    server.away = True
    for minute in range(5):
        reporter.add([Seen(LAPTOP, NOW + timedelta(minutes=minute))], NOW)
        flushed = reporter.flush(NOW + timedelta(minutes=minute))
        assert (flushed.sent, flushed.kept) == (0, 1)
        assert "connection refused" in flushed.problem
    server.away = False
    assert reporter.flush(NOW + timedelta(minutes=6)).sent == 1
    assert [(s.mac, s.at) for s in server.batches[0]] == [(LAPTOP, NOW + timedelta(minutes=4))]


def test_an_unknown_device_is_not_sent_again_for_an_hour() -> None:
    server = FakeSender(unknown=frozenset({PHONE}))
    reporter = Reporter(server)
    for minute in range(0, 61):
        at = NOW + timedelta(minutes=minute)
        reporter.add([Seen(LAPTOP, at), Seen(PHONE, at)], at)
        reporter.flush(at)
    sent = [s.mac for batch in server.batches for s in batch]
    assert sent.count(PHONE) == 2  # at 0 and again at 60, when its hour was up
    assert sent.count(LAPTOP) == 61


def test_many_devices_go_in_batches_of_at_most_most() -> None:
    server = FakeSender()
    reporter = Reporter(server)
    many = [Seen(f"00:16:3e:{i >> 16:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}", NOW)
            for i in range(report.MOST + 10)]  # fmt: skip
    reporter.add(many, NOW)
    assert reporter.flush(NOW).sent == report.MOST + 10
    assert [len(b) for b in server.batches] == [report.MOST, 10]


def test_the_client_sends_the_documented_body_and_reads_the_unknown_back() -> None:
    asked: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if len(asked) == 2:
            return httpx.Response(503)
        return httpx.Response(200, json={"Received": 2, "CheckedIn": 1, "Unknown": [PHONE]})

    client = SightingsClient("http://checkin.lan:8750/", "t0k3n", 2, True,
                             httpx.MockTransport(server))  # fmt: skip
    about = About("0.9.0", 60, "ip neigh: ok")
    assert client.send([Seen(LAPTOP, NOW), Seen(PHONE, NOW)], about) == [PHONE]
    body = asked[0].read().decode()
    assert asked[0].url == "http://checkin.lan:8750/api/public/sightings"
    assert asked[0].headers["Authorization"] == "Bearer t0k3n"
    assert '"BusinessId":2' in body.replace(" ", "")
    assert '"SeenAt":"2026-03-02T09:00:00Z"' in body.replace(" ", "")
    assert '"Sources":"ipneigh:ok"' in body.replace(" ", "")
    with pytest.raises(ServerAwayError, match="503"):
        client.send([Seen(LAPTOP, NOW)], about)
    client.close()


def test_with_nothing_seen_the_agent_still_says_it_is_alive() -> None:
    server = FakeSender()
    reporter = Reporter(server)
    assert reporter.flush(NOW).sent == 0
    assert server.batches == []  # without `about`: no request
    reporter.flush(NOW, About("0.9.0", 60, "ip neigh: ok"))
    assert server.batches == [[]]  # one empty batch, as a heartbeat
