"""Pure check-in rules: who may check in where, when, and until when.

No IO: the store gathers a `MemberState`, `decide` returns a `Decision`, the store applies it.
A check-in is allowed when the member is active and either their plan covers this location
now (inside its opening hours and under its daily limit) or they hold a time pass: a pass is
consumed on the member's first pass check-in of a (local) day and covers the rest of that day.

    Decision = CheckIn | AlreadyIn | CheckOut | Refuse | Gone
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.domain import Action, Reason

END_OF_DAY = time(0, 0)
"""A plan's `closes` value meaning midnight at the end of the day (written "24:00")."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """A tariff: where and when it lets its holders in."""

    name: str
    location_ids: frozenset[int]
    days: frozenset[int] = frozenset(range(1, 8))
    """ISO weekdays, 1 = Monday."""
    opens: time = time(0, 0)
    closes: time = END_OF_DAY
    daily_limit: timedelta | None = None
    hours: tuple[tuple[int, time, time], ...] = ()
    """Weekdays with hours of their own (Saturday 10:00–16:00): open those days, at those times."""

    def window(self, weekday: int) -> tuple[time, time] | None:
        """When the plan is open on ISO `weekday`: its opening and closing times, or None."""
        for day, opens, closes in self.hours:
            if day == weekday:
                return opens, closes
        return (self.opens, self.closes) if weekday in self.days else None


@dataclasses.dataclass(frozen=True)
class TimePass:
    """A bundle of day passes held by a member."""

    id: int
    guid: str
    remaining: int
    valid_from: date
    valid_until: date | None = None

    def usable_on(self, day: date) -> bool:
        """Whether a use of this pass may start on `day`."""
        in_window = self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
        return self.remaining > 0 and in_window


@dataclasses.dataclass(frozen=True)
class OpenSession:
    """A check-in that has not been closed yet."""

    checkin_id: int
    expires_at: datetime | None
    since: datetime | None = None  # when it was opened


@dataclasses.dataclass(frozen=True)
class MemberState:
    """Everything the rules need to know about a member at one moment."""

    active: bool
    plan: Plan | None
    plan_active: bool
    passes: tuple[TimePass, ...] = ()
    pass_day_guid: str | None = None
    """The pass already consumed for today, if any."""
    plan_time_today: timedelta = timedelta(0)
    open_session: OpenSession | None = None
    auto_closed_at: datetime | None = None
    """When the server last closed one of the member's sessions itself (it expired)."""


@dataclasses.dataclass(frozen=True)
class Place:
    """Where the check-in happens."""

    location_id: int
    tz: ZoneInfo


@dataclasses.dataclass(frozen=True)
class CheckIn:
    """Open a session until `expires_at`, consuming `new_pass` if set."""

    expires_at: datetime
    pass_guid: str | None = None
    new_pass: TimePass | None = None


@dataclasses.dataclass(frozen=True)
class AlreadyIn:
    """The member is in already: answer with the open session, write nothing."""

    session: OpenSession


@dataclasses.dataclass(frozen=True)
class CheckOut:
    """Close the open session."""

    session: OpenSession


@dataclasses.dataclass(frozen=True)
class Refuse:
    """No check-in; record a failed check-in with `reason`."""

    reason: Reason


@dataclasses.dataclass(frozen=True)
class Gone:
    """The session a toggle would close was closed for the member moments ago (it expired, or
    the clock jumped past it): they are leaving; answer as checked out, write nothing."""

    closed_at: datetime


LEAVING_GRACE = timedelta(minutes=30)  # a toggle this soon after an automatic close is leaving

Decision = CheckIn | AlreadyIn | CheckOut | Refuse | Gone


def decide(state: MemberState, place: Place, now: datetime, action: Action) -> Decision:
    """The decision for `action` by a member in `state` at `place` at `now` (aware, UTC)."""
    session = state.open_session
    if action is Action.OUT or (action is Action.TOGGLE and session is not None):
        return CheckOut(session) if session is not None else Refuse(Reason.NOT_CHECKED_IN)
    closed = state.auto_closed_at
    if action is Action.TOGGLE and closed is not None and closed <= now <= closed + LEAVING_GRACE:
        return Gone(closed)
    if not state.active:
        return Refuse(Reason.ACCOUNT_DISABLED)
    if session is not None:
        return AlreadyIn(session)
    return _check_in(state, place, now)


def _check_in(state: MemberState, place: Place, now: datetime) -> Decision:
    local = now.astimezone(place.tz)
    plan_outcome = _by_plan(state, place, local)
    if isinstance(plan_outcome, CheckIn):
        return plan_outcome
    day_end = _next_midnight(local).astimezone(UTC)
    if state.pass_day_guid is not None:
        return CheckIn(expires_at=day_end, pass_guid=state.pass_day_guid)
    usable = [p for p in state.passes if p.usable_on(local.date())]
    if usable:
        chosen = min(usable, key=lambda p: (p.valid_until or date.max, p.id))
        return CheckIn(expires_at=day_end, pass_guid=chosen.guid, new_pass=chosen)
    return plan_outcome


def _by_plan(state: MemberState, place: Place, local: datetime) -> CheckIn | Refuse:
    plan = state.plan
    if plan is None:
        return Refuse(Reason.NO_VALID_PASS)
    if not state.plan_active:
        return Refuse(Reason.PLAN_INACTIVE)
    if place.location_id not in plan.location_ids:
        return Refuse(Reason.ACCESS_RESTRICTED)
    # Same-tzinfo comparisons are by wall clock, which is what opening hours mean;
    # durations are added in UTC so that a DST change cannot stretch a session.
    window = plan.window(local.isoweekday())
    if window is None:
        return Refuse(Reason.OUTSIDE_HOURS)
    opens, closes = window
    closing = _closing_time(closes, local)
    opening = local.replace(hour=opens.hour, minute=opens.minute, second=0, microsecond=0)
    if not opening <= local < closing:
        return Refuse(Reason.OUTSIDE_HOURS)
    expires = closing.astimezone(UTC)
    if plan.daily_limit is not None:
        left = plan.daily_limit - state.plan_time_today
        if left <= timedelta(0):
            return Refuse(Reason.PLAN_LIMIT_REACHED)
        expires = min(expires, local.astimezone(UTC) + left)
    return CheckIn(expires_at=expires)


def _closing_time(closes: time, local: datetime) -> datetime:
    if closes == END_OF_DAY:
        return _next_midnight(local)
    return local.replace(hour=closes.hour, minute=closes.minute, second=0, microsecond=0)


def _next_midnight(local: datetime) -> datetime:
    """The start of the next local day (DST-safe: built from the date, then localised)."""
    tomorrow = local.date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=local.tzinfo)
