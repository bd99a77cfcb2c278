"""Records the store returns; the API renders them with Nexudus's field names."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Location:
    """A Nexudus "business": a site with its own time zone."""

    id: int
    name: str
    timezone: str


@dataclasses.dataclass(frozen=True)
class PlanRecord:
    """A stored plan (Nexudus "tariff")."""

    id: int
    name: str
    location_ids: frozenset[int]
    days: frozenset[int]
    opens: time
    closes: time
    daily_limit_minutes: int | None
    hours: tuple[tuple[int, time, time], ...] = ()  # weekdays with hours of their own


def card_tail(card_id: str) -> str:
    """The last four characters of a card id with more than four: staff tell cards apart by
    them; a shorter id is the whole credential and shows nothing.

    >>> card_tail("04A1B2C3"), card_tail("0A")
    ('B2C3', '')
    """
    return card_id[-4:] if len(card_id) > 4 else ""


@dataclasses.dataclass(frozen=True)
class CardKey:
    """An access card as stored: its keyed hash, and its last characters for staff."""

    key: str = dataclasses.field(repr=False)
    tail: str

    @property
    def masked(self) -> str:
        """The card as staff see it: ``••••B2C3``."""
        return "••••" + self.tail


@dataclasses.dataclass(frozen=True)
class Member:
    """A Nexudus "coworker"; secrets are never loaded into this record."""

    id: int
    full_name: str
    email: str
    teams: tuple[str, ...]
    plan_id: int | None
    plan_name: str | None
    plan_active: bool
    active: bool
    cards: tuple[str, ...] = ()  # masked: ``••••B2C3`` (the store keeps keyed hashes)
    has_pin: bool = False
    tokens: int = 0
    passes_left: int = 0


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where an attempt came from: Nexudus's eCheckinSource, and the paired device (if any)."""

    source: int
    device_id: int | None = None


@dataclasses.dataclass(frozen=True)
class Admin:
    """An account of the web admin; its password hash is never loaded into this record."""

    id: int
    email: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class Device:
    """A kiosk, door controller or presence sensor that may call the check-in endpoint."""

    id: int
    name: str
    kind: str
    created_at: datetime
    paired_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def state(self) -> str:
        """``revoked``, ``paired`` or ``waiting for pairing``."""
        if self.revoked_at is not None:
            return "revoked"
        return "paired" if self.paired_at is not None else "waiting for pairing"


@dataclasses.dataclass(frozen=True)
class Heartbeat:
    """What a device says of itself every 30 s."""

    version: str
    reader: str  # "ready (ACS ACR122U)", "no reader", "off"
    backend: str  # "online", "offline"
    outbox: int  # attempts kept, waiting to be sent
    last_checkin: datetime | None
    uptime: int  # seconds since the kiosk started
    applied: int = 0  # the settings version the device has applied
    problem: str = ""  # why the device could not apply the last settings, if it could not
    every: int = 30  # seconds until its next heartbeat
    asleep: bool = False  # its screen went dark: the next heartbeat comes when it wakes


@dataclasses.dataclass(frozen=True)
class Seen:
    """A device's last heartbeat, and when it came."""

    at: datetime
    heartbeat: Heartbeat


@dataclasses.dataclass(frozen=True)
class DeviceSettings:
    """Settings the web admin set for a device (``kiosk.mode`` and the like), and their
    version."""

    version: int
    values: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class CardOffer:
    """A card read on a device for a member's enrolment: waiting, or read (its key set)."""

    device_id: int
    member_id: int
    expires_at: datetime
    card: CardKey | None


@dataclasses.dataclass(frozen=True)
class CheckinRecord:
    """A row of check-ins (Nexudus "Checkin")."""

    id: int
    unique_id: str
    coworker_id: int | None
    coworker_full_name: str
    business_id: int
    business_name: str
    business_timezone: str
    source: int
    from_time: datetime
    to_time: datetime | None
    expires_at: datetime | None
    auto_checkout: bool
    time_pass_guid: str | None
    teams: str
    tariff: str
    device_id: int | None = None
    device_name: str | None = None


@dataclasses.dataclass(frozen=True)
class FailedCheckinRecord:
    """A row of failed check-ins (Nexudus "FailedCheckin")."""

    id: int
    unique_id: str
    coworker_id: int | None
    coworker_full_name: str
    business_id: int
    business_name: str
    business_timezone: str
    source: int
    attempt_time: datetime
    reason: str
    description: str
    teams: str
    tariff: str
    device_id: int | None = None
    device_name: str | None = None


@dataclasses.dataclass(frozen=True)
class Answered:
    """The answer a check-in with a nonce got, kept to give it again."""

    answered_at: datetime
    status: str
    member_name: str | None
    session_expire: datetime | None
    reason: str | None


class Order(enum.StrEnum):
    """What a listing of check-ins is sorted by, in Nexudus's field names."""

    ID = "Id"
    FROM_TIME = "FromTime"
    TO_TIME = "ToTime"
    UPDATED_ON = "UpdatedOn"


@dataclasses.dataclass(frozen=True)
class Window:
    """Nexudus's time filters on check-ins (each bound inclusive; None: open)."""

    from_after: datetime | None = None  # from_Checkin_FromTime
    from_before: datetime | None = None  # to_Checkin_FromTime
    to_before: datetime | None = None  # to_Checkin_ToTime
    updated_after: datetime | None = None  # from_Checkin_UpdatedOn


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing, 1-based."""

    records: Sequence[T]
    page: int
    size: int
    total: int

    @property
    def total_pages(self) -> int:
        """How many pages the whole listing has."""
        return max(1, -(-self.total // self.size))


def to_text(moment: datetime) -> str:
    """How a moment is stored: UTC, second precision, sortable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_text(text: str) -> datetime:
    """The inverse of `to_text`."""
    return datetime.fromisoformat(text)
