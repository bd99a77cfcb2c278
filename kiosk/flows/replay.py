"""Keeping attempts the backend did not answer, and sending them again once it does.

    keeper = Keeper(outbox, lambda: controller.backend, loop, known=known)
    outcome = keeper.keep(request, outcome, config.offline)   # `queued`, or why not
    keeper.answered()                         # the backend answered: replay now

What is kept follows `offline.policy`: everything (``queue``), only members seen lately and
valid passes (``known_only``), or nothing (``refuse``: the member is asked to try again). A QR
pass is checked against the server's pass key (fetched once the backend answers, and kept), so a
forged or expired one is refused at once even offline. A member seen checking in within
`offline.remember_days` is greeted by name (`Known`: keyed hashes, never the credential).

Replays go one at a time, oldest first, each with its nonce and original time (on the backend's
clock when the kiosk's is known to differ: a kiosk running ahead must not replay "into the
future"). An attempt that never left the kiosk is simply sent again. One that may have reached
the backend (its answer was lost) is settled instead (`Settles`: our server answers its nonce
again, Nexudus and Kadence read the member's state back first); a backend that cannot settle
it, or says it cannot tell, leaves it for staff.
No answer again backs off exponentially (`BASE_WAIT` doubling up to `LONGEST_WAIT`, with
jitter); any answer at all is final: a refusal is kept in the outbox's history for staff (the
member left long ago), never shown on the screen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk import passes
from kiosk.backends.base import Backend, BackendError, CannotTellError, Settles, SignsPasses
from kiosk.domain import (
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.flows.tasks import Tasks
from kiosk.outbox.known import Known
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import Entry, Outbox, OutboxError
from kiosk.settings.model import OfflinePolicy, OfflineSettings

log = logging.getLogger(__name__)

BASE_WAIT = 2.0  # seconds before the first re-send after no answer
LONGEST_WAIT = 60.0
SKEW_MATTERS = 2.0  # seconds between the clocks worth correcting a replay's time by
NOT_SETTLED = (
    "may have reached the backend, which cannot say whether it took it: check the member's"
    " state, then send it again or discard it"
)


class Keeper(QObject):
    """The outbox and its replay, on the kiosk's loop.

    Signals:
        changed(Backlog): the outbox changed (kept, sent, held, discarded).
        replayed(Entry, Outcome): a kept attempt got its answer.
    """

    changed = Signal(object)
    replayed = Signal(object, object)

    def __init__(
        self,
        outbox: Outbox,
        backend: Callable[[], Backend],
        loop: asyncio.AbstractEventLoop,
        jitter: Callable[[], float] = random.random,
        parent: QObject | None = None,
        base_wait: float = BASE_WAIT,
        known: Known | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self.outbox = outbox
        self.known = known or Known.memory(Sealer(Sealer.new_key()))
        self._now = now
        self.target: Callable[[], str] = lambda: ""  # names the backend in use: entries go
        # only to the backend they were kept for (staff may change it meanwhile)
        self.skew: Callable[[], float | None] = lambda: None  # the backend's clock minus ours
        self._key_from: Backend | None = None  # the backend the pass key was fetched from
        self._base_wait = base_wait
        self._backend = backend
        self._jitter = jitter
        self._tasks = Tasks(loop, "outbox")
        self._failures = 0  # re-sends in a row without an answer
        self._again = False
        self._draining = False  # a replay runs (set and cleared inside it, not by its task)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.kick)
        self.backlog = outbox.backlog()

    @property
    def failing(self) -> bool:
        """Whether attempts are kept and the last try at the backend got no answer: a new
        attempt goes straight to the outbox (the member does not wait for a timeout)."""
        return self._failures > 0 and self.backlog.count > 0

    def holds_back(self, request: CheckinRequest) -> bool:
        """Whether `request` must be kept rather than sent: the backend is known to be away,
        or the same credential has an attempt kept (it must go first)."""
        if self.backlog.count == 0:
            return False
        return self.failing or self.outbox.waiting(request)

    def keep(
        self,
        request: CheckinRequest,
        outcome: Outcome,
        offline: OfflineSettings = OfflineSettings(),  # noqa: B008 - frozen
    ) -> Outcome:
        """Keep `request`, which got `outcome` (no usable answer), as `offline` says: the
        `queued` outcome to show (with the name, when known), a pass's refusal, or `outcome`
        itself when it is not to be kept or the outbox cannot be written (logged)."""
        credential = request.credential
        refusal = self._check_pass(credential) if credential.kind is CredentialKind.QR else None
        if refusal is not None:
            return refusal
        member = self._recall(credential, offline.remember_days)
        trusted = member is not None or (
            credential.kind is CredentialKind.QR and self._pass_verifier() is not None
        )
        if offline.policy is OfflinePolicy.REFUSE or (
            offline.policy is OfflinePolicy.KNOWN_ONLY and not trusted
        ):
            log.info("not kept (offline.policy = %s)", offline.policy)
            return outcome
        delivery = outcome.delivery or Delivery.NOT_SENT
        try:
            self.outbox.add(request, delivery, member, outcome.raw_message, self.target())
        except OutboxError as exc:
            log.error("cannot keep a check-in for later: %s", exc)
            return outcome
        self._failures = max(self._failures, 1)
        self._changed()
        if not self._timer.isActive() and not self._draining:
            self._wait()
        return Outcome(Status.QUEUED, member=member, raw_message=outcome.raw_message)

    def answered(self) -> None:
        """The backend answered: send what is kept, and fetch its pass key if not yet."""
        self.kick()
        backend = self._backend()
        if isinstance(backend, SignsPasses) and backend is not self._key_from:
            self._key_from = backend
            self._tasks.run(self._fetch_pass_key(backend), "pass key", exclusive=True)

    def remember(self, credential: Credential, outcome: Outcome) -> None:
        """A check that worked: who `credential` is, for greeting them offline."""
        if outcome.member and outcome.status in (Status.CHECKED_IN, Status.CHECKED_OUT):
            try:
                self.known.remember(credential, outcome.member, self._now())
            except OutboxError as exc:
                log.warning("%s", exc)

    def forget_older(self, days: int) -> None:
        """Forget members not seen within `days` (all of them for 0: remembering is off)."""
        try:
            gone = self.known.forget_before(self._now() - timedelta(days=max(0, days)))
        except OutboxError as exc:
            log.warning("%s", exc)
            return
        if gone:
            log.info("forgot %d members not seen within %d days", gone, days)

    def kick(self) -> None:
        """Replay now (the backend answered, or the wait is over), unless a replay runs."""
        self._timer.stop()
        if self._draining:
            self._again = True  # asked while one runs: look again when it ends
        elif self.backlog.count:
            self._tasks.run(self._drain(), "replay")

    def retry(self) -> None:
        """Staff: send everything again now, held entries included, as they are."""
        try:
            self.outbox.release(self.target())
        except OutboxError as exc:
            log.error("%s", exc)
        self._failures = 0
        self._changed()
        self.kick()

    def discard(self, entry_id: int, why: str) -> bool:
        """Staff: drop one entry, saying why; False when it is gone already."""
        try:
            dropped = self.outbox.discard(entry_id, why)
        except OutboxError as exc:
            log.error("%s", exc)
            return False
        self._changed()
        return dropped

    def close(self) -> None:
        """Stop replaying (the outbox stays on disk)."""
        self._timer.stop()
        self._tasks.close()

    async def settled(self) -> None:
        """Wait until no replay runs."""
        await self._tasks.settled()

    async def _drain(self) -> None:
        self._again, self._draining = False, True
        try:
            await self._replay()
        except OutboxError as exc:  # the outbox's file failed: try again later
            log.error("%s", exc)
            self._failures += 1
            self._wait()
            return
        finally:
            self._draining = False
        if self._again and not self._timer.isActive():
            self._timer.start(0)  # a kick came while this ran (staff released an entry)

    async def _replay(self) -> None:
        target = self.target()
        if self.outbox.hold_elsewhere(target):
            self._changed()
        while (entry := self.outbox.first(target)) is not None:
            outcome = await self._send(entry)
            if outcome is None:
                continue  # held for staff
            if outcome.delivery is not None or outcome.reason is Reason.RATE_LIMITED:
                self.outbox.tried(entry, outcome.raw_message, outcome.delivery)
                self._failures += 1
                self._changed()
                self._wait(outcome.retry_after)
                return
            self.outbox.done(entry, outcome)
            if entry.request is not None:
                self.remember(entry.request.credential, outcome)
            self._failures = 0
            log.info("a kept check-in was sent: %s", outcome.reason or outcome.status)
            self._changed()
            self.replayed.emit(entry, outcome)

    async def _send(self, entry: Entry) -> Outcome | None:
        """Send `entry` again (or settle it); None when it was held for staff instead."""
        if entry.request is None:
            self.outbox.hold(entry, "its credential cannot be read: the outbox key changed")
            self._changed()
            return None
        request = dataclasses.replace(entry.request, replayed=True)
        skew = self.skew()
        if skew is not None and abs(skew) >= SKEW_MATTERS:  # its time, on the backend's clock
            request = dataclasses.replace(
                request, attempted_at=request.attempted_at + timedelta(seconds=skew)
            )
        backend = self._backend()
        try:
            if entry.delivery is Delivery.NOT_SENT:
                return await backend.check(request)
            if not isinstance(backend, Settles):
                raise CannotTellError(NOT_SETTLED)
            return await backend.settle(request)
        except CannotTellError as exc:
            self.outbox.hold(entry, str(exc))
        except BackendError as exc:  # a backend must answer with an Outcome; be safe anyway
            self.outbox.hold(entry, f"the backend failed: {exc}")
        self._changed()
        return None

    async def _fetch_pass_key(self, backend: SignsPasses) -> None:
        try:
            raw = await backend.pass_key()
            self.known.keep_pass_key(raw)
        except (BackendError, OutboxError) as exc:
            log.warning("cannot keep the server's pass key: %s", exc)
            self._key_from = None  # ask again when it answers next

    def _pass_verifier(self) -> passes.Verifier | None:
        """A verifier with the kept pass key, or None when there is none (or it is bad)."""
        try:
            raw = self.known.pass_key()
            return passes.Verifier([passes.public_key_from_bytes(raw)]) if raw else None
        except (OutboxError, ValueError) as exc:
            log.warning("the kept pass key cannot be used: %s", exc)
            return None

    def _check_pass(self, credential: Credential) -> Outcome | None:
        """A pass's refusal, when the kept key shows it forged or expired; else None."""
        verifier = self._pass_verifier()
        if verifier is None:
            return None
        try:
            verifier.verify(credential.value, self._now())
        except passes.NotAPassError:
            return Outcome(Status.REJECTED, reason=Reason.NOT_A_PASS)
        except passes.InvalidPassError as exc:
            log.info("a pass refused offline: %s", exc.why)
            return Outcome(Status.REJECTED, reason=Reason.INVALID_PASS, raw_message=exc.why)
        return None

    def _recall(self, credential: Credential, days: int) -> str | None:
        try:
            return self.known.recall(credential, self._now(), days)
        except OutboxError as exc:
            log.warning("%s", exc)
            return None

    def _wait(self, at_least: float | None = None) -> None:
        """Try again after the back-off (and at least `at_least` s, a backend's wish)."""
        wait = min(LONGEST_WAIT, self._base_wait * 2 ** max(0, self._failures - 1))
        wait = wait * (0.5 + 0.5 * self._jitter())
        wait = max(wait, min(at_least or 0.0, LONGEST_WAIT * 5))
        self._timer.start(round(wait * 1000))

    def _changed(self) -> None:
        try:
            self.backlog = self.outbox.backlog()
        except OutboxError as exc:  # the figures stay as they were
            log.error("%s", exc)
        self.changed.emit(self.backlog)
