"""The check-in rules, table by table (2 March 2026 is a Monday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain import Action, Reason
from kiosk.server.rules import (
    AlreadyIn,
    CheckIn,
    CheckOut,
    Gone,
    MemberState,
    OpenSession,
    Place,
    Plan,
    Refuse,
    TimePass,
    decide,
)

PARIS = ZoneInfo("Europe/Paris")
HERE = Place(1, PARIS)
ELSEWHERE = Place(2, PARIS)
OFFICE = Plan("Office", frozenset({1}), frozenset(range(1, 6)), time(8), time(18))
ALL_DAY = Plan("Resident", frozenset({1, 2}))
LIMITED = Plan("Part-time", frozenset({1}), daily_limit=timedelta(hours=4))
PASS = TimePass(7, "pass-7", remaining=3, valid_from=date(2026, 1, 1))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026, Paris time, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def state(**kw: object) -> MemberState:
    base: dict[str, object] = {"active": True, "plan": OFFICE, "plan_active": True}
    base.update(kw)
    return MemberState(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("member", "place", "now", "reason"),
    [
        (state(active=False), HERE, at(2, 10), Reason.ACCOUNT_DISABLED),
        (state(plan=None), HERE, at(2, 10), Reason.NO_VALID_PASS),
        (state(plan_active=False), HERE, at(2, 10), Reason.PLAN_INACTIVE),
        (state(), ELSEWHERE, at(2, 10), Reason.ACCESS_RESTRICTED),
        (state(), HERE, at(2, 7, 59), Reason.OUTSIDE_HOURS),
        (state(), HERE, at(2, 18, 0), Reason.OUTSIDE_HOURS),
        (state(), HERE, at(7, 10), Reason.OUTSIDE_HOURS),  # a Saturday
        (
            state(plan=LIMITED, plan_time_today=timedelta(hours=4)),
            HERE,
            at(2, 10),
            Reason.PLAN_LIMIT_REACHED,
        ),
        (
            state(plan=None, passes=(TimePass(1, "g", 0, date(2026, 1, 1)),)),
            HERE,
            at(2, 10),
            Reason.NO_VALID_PASS,
        ),
        (
            state(plan=None, passes=(TimePass(1, "g", 2, date(2026, 3, 3)),)),
            HERE,
            at(2, 10),
            Reason.NO_VALID_PASS,
        ),
        (
            state(plan=None, passes=(TimePass(1, "g", 2, date(2026, 1, 1), date(2026, 3, 1)),)),
            HERE,
            at(2, 10),
            Reason.NO_VALID_PASS,
        ),
    ],
)
def test_refusals(member: MemberState, place: Place, now: datetime, reason: Reason) -> None:
    assert decide(member, place, now, Action.IN) == Refuse(reason)


@pytest.mark.parametrize(
    ("member", "now", "expires_local"),
    [
        (state(), at(2, 8, 0), datetime(2026, 3, 2, 18, 0)),
        (state(), at(2, 17, 59), datetime(2026, 3, 2, 18, 0)),
        (state(plan=ALL_DAY), at(2, 23, 30), datetime(2026, 3, 3, 0, 0)),
        (state(plan=LIMITED), at(2, 10), datetime(2026, 3, 2, 14, 0)),
        (
            state(plan=LIMITED, plan_time_today=timedelta(hours=3)),
            at(2, 10),
            datetime(2026, 3, 2, 11, 0),
        ),
        (state(plan=LIMITED), at(2, 22), datetime(2026, 3, 3, 0, 0)),  # closing beats the limit
    ],
)
def test_plan_check_in_expires_at_the_end_of_what_allowed_it(
    member: MemberState, now: datetime, expires_local: datetime
) -> None:
    decision = decide(member, HERE, now, Action.IN)
    assert decision == CheckIn(expires_at=expires_local.replace(tzinfo=PARIS).astimezone(UTC))


@pytest.mark.parametrize(
    ("member", "place"),
    [
        (state(plan=None, passes=(PASS,)), HERE),
        (state(plan_active=False, passes=(PASS,)), HERE),
        (state(passes=(PASS,)), ELSEWHERE),
        (state(passes=(PASS,)), HERE),  # Saturday evening: outside the plan's hours
        (state(plan=LIMITED, plan_time_today=timedelta(hours=5), passes=(PASS,)), HERE),
    ],
)
def test_a_pass_rescues_a_plan_refusal_and_lasts_the_day(member: MemberState, place: Place) -> None:
    assert decide(member, place, at(7, 21), Action.IN) == CheckIn(
        at(8, 0), pass_guid="pass-7", new_pass=PASS
    )


def test_no_pass_is_used_when_the_plan_allows() -> None:
    decision = decide(state(passes=(PASS,)), HERE, at(2, 9), Action.IN)
    assert decision == CheckIn(at(2, 18))


def test_pass_already_used_today_is_not_consumed_again() -> None:
    member = state(plan=None, passes=(PASS,), pass_day_guid="pass-7")
    assert decide(member, HERE, at(2, 15), Action.IN) == CheckIn(at(3, 0), pass_guid="pass-7")


def test_the_pass_expiring_first_is_used_first() -> None:
    later = TimePass(1, "later", 1, date(2026, 1, 1), date(2026, 12, 31))
    sooner = TimePass(2, "sooner", 1, date(2026, 1, 1), date(2026, 3, 31))
    forever = TimePass(3, "forever", 1, date(2026, 1, 1))
    decision = decide(state(plan=None, passes=(forever, later, sooner)), HERE, at(2, 9), Action.IN)
    assert isinstance(decision, CheckIn)
    assert decision.new_pass == sooner


@pytest.mark.parametrize(
    ("action", "open_session", "expected"),
    [
        (Action.IN, None, CheckIn),
        (Action.IN, OpenSession(5, None), AlreadyIn),
        (Action.OUT, OpenSession(5, None), CheckOut),
        (Action.OUT, None, Refuse),
        (Action.TOGGLE, None, CheckIn),
        (Action.TOGGLE, OpenSession(5, None), CheckOut),
    ],
)
def test_actions(action: Action, open_session: OpenSession | None, expected: type) -> None:
    decision = decide(state(open_session=open_session), HERE, at(2, 10), action)
    assert isinstance(decision, expected)
    if isinstance(decision, Refuse):
        assert decision.reason is Reason.NOT_CHECKED_IN
    if isinstance(decision, AlreadyIn | CheckOut):
        assert decision.session == open_session


def test_a_disabled_member_can_still_check_out() -> None:
    member = state(active=False, open_session=OpenSession(9, None))
    assert decide(member, HERE, at(2, 10), Action.TOGGLE) == CheckOut(OpenSession(9, None))
    assert decide(member, HERE, at(2, 10), Action.IN) == Refuse(Reason.ACCOUNT_DISABLED)


def test_daylight_saving_day_neither_stretches_nor_shrinks_a_limit() -> None:
    # Clocks go forward at 02:00 on 29 March 2026 in Paris: 4 h from 01:00 is 06:00 local.
    limited = Plan("Night", frozenset({1}), daily_limit=timedelta(hours=4))
    decision = decide(state(plan=limited), HERE, at(29, 1), Action.IN)
    assert isinstance(decision, CheckIn)
    assert decision.expires_at - at(29, 1) == timedelta(hours=4)
    assert paris(decision.expires_at).hour == 6


def test_midnight_after_a_dst_change_is_local_midnight() -> None:
    decision = decide(state(plan=ALL_DAY), HERE, at(29, 12), Action.IN)
    assert isinstance(decision, CheckIn)
    assert paris(decision.expires_at) == datetime(2026, 3, 30, 0, 0, tzinfo=PARIS)
    assert decision.expires_at - at(29, 12) == timedelta(hours=12)


@pytest.mark.parametrize(
    ("minutes_since_close", "action", "expected"),
    [
        (10, Action.TOGGLE, Gone),  # leaving moments after the server closed the session
        (30, Action.TOGGLE, Gone),
        (31, Action.TOGGLE, CheckIn),  # a new visit
        (10, Action.IN, CheckIn),  # asked to check in: checked in
        (10, Action.OUT, Refuse),  # asked to check out of nothing: not checked in
        (-5, Action.TOGGLE, CheckIn),  # a close in the future (a clock set back): ignored
    ],
)
def test_a_toggle_just_after_an_automatic_close_is_the_member_leaving(
    minutes_since_close: int, action: Action, expected: type
) -> None:
    now = at(2, 11)
    closed = now - timedelta(minutes=minutes_since_close)
    decision = decide(state(auto_closed_at=closed), HERE, now, action)
    assert type(decision) is expected


SATURDAYS = Plan("Office", frozenset({1}), frozenset(range(1, 6)), time(8), time(18),
                 hours=((6, time(10), time(16)),))  # fmt: skip


def test_a_weekday_with_hours_of_its_own_opens_and_closes_then() -> None:
    member = state(plan=SATURDAYS)
    assert decide(member, HERE, at(7, 11), Action.IN) == CheckIn(expires_at=at(7, 16))
    assert decide(member, HERE, at(7, 9), Action.IN) == Refuse(Reason.OUTSIDE_HOURS)
    assert decide(member, HERE, at(7, 16), Action.IN) == Refuse(Reason.OUTSIDE_HOURS)
    assert decide(member, HERE, at(8, 11), Action.IN) == Refuse(Reason.OUTSIDE_HOURS)  # Sunday
    assert decide(member, HERE, at(2, 17), Action.IN) == CheckIn(expires_at=at(2, 18))
