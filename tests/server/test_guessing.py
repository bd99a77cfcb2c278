"""Guessing is futile: unknown credentials from one device make it wait, wrong passwords lock
the account's email check-in, other devices' members are never held up, and a refused guess
writes nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock, Ticker
from tests.helpers.server import admin_client, demo_server, device_client

CHECKIN = "/api/public/checkin"


@pytest.fixture
def ticker() -> Ticker:
    return Ticker(1000.0)


@pytest.fixture
def guarded(tmp_path: Path, ticker: Ticker) -> Iterator[ServerThread]:
    """The demo server, its throttle on a clock the test moves."""
    with demo_server(tmp_path / "g.db", FakeClock(), monotonic=ticker) as running:
        yield running


def failed_rows(server: ServerThread) -> int:
    with admin_client(server) as admin:
        total: int = admin.get("/api/spaces/failedcheckins").json()["TotalItems"]
    return total


def test_a_device_guessing_waits_longer_each_time_and_others_do_not(
    guarded: ServerThread, ticker: Ticker
) -> None:
    with device_client(guarded, "Front desk") as guesser, device_client(guarded, "Door") as door:
        codes = [guesser.post(CHECKIN, json={"Pincode": f"9{n:04d}"}).status_code for n in range(4)]
        assert codes == [404, 404, 404, 404]  # three free, the fourth sets a wait
        blocked = guesser.post(CHECKIN, json={"Pincode": "12345"})  # even a good PIN waits
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"] == "2"
        body = blocked.json()
        assert (body["Status"], body["ReasonCode"]) == (429, "rate_limited")
        assert "Ada" not in blocked.text
        assert door.post(CHECKIN, json={"Pincode": "12345"}).status_code == 200  # not held up
        for _ in range(50):  # hammering while it waits writes nothing
            assert guesser.post(CHECKIN, json={"Pincode": "99999"}).status_code == 429
        assert failed_rows(guarded) == 4
        ticker.advance(2.0)
        assert guesser.post(CHECKIN, json={"Pincode": "99998"}).status_code == 404
        again = guesser.post(CHECKIN, json={"Pincode": "99997"})
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) >= 3  # longer this time


def test_a_member_who_mistypes_now_and_then_never_waits(
    guarded: ServerThread, ticker: Ticker
) -> None:
    with device_client(guarded) as kiosk:
        for _ in range(10):
            assert kiosk.post(CHECKIN, json={"Pincode": "99999"}).status_code == 404
            assert kiosk.post(CHECKIN, json={"Pincode": "12345", "Toggle": True}).status_code == 200
            ticker.advance(60.0)


def test_wrong_passwords_lock_the_accounts_email_check_in_everywhere(
    guarded: ServerThread, ticker: Ticker
) -> None:
    with device_client(guarded, "Front desk") as one, device_client(guarded, "Annex") as two:
        for n in range(4):
            ticker.advance(10.0)  # slowly, so the device's own bucket stays below its wait
            wrong = {"Email": "ada@example.com", "Password": f"guess-{n}"}
            assert one.post(CHECKIN, json=wrong).status_code == 404
        right = {"Email": "ADA@example.com", "Password": "demo-ada"}
        locked = two.post(CHECKIN, json=right)  # another device, the right password
        assert locked.status_code == 429
        assert "for this account" in locked.json()["Message"]
        assert two.post(CHECKIN, json={"Pincode": "12345"}).status_code == 200  # her PIN works
        other = {"Email": "ben@example.com", "Password": "demo-ben"}
        assert two.post(CHECKIN, json=other).status_code == 200
        ticker.advance(float(locked.headers["Retry-After"]))
        assert two.post(CHECKIN, json=right).status_code == 200


def test_an_open_servers_anonymous_callers_are_throttled_by_address(
    tmp_path: Path, ticker: Ticker
) -> None:
    with demo_server(tmp_path / "o.db", FakeClock(), open_checkin=True, monotonic=ticker) as server:
        url = f"{server.url}{CHECKIN}"
        codes = [httpx.post(url, json={"Pincode": f"9{n:04d}"}).status_code for n in range(6)]
        assert codes == [404, 404, 404, 404, 429, 429]


def test_thirty_seconds_of_guessing_on_loopback(tmp_path: Path) -> None:
    """One client guesses PINs as fast as it can for 30 s on the real clock; a member checks
    in from another paired device meanwhile."""
    with demo_server(tmp_path / "b.db", FakeClock()) as server:
        answers: dict[int, int] = {}
        stop = time.monotonic() + 30.0

        def guess() -> None:
            with device_client(server, "Guesser") as guesser:
                n = 0
                while time.monotonic() < stop:
                    code = guesser.post(CHECKIN, json={"Pincode": f"{90000 + n % 10000}"})
                    answers[code.status_code] = answers.get(code.status_code, 0) + 1
                    n += 1

        attack = threading.Thread(target=guess)
        attack.start()
        with device_client(server, "Front desk") as kiosk:
            member = kiosk.post(CHECKIN, json={"Pincode": "12345"})
        attack.join()
        assert member.status_code == 200, member.text
        tried = sum(answers.values())
        answered = tried - answers.get(429, 0)
        print(f"\n{tried} guesses in 30 s ({tried / 30:.0f}/s); {answered} answered, the rest 429")
        assert answered <= 24  # a few dozen at most
        assert failed_rows(server) == answered  # a refused guess writes nothing
