"""A backend for tests and screenshots: a plain function decides every answer.

>>> backend = FakeBackend(lambda request: Outcome(Status.CHECKED_IN, member="Ada"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from kiosk.backends.base import BackendUnavailableError, Place
from kiosk.domain import CheckinRequest, CredentialKind, Outcome, Status

Answer = Callable[[CheckinRequest], Outcome]
ALL_KINDS = frozenset(CredentialKind)


def welcome(request: CheckinRequest) -> Outcome:
    """The default answer: everyone is checked in."""
    return Outcome(Status.CHECKED_IN, member="Ada Lovelace")


class FakeBackend:
    """Answers with `answer(request)` after `delay` seconds; remembers every request."""

    def __init__(
        self,
        answer: Answer = welcome,
        delay: float = 0.0,
        places: list[Place] | None = None,
        kinds: frozenset[CredentialKind] = ALL_KINDS,
    ) -> None:
        self.answer = answer
        self.delay = delay
        self.online = True
        self.requests: list[CheckinRequest] = []
        self.probes = 0
        self._places = places if places is not None else [Place("1", "Demo Space", "Europe/Paris")]
        self._kinds = kinds

    @property
    def kinds(self) -> frozenset[CredentialKind]:
        """The credential kinds this backend accepts."""
        return self._kinds

    async def check(self, request: CheckinRequest) -> Outcome:
        """`answer(request)`, after the delay."""
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.answer(request)

    async def places(self) -> list[Place]:
        """The places given at construction."""
        if not self.online:
            raise BackendUnavailableError("the fake backend is offline")
        return list(self._places)

    async def probe(self) -> bool:
        """`online`; counted in `probes`."""
        self.probes += 1
        return self.online


class IdentifyingBackend(FakeBackend):
    """A fake backend that also says whom a credential names (`Identifies`), with
    `identity(request)`; while `held` is set, each answer waits until the test sets it free."""

    def __init__(self, identity: Answer = welcome, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.identity = identity
        self.identified: list[CheckinRequest] = []
        self.answered: list[Outcome] = []
        self.held: asyncio.Event | None = None

    async def identify(self, request: CheckinRequest) -> Outcome:
        """`identity(request)`, once `held` (if any) is set; nothing is checked in."""
        self.identified.append(request)
        if self.held is not None:
            await self.held.wait()
        outcome = self.identity(request)
        self.answered.append(outcome)
        return outcome
