"""The leaky buckets that make guessing futile: free mistakes, growing waits, independence."""

from __future__ import annotations

import logging

import pytest

from kiosk.server.throttle import DRAIN, FREE, LONGEST, Throttle

KIOSK, OTHER = ("device", 1), ("device", 2)


def test_three_mistakes_are_free_then_the_waits_grow() -> None:
    throttle = Throttle()
    waits = [throttle.failed(KIOSK, 0.0) for _ in range(FREE)]
    assert waits == [0.0] * FREE
    now, waits = 0.0, []
    for _ in range(12):
        now += throttle.wait(KIOSK, now)  # it waits as told, then fails again
        waits.append(round(throttle.failed(KIOSK, now)))
    assert waits[:3] == [2, 4, 7]  # doubling, less what drained while it waited
    assert waits == sorted(waits)
    assert 15 <= waits[-1] <= 25  # where a patient guesser settles: about 20 s a guess


def test_failures_in_a_burst_wait_up_to_a_minute() -> None:
    throttle = Throttle()
    waits = [throttle.failed(KIOSK, 0.0) for _ in range(12)]  # several callers behind one NAT
    assert waits[FREE:7] == [2.0, 4.0, 8.0, 16.0]
    assert max(waits) == LONGEST


def test_a_caller_waiting_is_refused_and_another_is_not(caplog: pytest.LogCaptureFixture) -> None:
    throttle = Throttle()
    for _ in range(FREE + 1):
        throttle.failed(KIOSK, 100.0)
    assert throttle.wait(KIOSK, 101.0) == pytest.approx(1.0)
    assert throttle.wait(OTHER, 101.0) == 0.0  # one device's guessing never delays another
    assert throttle.wait(KIOSK, 102.0) == 0.0
    with caplog.at_level(logging.WARNING):
        throttle.failed(KIOSK, 102.0)
    assert "1 attempts refused while it waited" in caplog.text


def test_the_bucket_drains_so_a_member_mistyping_now_and_then_never_waits() -> None:
    throttle = Throttle()
    now = 0.0
    for _ in range(100):  # a typo every DRAIN seconds, for half an hour
        assert throttle.failed(KIOSK, now) == 0.0
        now += DRAIN
    assert throttle.wait(KIOSK, now) == 0.0


def test_a_guesser_settles_near_one_guess_in_twenty_seconds() -> None:
    throttle, now, guesses = Throttle(), 0.0, 0
    while now < 24 * 3600:  # a day of guessing as fast as it is let
        now += throttle.wait(KIOSK, now)
        throttle.failed(KIOSK, now)
        guesses += 1
    assert 3000 < guesses < 6000  # about 4,300: 100,000 PINs would take some 3 weeks


def test_accounts_are_not_named_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    throttle = Throttle(longest=900)
    with caplog.at_level(logging.WARNING):
        for _ in range(FREE + 1):
            throttle.failed(("account", "ada@example.com"), 0.0)
    assert "ada@example.com" not in caplog.text
    assert "an account" in caplog.text


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.server.throttle.KEPT", 50)
    throttle = Throttle()
    for n in range(500):
        throttle.failed(("address", str(n)), float(n))
    assert len(throttle._buckets) <= 50
