"""One check-in attempt, from presented credential to stored rows.

`CheckinService.check` identifies the member, reads their state, asks `rules.decide`, and
writes the result in one transaction; every refusal becomes a failed check-in. It never
raises for a member's mistake, only `UnknownLocationError` for a request naming no location we have.

A `Token` that starts like a QR pass (`kiosk.passes`) is verified with the install's key: a
bad signature, an expired pass or a single-use pass that has already let someone in is
`invalid_pass`. A used single-use pass may still close the session it opened, never open one.

A command with `validate_only` (Nexudus's ``doNotCheckIn``) is answered as it would be, and
nothing is written: no check-in, no check-out, no failed check-in, no pass used.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kiosk import passes
from kiosk.domain import Action, Reason, Status
from kiosk.server import rules
from kiosk.server.keys import InstallKeys, verify_password
from kiosk.server.presence import QUIET, Presence
from kiosk.server.store import NotFoundError, Store
from kiosk.server.store.models import Answered, Location, Member, Origin, card_tail

_WIEGAND = re.compile(r"(\d{1,5}) ?[:,. ] ?(\d{1,5})")
TILE = 4
"""Nexudus eCheckinSource for a check-in tablet, the kiosk."""
DOOR = 2
"""Nexudus eCheckinSource DoorAccess: a door controller's reader."""


class UnknownLocationError(Exception):
    """The request names a location the server does not have."""


class ReplayError(ValueError):
    """A replayed attempt's time is out of bounds (too old, or in the future)."""


SKEW = timedelta(minutes=2)  # a kiosk's clock may run this far ahead of ours
OFFLINE_WINDOW = timedelta(hours=24)  # attempts kept offline are replayed this long


class Field(enum.StrEnum):
    """The credential fields of the Nexudus check-in API."""

    CARD = "AccessCardId"
    PIN = "Pincode"
    TOKEN = "Token"  # noqa: S105
    EMAIL = "Email"
    MAC = "Mac"


@dataclasses.dataclass(frozen=True)
class Presented:
    """A credential as it arrived; `secret` is the password that goes with an email, `email`
    the address a PIN came with (Nexudus's Email + Pincode)."""

    field: Field
    value: str = dataclasses.field(repr=False)
    secret: str | None = dataclasses.field(default=None, repr=False)
    email: str | None = None


@dataclasses.dataclass(frozen=True)
class CheckinCommand:
    """A validated request to the check-in endpoint."""

    presented: Presented
    action: Action = Action.IN
    location_id: int | None = None
    source: int = TILE
    validate_only: bool = False  # Nexudus's doNotCheckIn: answer, write nothing
    nonce: str | None = None  # the same nonce gets the same answer, once written
    at: datetime | None = None  # when it happened, for an attempt replayed later
    device_id: int | None = None  # the paired device that sent it

    @property
    def origin(self) -> Origin:
        """Its source and device, as the rows it writes record them."""
        return Origin(self.source, self.device_id)


@dataclasses.dataclass(frozen=True)
class Identified:
    """Whom a credential names, and the pass that named them."""

    member: Member
    pass_: passes.Pass | None = None


@dataclasses.dataclass(frozen=True)
class Unidentified:
    """A credential that names nobody we let in, and the failed check-in's reason."""

    reason: Reason
    description: str
    member: Member | None = None


@dataclasses.dataclass(frozen=True)
class CheckinResult:
    """What the endpoint answers."""

    status: Status
    now: datetime
    member_name: str | None = None
    session_expire: datetime | None = None
    reason: Reason | None = None


def normalise_card(card_id: str) -> str:
    """Card ids as stored and compared: upper case without blanks or colons; a decimal number
    without its leading zeros; a Wiegand pair (facility and card, written ``161:45763``,
    ``161,45763``, ``161.45763`` or ``161 45763``) as two numbers joined by a colon.

    >>> normalise_card(" 04:a1:b2 "), normalise_card("0005653307"), normalise_card("5653307")
    ('04A1B2', '5653307', '5653307')
    >>> normalise_card("161,45763"), normalise_card("001:00123"), normalise_card("1 123")
    ('161:45763', '1:123', '1:123')
    """
    text = card_id.strip()
    pair = _WIEGAND.fullmatch(text)
    if pair:
        return f"{int(pair[1])}:{int(pair[2])}"
    compact = "".join(text.split()).replace(":", "").upper()
    return (compact.lstrip("0") or "0") if compact.isdigit() else compact


class CheckinService:
    """Checks members in and out against a `Store`."""

    def __init__(
        self,
        store: Store,
        keys: InstallKeys,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        offline_window: timedelta = OFFLINE_WINDOW,
        presence_quiet: timedelta = QUIET,
    ) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock
        self._offline_window = offline_window
        self._verifier = passes.Verifier([keys.issuer.public_key])
        self.presence = Presence(store, keys, presence_quiet)

    def location(self, location_id: int | None) -> Location:
        """The location a request names, or the first one when it names none."""
        if location_id is not None:
            try:
                return self._store.location(location_id)
            except NotFoundError:
                raise UnknownLocationError(f"no location with id {location_id}") from None
        locations = self._store.locations()
        if not locations:
            raise UnknownLocationError("the server has no location yet")
        return locations[0]

    async def check(self, command: CheckinCommand) -> CheckinResult:
        """Decide and record one attempt, at its own time (`CheckinCommand.at`, checked by
        `attempt_time`); an attempt whose nonce was answered before gets that answer again and
        writes nothing."""
        location = self.location(command.location_id)
        if command.nonce and (known := self._store.answered(command.nonce)) is not None:
            return _again(known)
        now = self.attempt_time(command)
        if command.presented.field is Field.MAC:  # a device seen on the network
            with self._store.transaction():
                seen = self.presence.sighted(
                    command.presented.value, location, now, command.device_id,
                    write=not command.validate_only,
                )  # fmt: skip
            return CheckinResult(seen.status, now, seen.member_name, seen.expires_at, seen.reason)
        found = await self._identify(command.presented, now)
        with self._store.transaction():
            if command.nonce and (known := self._store.answered(command.nonce)) is not None:
                return _again(known)  # its twin landed while this one was being identified
            result = self._decide(found, command, location, now)
            if command.nonce and not command.validate_only:
                self._store.remember_answer(command.nonce, _kept(result))
        return result

    def attempt_time(self, command: CheckinCommand) -> datetime:
        """When the attempt happened: now, or its own `at` (a kiosk replaying what it kept
        offline), no further back than `offline_window` and not in the future beyond
        `SKEW`; raises `ReplayError` otherwise."""
        return self.moment(command.at)

    def moment(self, at: datetime | None) -> datetime:
        """`at` if it is within bounds (`attempt_time`), now if None; `ReplayError`."""
        now = self._clock()
        if at is None:
            return now
        if at > now + SKEW:
            raise ReplayError(f"CheckinTime {at:%Y-%m-%dT%H:%M:%SZ} is in the future")
        if at < now - self._offline_window:
            hours = self._offline_window.total_seconds() / 3600
            raise ReplayError(f"CheckinTime is more than {hours:g} hours ago; not replayed")
        return at

    def _decide(
        self, found: Identified | Unidentified, command: CheckinCommand, location: Location,
        now: datetime,
    ) -> CheckinResult:  # fmt: skip
        if isinstance(found, Unidentified):
            member, reason = found.member, found.reason
            if not command.validate_only:
                self._store.record_failed(
                    member, location, reason, found.description, now, command.origin
                )
            name = member.full_name if member else None
            return CheckinResult(Status.REJECTED, now, name, reason=reason)
        member = found.member
        if not command.validate_only:
            self._store.close_expired(now)
        state = self._store.member_state(member, location, now)
        place = rules.Place(location.id, ZoneInfo(location.timezone))
        decision = rules.decide(state, place, now, command.action)
        if command.validate_only:
            return _foreseen(decision, member, now, found.pass_, self._store)
        replayed = command.at is not None  # a live check-out before its check-in: clamped
        if (
            replayed
            and isinstance(decision, rules.CheckOut)
            and (decision.session.since or now) > now
        ):
            return self._out_of_order(decision.session, member, location, now, command.origin)
        if isinstance(decision, rules.CheckIn) and found.pass_ and found.pass_.single_use:
            return self._single_use(decision, found.pass_, member, location, now, command)
        return self._apply(decision, member, location, now, command.origin)

    def _out_of_order(
        self, session: rules.OpenSession, member: Member, location: Location, now: datetime,
        origin: Origin,
    ) -> CheckinResult:  # fmt: skip
        """A replayed check-out older than the check-in it would close: refused, recorded."""
        reason = Reason.NOT_CHECKED_IN
        since = session.since or now
        why = (
            f"{reason.message}: a check-out at {now:%Y-%m-%d %H:%M} UTC is older than the"
            f" check-in it would close ({since:%Y-%m-%d %H:%M} UTC)"
        )
        self._store.record_failed(member, location, reason, why, now, origin)
        return CheckinResult(Status.REJECTED, now, member.full_name, reason=reason)

    def _single_use(
        self,
        decision: rules.CheckIn,
        pass_: passes.Pass,
        member: Member,
        location: Location,
        now: datetime,
        command: CheckinCommand,
    ) -> CheckinResult:
        """Open a check-in with a single-use pass, once."""
        if self._store.pass_used(pass_.nonce_hex):
            reason = Reason.INVALID_PASS
            why = f"{reason.message}: this single-use QR pass has already been used"
            self._store.record_failed(member, location, reason, why, now, command.origin)
            return CheckinResult(Status.REJECTED, now, member.full_name, reason=reason)
        checkin_id = self._store.open_checkin(member, location, decision, now, command.origin)
        self._store.use_pass(pass_.nonce_hex, member, checkin_id, pass_.expires_at, now)
        return CheckinResult(Status.CHECKED_IN, now, member.full_name, decision.expires_at)

    def _apply(
        self,
        decision: rules.Decision,
        member: Member,
        location: Location,
        now: datetime,
        origin: Origin,
    ) -> CheckinResult:
        name = member.full_name
        match decision:
            case rules.CheckIn():
                self._store.open_checkin(member, location, decision, now, origin)
                return CheckinResult(Status.CHECKED_IN, now, name, decision.expires_at)
            case rules.AlreadyIn(session):
                return CheckinResult(Status.CHECKED_IN, now, name, session.expires_at)
            case rules.CheckOut(session):
                self._store.close_checkin(session.checkin_id, now)
                return CheckinResult(Status.CHECKED_OUT, now, name)
            case rules.Gone():
                return CheckinResult(Status.CHECKED_OUT, now, name)
            case rules.Refuse(reason):
                self._store.record_failed(
                    member, location, reason, _describe(reason, member), now, origin
                )
                return CheckinResult(Status.REJECTED, now, name, reason=reason)

    async def _identify(self, presented: Presented, now: datetime) -> Identified | Unidentified:
        store, keys = self._store, self._keys
        match presented.field:
            case Field.CARD:
                member = store.find_member(card_key=keys.card(normalise_card(presented.value)).key)
            case Field.PIN:
                member = store.find_member(pin_key=keys.lookup("pin", presented.value))
                if member is not None and presented.email is not None:
                    given = presented.email.strip().casefold()
                    member = member if member.email.casefold() == given else None
            case Field.MAC:  # `check` hands sightings to `presence`
                member = None
            case Field.TOKEN if passes.normalise(presented.value).startswith(passes.PREFIX):
                return self._identify_pass(presented.value, now)
            case Field.TOKEN:
                member = store.find_member(token_key=keys.lookup("token", presented.value))
            case Field.EMAIL:
                member = store.find_member(email=presented.value.strip())
                stored = store.password_hash(member.id) if member is not None else None
                ok = await asyncio.to_thread(verify_password, presented.secret or "", stored)
                member = member if ok else None
        if member is None:
            return Unidentified(Reason.UNKNOWN_CREDENTIAL, _unknown(presented))
        return Identified(member)

    def _identify_pass(self, text: str, now: datetime) -> Identified | Unidentified:
        refused = Reason.INVALID_PASS
        try:
            pass_ = self._verifier.verify(text, now)
        except passes.NotAPassError as exc:
            return Unidentified(refused, f"{refused.message}: not a readable QR pass ({exc})")
        except passes.InvalidPassError as exc:
            named = None
            if exc.pass_ is not None and not isinstance(exc, passes.ForgedError):
                named = self._pass_member(exc.pass_.subject)
            return Unidentified(refused, f"{refused.message}: QR pass {exc.why}", named)
        member = self._pass_member(pass_.subject)
        if member is None:
            who = f"{pass_.subject.kind.name.lower()} {pass_.subject.value[:254]}"
            return Unidentified(Reason.UNKNOWN_CREDENTIAL, f"QR pass for unknown {who}")
        return Identified(member, pass_)

    def _pass_member(self, subject: passes.Subject) -> Member | None:
        if subject.kind is passes.SubjectKind.EMAIL:
            return self._store.find_member(email=subject.value)
        try:
            return self._store.member(int(subject.value))
        except (ValueError, OverflowError, NotFoundError):
            return None


def _unknown(presented: Presented) -> str:
    """A failed check-in's description; never contains a PIN, token, password or a whole card
    id."""
    match presented.field:
        case Field.CARD:
            return f"Access card ••••{card_tail(normalise_card(presented.value))} is not recognised"
        case Field.PIN if presented.email is not None:
            return f"PIN is not recognised for {presented.email.strip()[:254]}"
        case Field.PIN:
            return "PIN is not recognised"
        case Field.MAC:
            return "No member's device has this MAC address"
        case Field.TOKEN:
            return "Access token is not recognised"
        case Field.EMAIL:
            return f"Email or password is not recognised for {presented.value.strip()[:254]}"


def _foreseen(
    decision: rules.Decision,
    member: Member,
    now: datetime,
    pass_: passes.Pass | None,
    store: Store,
) -> CheckinResult:
    """What `decision` would answer, written nowhere (a used single-use pass still refuses)."""
    name = member.full_name
    match decision:
        case rules.CheckIn() if pass_ and pass_.single_use and store.pass_used(pass_.nonce_hex):
            return CheckinResult(Status.REJECTED, now, name, reason=Reason.INVALID_PASS)
        case rules.CheckIn(expires_at=expires):
            return CheckinResult(Status.CHECKED_IN, now, name, expires)
        case rules.AlreadyIn(session):
            return CheckinResult(Status.CHECKED_IN, now, name, session.expires_at)
        case rules.CheckOut() | rules.Gone():
            return CheckinResult(Status.CHECKED_OUT, now, name)
        case rules.Refuse(reason):
            return CheckinResult(Status.REJECTED, now, name, reason=reason)


def _kept(result: CheckinResult) -> Answered:
    """`result` as the store keeps it for the nonce."""
    reason = result.reason.value if result.reason else None
    return Answered(
        result.now, result.status.value, result.member_name, result.session_expire, reason
    )


def _again(known: Answered) -> CheckinResult:
    """The answer kept for a nonce, as it was first given."""
    reason = Reason(known.reason) if known.reason else None
    return CheckinResult(
        Status(known.status), known.answered_at, known.member_name, known.session_expire, reason
    )


def _describe(reason: Reason, member: Member) -> str:
    plan = member.plan_name or "no plan"
    details = {
        Reason.ACCOUNT_DISABLED: "the member's account is disabled",
        Reason.NO_VALID_PASS: "no plan and no usable time pass",
        Reason.PLAN_INACTIVE: f"plan {plan} is not active and no usable time pass",
        Reason.ACCESS_RESTRICTED: f"plan {plan} does not include this location",
        Reason.OUTSIDE_HOURS: f"outside the hours of plan {plan}",
        Reason.PLAN_LIMIT_REACHED: f"the daily limit of plan {plan} is used up",
        Reason.NOT_CHECKED_IN: "check-out asked but the member is not checked in",
    }
    return f"{reason.message}: {details.get(reason, reason.value)}"
