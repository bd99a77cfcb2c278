"""The result screen's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain import Outcome, Reason, Status
from kiosk.settings.model import Language
from kiosk.ui.present import Tone, describe, duration, session_line, zone
from kiosk.ui.words import Words

NOW = datetime(2026, 3, 2, 9, 48, tzinfo=UTC)  # 10:48 in Paris
PARIS = ZoneInfo("Europe/Paris")


def test_welcome_with_first_name_and_session_in_local_time() -> None:
    expire = datetime(2026, 3, 2, 17, 0, 30, tzinfo=UTC)
    text = describe(
        Outcome(Status.CHECKED_IN, member="Ada  Lovelace", session_expire=expire),
        NOW,
        "Europe/Paris",
    )
    assert (text.tone, text.title) == (Tone.WELCOME, "Welcome, Ada")
    assert text.detail == "Checked in until 18:00 · 7 h 12 min left"
    full = describe(
        Outcome(Status.CHECKED_IN, member="Ada Lovelace"), NOW, None, first_name_only=False
    )
    assert (full.title, full.detail) == ("Welcome, Ada Lovelace", "You are checked in")


def test_goodbye_and_no_name() -> None:
    assert describe(Outcome(Status.CHECKED_OUT, member="Ben Okafor"), NOW).title == "Goodbye, Ben"
    assert describe(Outcome(Status.CHECKED_OUT, member=None), NOW).title == "Goodbye"
    assert describe(Outcome(Status.CHECKED_IN, member="   "), NOW).title == "Welcome"


@pytest.mark.parametrize(
    ("reason", "tone"),
    [
        (Reason.NO_VALID_PASS, Tone.REFUSED),
        (Reason.NOT_CHECKED_IN, Tone.INFO),
        (Reason.BACKEND_UNAVAILABLE, Tone.PROBLEM),
        (Reason.RATE_LIMITED, Tone.PROBLEM),
        (Reason.NO_BOOKING, Tone.REFUSED),
        (Reason.SELF_CERTIFICATION, Tone.INFO),
    ],
)
def test_refusals_use_the_reason_words(reason: Reason, tone: Tone) -> None:
    text = describe(Outcome(Status.REJECTED, reason=reason, raw_message="HTTP 500"), NOW)
    assert (text.tone, text.title, text.detail) == (tone, reason.message, reason.hint)


def test_a_rate_limit_says_how_long_to_wait() -> None:
    limited = Outcome(Status.REJECTED, reason=Reason.RATE_LIMITED, retry_after=29.2)
    assert describe(limited, NOW).detail == "Please try again in 30 s."
    assert describe(limited, NOW, words=Words(Language.DE)).detail == (
        "Bitte in 30 s erneut versuchen."
    )
    text = describe(Outcome(Status.REJECTED, reason=Reason.NO_BOOKING), NOW)
    assert (text.title, text.detail) == (
        "No desk booked for today",
        "Book one in the app, or see reception.",
    )


def test_a_refusal_without_a_reason_is_a_plain_refusal() -> None:
    assert describe(Outcome(Status.REJECTED), NOW).title == Reason.REFUSED.message


@pytest.mark.parametrize(
    ("expire", "line"),
    [
        (NOW + timedelta(minutes=30), "Checked in until 11:18 · 30 min left"),
        (NOW + timedelta(days=1), "Checked in until Tue 10:48 · 24 h left"),
        (NOW + timedelta(days=10), "Checked in until 12 Mar 10:48 · 10 days left"),
    ],
)
def test_session_line(expire: datetime, line: str) -> None:
    assert session_line(expire, NOW, PARIS) == line


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (-5, "less than a minute left"),
        (59, "less than a minute left"),
        (60, "1 min left"),
        (3600, "1 h left"),
        (3660, "1 h 1 min left"),
    ],
)
def test_duration(seconds: int, words: str) -> None:
    assert duration(timedelta(seconds=seconds)) == words


def test_unknown_zone_falls_back_to_local() -> None:
    assert zone("Not/AZone") is not None
    assert zone("Europe/Paris") == PARIS
