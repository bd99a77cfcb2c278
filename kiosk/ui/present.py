"""What a result screen says about an `Outcome`, in plain words (pure, no Qt).

>>> text = describe(Outcome(Status.CHECKED_IN, "Ada Lovelace", expire), now, "Europe/Paris")
>>> text.title, text.detail
('Welcome, Ada', 'Checked in until 18:00 · 7 h 12 min left')
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain import Outcome, Reason, Status

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
_INFO = frozenset({Reason.NOT_CHECKED_IN, Reason.PHONE_APP_CLOSED, Reason.NOT_A_PASS})


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
    outcome: Outcome, now: datetime, timezone: str | None = None, first_name_only: bool = True
) -> ResultText:
    """The result screen's words for `outcome` at `now`, times in `timezone`."""
    name = _name(outcome.member, first_name_only)
    match outcome.status:
        case Status.CHECKED_IN:
            detail = "You are checked in"
            if outcome.session_expire is not None:
                detail = session_line(outcome.session_expire, now, zone(timezone))
            return ResultText(Tone.WELCOME, _greet("Welcome", name), detail, "Enjoy your day.")
        case Status.CHECKED_OUT:
            return ResultText(Tone.GOODBYE, _greet("Goodbye", name), "You are checked out", "")
        case Status.QUEUED:
            return ResultText(
                Tone.INFO,
                _greet("Thank you", name),
                "Your check-in is saved",
                "It will be sent as soon as the kiosk is back online.",
            )
    reason = outcome.reason or Reason.REFUSED
    tone = Tone.INFO if reason in _INFO else Tone.PROBLEM if reason in _PROBLEMS else Tone.REFUSED
    return ResultText(tone, reason.message, reason.hint, "")


def session_line(expire: datetime, now: datetime, tz: tzinfo) -> str:
    """``Checked in until 18:00 · 7 h 12 min left``."""
    local, today = expire.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        until = f"{local:%H:%M}"
    elif local.date() - today < timedelta(days=7):
        until = f"{local:%a %H:%M}"
    else:
        until = f"{local:%-d %b %H:%M}"
    return f"Checked in until {until} · {duration(expire - now)}"


def duration(left: timedelta) -> str:
    """``7 h 12 min left``; whole minutes, rounded down."""
    minutes = int(left.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute left"
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days left"
    if not hours:
        return f"{minutes} min left"
    return f"{hours} h {minutes} min left" if minutes else f"{hours} h left"


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


def _name(member: str | None, first_only: bool) -> str:
    member = " ".join((member or "").split())
    return member.split(" ")[0] if first_only else member


def _greet(word: str, name: str) -> str:
    return f"{word}, {name}" if name else word
