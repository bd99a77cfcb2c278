"""What a result screen says about an `Outcome`, in plain words (pure, no Qt).

>>> from datetime import UTC
>>> now, expire = datetime(2026, 3, 2, 9, 48, tzinfo=UTC), datetime(2026, 3, 2, 17, tzinfo=UTC)
>>> outcome = Outcome(Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire)
>>> text = describe(outcome, now, "Europe/Paris")
>>> text.title, text.detail
('Welcome, Ada', 'Checked in until 18:00 · 7 h 12 min left')
"""

from __future__ import annotations

import dataclasses
import enum
import math
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain import Outcome, Reason, Status
from kiosk.ui.words import Words

_PROBLEMS = frozenset(
    {
        Reason.BACKEND_UNAVAILABLE,
        Reason.BACKEND_ERROR,
        Reason.RATE_LIMITED,
        Reason.REFUSED,
        Reason.UNREADABLE,
        Reason.UNREADABLE_CODE,
    }
)
_INFO = frozenset(
    {Reason.NOT_CHECKED_IN, Reason.PHONE_APP_CLOSED, Reason.NOT_A_PASS, Reason.SELF_CERTIFICATION}
)


class Tone(enum.StrEnum):
    """The kind of result; each has its own icon and words, colour only adds to them."""

    WELCOME = "welcome"
    GOODBYE = "goodbye"
    REFUSED = "refused"
    PROBLEM = "problem"
    INFO = "info"


@dataclasses.dataclass(frozen=True)
class ResultText:
    """The lines of a result screen."""

    tone: Tone
    title: str
    detail: str
    hint: str


def describe(
    outcome: Outcome,
    now: datetime,
    timezone: str | None = None,
    first_name_only: bool = True,
    words: Words = Words(),  # noqa: B008 - frozen, never changed
) -> ResultText:
    """The result screen's words for `outcome` at `now`, times in `timezone`."""
    name = member_name(outcome.member, first_name_only)
    match outcome.status:
        case Status.CHECKED_IN:
            detail = words("You are checked in")
            if outcome.session_expire is not None:
                detail = session_line(outcome.session_expire, now, zone(timezone), words)
            greeting = _greet(words, "Welcome", name)
            return ResultText(Tone.WELCOME, greeting, detail, words("Enjoy your day."))
        case Status.CHECKED_OUT:
            greeting = _greet(words, "Goodbye", name)
            return ResultText(Tone.GOODBYE, greeting, words("You are checked out"), "")
        case Status.QUEUED:
            return ResultText(
                Tone.INFO,
                _greet(words, "Thank you", name),
                words("Your check-in is saved"),
                words("It will be sent as soon as the kiosk is back online."),
            )
    reason = outcome.reason or Reason.REFUSED
    hint = words(reason.hint)
    if reason is Reason.RATE_LIMITED and outcome.retry_after:
        hint = words("Please try again in {seconds} s.", seconds=math.ceil(outcome.retry_after))
    return ResultText(tone_of(outcome), words(reason.message), hint, "")


def tone_of(outcome: Outcome) -> Tone:
    """The kind of result `outcome` is."""
    match outcome.status:
        case Status.CHECKED_IN:
            return Tone.WELCOME
        case Status.CHECKED_OUT:
            return Tone.GOODBYE
        case Status.QUEUED:
            return Tone.INFO
    reason = outcome.reason or Reason.REFUSED
    return Tone.INFO if reason in _INFO else Tone.PROBLEM if reason in _PROBLEMS else Tone.REFUSED


def session_line(
    expire: datetime,
    now: datetime,
    tz: tzinfo,
    words: Words = Words(),  # noqa: B008 - frozen, never changed
) -> str:
    """``Checked in until 18:00 · 7 h 12 min left``."""
    local, today = expire.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        until = words.time(local)
    else:
        until = words.day_and_time(local, local.date() - today < timedelta(days=7))
    left = duration(expire - now, words)
    return words("Checked in until {until} · {left}", until=until, left=left)


def duration(left: timedelta, words: Words = Words()) -> str:  # noqa: B008
    """``7 h 12 min left``; whole minutes, rounded down."""
    minutes = int(left.total_seconds() // 60)
    if minutes < 1:
        return words("less than a minute left")
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return words("{days} days left", days=hours // 24)
    if not hours:
        return words("{minutes} min left", minutes=minutes)
    if not minutes:
        return words("{hours} h left", hours=hours)
    return words("{hours} h {minutes} min left", hours=hours, minutes=minutes)


def zone(name: str | None) -> tzinfo:
    """The IANA zone `name`, or the system's local zone when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def member_name(member: str | None, first_only: bool) -> str:
    """The member's name as the screens show it (the first name only, if so set)."""
    member = " ".join((member or "").split())
    return member.split(" ")[0] if first_only else member


def _greet(words: Words, word: str, name: str) -> str:
    return words(word + ", {name}", name=name) if name else words(word)
