"""The typed values that flow between inputs, controller, backends and screens.

Data flows one way: an input yields a `Credential`, the controller turns it into a
`CheckinRequest`, a backend answers with an `Outcome`. Every refusal carries one `Reason`,
whose `message` and `hint` are what a member reads; the backend's raw text stays in
`Outcome.raw_message` for staff and the log.

    >>> Credential(CredentialKind.PIN, "12345", source="keypad").masked()
    '•••••'
    >>> Credential(CredentialKind.CARD, "04A1B2C3").masked()
    '••••B2C3'
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import UTC, datetime


class CredentialKind(enum.StrEnum):
    """How a member identified themselves."""

    PIN = "pin"
    CARD = "card"
    PHONE = "phone"
    QR = "qr"
    EMAIL = "email"  # typed, or a QR code carrying an address (Kadence)
    EMAIL_PASSWORD = "email_password"  # noqa: S105


class UidFormat(enum.StrEnum):
    """How a card UID is written as the credential the backend matches (`inputs.pcsc.cardid`)."""

    HEX = "hex"
    HEX_REVERSED = "hex_reversed"
    DEC_LE = "dec_le"
    DEC_BE = "dec_be"
    WIEGAND26 = "wiegand26"
    WIEGAND34 = "wiegand34"
    DEC8 = "dec8"  # "6H→8D": the last three bytes as 8 decimal digits
    DEC13 = "dec13"  # "10H→13D": a 5-byte UID as 13 decimal digits


class Action(enum.StrEnum):
    """What the kiosk asks the backend to do."""

    IN = "in"
    OUT = "out"
    TOGGLE = "toggle"


class Status(enum.StrEnum):
    """How a check-in attempt ended."""

    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    REJECTED = "rejected"
    QUEUED = "queued"


class Delivery(enum.StrEnum):
    """Where an attempt that got no usable answer stands: worth keeping and sending again."""

    NOT_SENT = "not_sent"  # never reached the backend (refused, no route): nothing written
    LOST = "lost"  # sent, and the answer lost (timeout, reset, 5xx): it may have been written


class Reason(enum.StrEnum):
    """Why a check-in was refused; one list for every backend and screen."""

    UNKNOWN_CREDENTIAL = "unknown_credential"
    NO_VALID_PASS = "no_valid_pass"  # noqa: S105
    PLAN_INACTIVE = "plan_inactive"
    ACCOUNT_DISABLED = "account_disabled"
    ACCESS_RESTRICTED = "access_restricted"
    OUTSIDE_HOURS = "outside_hours"
    PLAN_LIMIT_REACHED = "plan_limit_reached"
    NOT_CHECKED_IN = "not_checked_in"
    INVALID_PASS = "invalid_pass"  # noqa: S105
    RATE_LIMITED = "rate_limited"
    UNSUPPORTED_CREDENTIAL = "unsupported_credential"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    BACKEND_ERROR = "backend_error"
    REFUSED = "refused"
    PHONE_APP_CLOSED = "phone_app_closed"
    UNREADABLE = "unreadable"
    NOT_A_PASS = "not_a_pass"  # noqa: S105
    UNREADABLE_CODE = "unreadable_code"
    NO_BOOKING = "no_booking"
    SELF_CERTIFICATION = "self_certification"

    @property
    def message(self) -> str:
        """One line in plain words for the member."""
        return _MESSAGES[self][0]

    @property
    def hint(self) -> str:
        """What the member can do about it."""
        return _MESSAGES[self][1]


_SEE_RECEPTION = "Please see reception."
_MESSAGES: dict[Reason, tuple[str, str]] = {
    Reason.UNKNOWN_CREDENTIAL: ("Not recognised", _SEE_RECEPTION),
    Reason.NO_VALID_PASS: ("No valid pass", _SEE_RECEPTION),
    Reason.PLAN_INACTIVE: ("Your plan is not active", _SEE_RECEPTION),
    Reason.ACCOUNT_DISABLED: ("Your account is disabled", _SEE_RECEPTION),
    Reason.ACCESS_RESTRICTED: ("Your plan does not include this location", _SEE_RECEPTION),
    Reason.OUTSIDE_HOURS: ("Your plan does not allow access at this time", _SEE_RECEPTION),
    Reason.PLAN_LIMIT_REACHED: ("You have used today's time on your plan", _SEE_RECEPTION),
    Reason.NOT_CHECKED_IN: ("You are not checked in", "Nothing to do: you can go."),
    Reason.INVALID_PASS: ("This pass is not valid", "It may have expired or been used."),
    Reason.RATE_LIMITED: ("Too many attempts", "Please wait a moment and try again."),
    Reason.UNSUPPORTED_CREDENTIAL: ("This kiosk cannot check you in that way", _SEE_RECEPTION),
    Reason.BACKEND_UNAVAILABLE: ("Check-in is unavailable right now", "Please try again."),
    Reason.BACKEND_ERROR: ("Something went wrong", _SEE_RECEPTION),
    Reason.REFUSED: ("Check-in was refused", _SEE_RECEPTION),
    Reason.PHONE_APP_CLOSED: (
        "Open the member app and tap again",
        "Unlock your phone, open the app, then hold it on the reader.",
    ),
    Reason.UNREADABLE: ("Could not read your card or phone", "Please tap again and hold it still."),
    Reason.NOT_A_PASS: (
        "This code is not a check-in pass",
        "Please show the QR pass you were sent, or see reception.",
    ),
    Reason.UNREADABLE_CODE: ("Could not read this code", "Please try again."),
    Reason.NO_BOOKING: ("No desk booked for today", "Book one in the app, or see reception."),
    Reason.SELF_CERTIFICATION: (
        "Please complete your self-certification first",
        "Answer it in the app, then check in again.",
    ),
}


TYPED = frozenset({"pinpad", "keyboard"})  # the sources a member types on


@dataclasses.dataclass(frozen=True)
class Credential:
    """What an input read; `value` is secret for PINs and tokens; an email's password, when
    the backend wants one, is `password`."""

    kind: CredentialKind
    value: str = dataclasses.field(repr=False)
    source: str = ""
    read_at: datetime = dataclasses.field(default_factory=lambda: datetime.now(UTC))
    password: str = dataclasses.field(default="", repr=False)

    def masked(self) -> str:
        """The value as it may appear in logs: a card's last 4 characters (a UID alone is a
        credential), emails as ``a•••@example.com``, secrets as dots."""
        if self.kind is CredentialKind.CARD:
            return "••••" + self.value[-4:] if len(self.value) > 4 else "••••"
        if self.kind in (CredentialKind.EMAIL, CredentialKind.EMAIL_PASSWORD):
            user, _, domain = self.value.rpartition("@")
            return f"{user[:1]}•••@{domain}" if user else "•••"
        return "•" * min(len(self.value), 8)

    @property
    def typed(self) -> bool:
        """Typed by the member on a screen: meant each time, never a double read."""
        return self.source in TYPED


@dataclasses.dataclass(frozen=True)
class CheckinRequest:
    """One attempt, as the controller sends it to a backend."""

    credential: Credential
    action: Action = Action.TOGGLE
    location: str | None = None
    nonce: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    attempted_at: datetime = dataclasses.field(default_factory=lambda: datetime.now(UTC))
    replayed: bool = False  # sent again from the outbox: applied at `attempted_at`


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a backend answered, ready for a screen to render; all but the status by keyword:
    ``Outcome(Status.CHECKED_IN, member="Ada", session_expire=until)``."""

    status: Status
    _: dataclasses.KW_ONLY
    member: str | None = None
    session_expire: datetime | None = None
    reason: Reason | None = None
    raw_message: str = ""
    retry_after: float | None = None  # rate limited: seconds before the backend takes another
    delivery: Delivery | None = None  # no usable answer: keep the attempt and send it again
