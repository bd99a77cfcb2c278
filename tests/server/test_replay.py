"""Idempotent check-ins: a `Nonce` answered once is answered the same again and writes nothing
new; a `CheckinTime` replays an attempt kept offline at its own time, in order, within the
offline window; and no check-out is ever stored before its check-in."""

from __future__ import annotations

import concurrent.futures
import logging
from datetime import timedelta

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin, device_client


def records(admin: httpx.Client) -> list[dict[str, object]]:
    found: list[dict[str, object]] = admin.get("/api/spaces/checkins", params={"dir": 1}).json()[
        "Records"
    ]
    return found


def test_the_same_nonce_gets_the_first_answer_and_toggles_once(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock
) -> None:
    first = checkin(client, Pincode="12345", Toggle=True, Nonce="n-1")
    clock.advance(minutes=3)  # the answer was lost; the kiosk sends the same attempt again
    again = checkin(client, Pincode="12345", Toggle=True, Nonce="n-1")
    assert again == first  # the same answer, word for word: still checked in
    assert [r["ToTime"] for r in records(admin)] == [None]
    leave = checkin(client, Pincode="12345", Toggle=True, Nonce="n-2")
    assert leave["CheckedIn"] is False


def test_a_refused_nonce_is_recorded_once(client: httpx.Client, admin: httpx.Client) -> None:
    for _ in range(3):
        assert checkin(client, Pincode="99999", Nonce="n-9")["Status"] == 404
    assert admin.get("/api/spaces/failedcheckins").json()["TotalItems"] == 1


def test_twins_with_one_nonce_at_once_write_one_check_in(
    server: ServerThread, admin: httpx.Client
) -> None:
    def send(_: int) -> dict[str, object]:
        with device_client(server) as c:
            body = {"Pincode": "12345", "Toggle": True, "Nonce": "twin"}
            answer: dict[str, object] = c.post("/api/public/checkin", json=body).json()
            return answer

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    assert all(a == answers[0] for a in answers)
    assert len(records(admin)) == 1


def test_attempts_kept_offline_land_at_their_own_times_in_order(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock
) -> None:
    clock.advance(hours=3)  # 13:00: the kiosk comes back with two attempts kept since morning
    checkin(client, Pincode="12345", Toggle=True, Nonce="a", CheckinTime="2026-03-02T10:05:00Z")
    checkin(
        client, Pincode="12345", Toggle=True, Nonce="b", CheckinTime="2026-03-02T11:45:00+01:00"
    )
    (session,) = records(admin)
    assert (session["FromTime"], session["ToTime"]) == (
        "2026-03-02T10:05:00Z",
        "2026-03-02T10:45:00Z",
    )


def test_a_replayed_check_out_older_than_its_check_in_is_refused_and_recorded(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock
) -> None:
    checkin(client, Pincode="12345")  # 10:00, online
    late = checkin(client, Pincode="12345", Toggle=True, Nonce="old",
                   CheckinTime="2026-03-02T09:30:00Z")  # fmt: skip
    assert (late["Status"], late["ReasonCode"]) == (403, "not_checked_in")
    assert [r["ToTime"] for r in records(admin)] == [None]  # still in
    failed = admin.get("/api/spaces/failedcheckins").json()["Records"][0]
    assert "older than the check-in it would close" in failed["Description"]


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("2026-03-02T10:03:00Z", "is in the future"),
        ("2026-03-01T09:59:00Z", "more than 24 hours ago"),
        ("2026-03-02T10:00:00", "timezone"),  # no zone: which moment is it?
    ],
)
def test_a_checkin_time_out_of_bounds_is_refused_and_nothing_is_written(
    client: httpx.Client, admin: httpx.Client, when: str, words: str
) -> None:
    answer = client.post("/api/public/checkin", json={"Pincode": "12345", "CheckinTime": when})
    assert answer.status_code == 400
    error = answer.json()["Errors"][0]
    assert error["PropertyName"] == "CheckinTime"
    assert words in error["Message"] + answer.json()["Message"]
    assert records(admin) == []


def test_within_the_skew_a_kiosk_clock_ahead_is_taken_as_now(
    client: httpx.Client, admin: httpx.Client
) -> None:
    checkin(client, Pincode="12345", CheckinTime="2026-03-02T10:01:30Z")
    assert records(admin)[0]["FromTime"] == "2026-03-02T10:01:30Z"


def test_a_clock_set_back_never_stores_a_check_out_before_its_check_in(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    checkin(client, Pincode="12345")  # 10:00
    clock.advance(days=-1)  # the server's clock is corrected a day back
    with caplog.at_level(logging.WARNING):
        assert checkin(client, Pincode="12345", Toggle=True)["CheckedIn"] is False
    (session,) = records(admin)
    assert session["FromTime"] == session["ToTime"] == "2026-03-02T10:00:00Z"
    assert "before it opened" in caplog.text


def test_old_answers_are_forgotten_after_the_window(server: ServerThread, clock: FakeClock) -> None:
    store = server.server.store
    with device_client(server) as c:
        checkin(c, Pincode="12345", Nonce="kept")
    assert store.answered("kept") is not None
    assert store.forget_answers(clock() + timedelta(seconds=1)) == 1
    assert store.answered("kept") is None


def test_after_a_clock_jump_closed_the_session_the_next_tap_is_the_member_leaving(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock
) -> None:
    assert checkin(client, Pincode="12345", Toggle=True)["CheckedIn"] is True  # 10:00
    clock.advance(hours=14)  # the clock jumps past the session's end (23:00)
    assert admin.get("/api/spaces/checkins", params={"Open": "true"}).json()["TotalItems"] == 0
    clock.advance(minutes=2)
    leaving = checkin(client, Pincode="12345", Toggle=True)
    assert (leaving["CheckedIn"], leaving["WasSuccessful"]) == (False, True)  # goodbye
    assert len(records(admin)) == 1  # not checked in again
    clock.advance(hours=9)  # the next morning: a new visit
    assert checkin(client, Pincode="12345", Toggle=True)["CheckedIn"] is True
    assert len(records(admin)) == 2
