"""What the controller needs from a check-in backend, and the errors a backend may raise.

`Backend.check` never raises: every answer and every failure becomes an `Outcome`. The other
calls raise our own small hierarchy, never httpx's:

    BackendError
    ├── BackendUnavailableError     no answer: connection refused, timeout, DNS, proxy gateway
    ├── BackendProtocolError   an answer we cannot use: HTTP error, HTML, bad JSON
    └── CannotTellError        whether an attempt whose answer was lost took effect is unknowable
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol, runtime_checkable

from kiosk.domain import CheckinRequest, CredentialKind, Delivery, Outcome


class BackendError(Exception):
    """A backend call failed; the message is for staff and the log."""


class BackendUnavailableError(BackendError):
    """The backend did not answer; `delivery` says whether the request may have reached it."""

    def __init__(self, message: str, delivery: Delivery = Delivery.LOST) -> None:
        super().__init__(message)
        self.delivery = delivery


class BackendProtocolError(BackendError):
    """The backend answered something we cannot use."""


class CannotTellError(BackendError):
    """The backend cannot say whether an attempt whose answer was lost took effect: sending it
    again might apply it twice, so staff decide."""


@dataclasses.dataclass(frozen=True)
class Place:
    """A location the backend checks members in to; `id` is the backend's own, as text."""

    id: str
    name: str
    timezone: str | None = None


class Backend(Protocol):
    """A check-in backend: the embedded server, Nexudus, Kadence, or a fake."""

    @property
    def kinds(self) -> frozenset[CredentialKind]:
        """The credential kinds this backend accepts."""
        ...

    async def check(self, request: CheckinRequest) -> Outcome:
        """Check in or out; every failure is an `Outcome`, never an exception."""
        ...

    async def places(self) -> list[Place]:
        """The locations this backend knows; raises `BackendError`."""
        ...

    async def probe(self) -> bool:
        """Whether the backend answers at all."""
        ...


@runtime_checkable
class Identifies(Protocol):
    """A backend that can say whom a credential names, and what a check would answer,
    without checking anyone in or out (Nexudus's ``doNotCheckIn``)."""

    async def identify(self, request: CheckinRequest) -> Outcome:
        """The `Outcome` `request` would have, nothing written; never raises."""
        ...


@runtime_checkable
class Settles(Protocol):
    """A backend that can finish an attempt whose answer was lost without applying it twice:
    our server by its nonce, others by reading the member's state back first."""

    async def settle(self, request: CheckinRequest) -> Outcome:
        """The outcome of `request`: the answer it had if it took effect, else sent now. Never
        raises but `CannotTellError`; no answer again is an `Outcome` as from `check`."""
        ...


@runtime_checkable
class SignsPasses(Protocol):
    """A backend whose QR passes a kiosk can check itself, offline, with its public key."""

    async def pass_key(self) -> bytes:
        """The raw Ed25519 public key (32 bytes) that verifies its passes; raises
        `BackendError`."""
        ...


@runtime_checkable
class SignsIn(Protocol):
    """A backend that signs in with what staff keep: the kiosk tells it when that changed, and
    hands it a two-factor code when its sign-in asks for one."""

    def forget_sign_in(self) -> None:
        """Sign in afresh on the next call (a secret changed)."""
        ...

    def use_code(self, code: str) -> None:
        """Sign in with this two-factor code on the next call; raises `BackendError` saying
        why not (this backend takes none, or the code is not one)."""
        ...


@dataclasses.dataclass(frozen=True)
class KioskReport:
    """How a kiosk is, as its heartbeat tells its server every 30 s."""

    version: str
    reader: str
    backend: str  # "online" or "offline"
    outbox: int
    last_checkin: datetime | None
    uptime: int  # seconds
    applied: int  # the version of the server's settings this kiosk has applied
    problem: str = ""  # why it could not apply them
    every: int = 30  # seconds until the next heartbeat
    asleep: bool = False  # the screen is dark: no heartbeat until it wakes


@dataclasses.dataclass(frozen=True)
class RemoteSettings:
    """Settings staff set for this kiosk on its server (``kiosk.mode`` …), and their version."""

    version: int
    values: tuple[tuple[str, str], ...] = ()


@runtime_checkable
class Reports(Protocol):
    """A backend (our own server) that hears a kiosk's heartbeat and answers with the settings
    staff set for it."""

    async def heartbeat(self, report: KioskReport) -> RemoteSettings:
        """Send `report`; the settings in force for this kiosk. Raises `BackendError`."""
        ...


@dataclasses.dataclass(frozen=True)
class Presence:
    """A member checked in now, for staff."""

    member: str
    since: datetime
    until: datetime | None = None


@dataclasses.dataclass(frozen=True)
class FailedCheckin:
    """A refused check-in, for staff: when, who (if known) and why."""

    at: datetime
    member: str | None
    reason: str


@runtime_checkable
class StaffData(Protocol):
    """What a backend may offer staff: who is in, and recent failed check-ins."""

    async def present(self, location: str | None) -> list[Presence]:
        """Open check-ins at `location`; raises `BackendError`."""
        ...

    async def failed(self, location: str | None, limit: int) -> list[FailedCheckin]:
        """The latest failed check-ins at `location`, newest first; raises `BackendError`."""
        ...
