"""The kiosk's state machine: credentials in, views out.

    idle ──open_pin──▶ pin ──present──▶ (checking) ──outcome──▶ result ──timeout──▶ idle
      └─────────────── present ───────────▲     └─ after busy_delay: busy
    ask mode: present ──▶ ask ──choose(action)──▶ (checking)
    idle ──sleep_after──▶ asleep ──coming, present, open_pin──▶ (as from idle)

Screens render the `View` the controller publishes and send intent back (`present`,
`open_pin`, `choose`, `cancel`, `touched`). A new credential on any screen starts a check at once;
the same card, phone or code read again within the debounce time is ignored, so a double read
in toggle mode cannot check a member straight back out (what a member types is always meant, and
checked). A credential that arrives while a check runs waits and goes next. The busy screen
appears only when the backend is slower than `busy_delay`. A backend that says "too many
requests, retry after N s" gets no call for N s: a check meanwhile is refused here with the
time left. Asleep, the screen is dark and the backend is not called (no probes, no lookups)
until a member coming wakes it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.backends.base import Backend, BackendError, Identifies, Place
from kiosk.domain import (
    Action,
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.flows.replay import Keeper
from kiosk.flows.tasks import Tasks
from kiosk.settings.model import Config, Mode

log = logging.getLogger(__name__)

PROBE_SECONDS = 30.0
QUIET_AFTER = 3600.0  # no member for an hour: the backend's connection is no longer kept warm
QUIET_PROBE_SECONDS = 300.0  # then the backend is asked how it is this often
PLACE_RETRY_SECONDS = 10.0
LONGEST_WAIT = 300.0  # a Retry-After longer than this is taken as this
RATE = Reason.RATE_LIMITED
UNAVAILABLE = Reason.BACKEND_UNAVAILABLE
_ACTIONS = {Mode.TOGGLE: Action.TOGGLE, Mode.IN: Action.IN, Mode.OUT: Action.OUT}
# answers about the backend, not the member: ask mode keeps asking and the check will tell
_NOT_ABOUT_THE_MEMBER = frozenset(
    {Reason.BACKEND_UNAVAILABLE, Reason.BACKEND_ERROR, Reason.RATE_LIMITED}
)


class Screen(enum.StrEnum):
    """What the window shows."""

    IDLE = "idle"
    PIN = "pin"
    EMAIL = "email"
    ASK = "ask"
    BUSY = "busy"
    RESULT = "result"
    ASLEEP = "asleep"


@dataclasses.dataclass(frozen=True)
class Attempt:
    """A credential the controller acts on, and when it arrived (`time.perf_counter`)."""

    credential: Credential
    started: float


@dataclasses.dataclass(frozen=True)
class View:
    """What to show: the screen, and for a result its outcome and how long it stays."""

    screen: Screen
    outcome: Outcome | None = None
    attempt: Attempt | None = None
    seconds: float = 0.0
    retry: Screen | None = None  # a result's "Try again": back to the pad or keyboard typed on
    kept: bool = False  # a result the member asked to keep on screen (until "Done")


KEEP_FACTOR = 10  # a kept result stays ten times as long as a result does…
KEEP_AT_LEAST = 60.0  # …and at least a minute


class KioskController(QObject):
    """Decides what happens with each credential and which screen shows.

    Signals:
        view_changed(View): show this view.
        accepted(Credential): a credential is being acted on (not debounced away).
        finished(Attempt, Outcome): a check ended.
        backend_changed(bool): the backend went online (True) or offline (False).
        place_changed(Place): the location this kiosk checks members in to is known.
        asleep_changed(bool): the screen went dark (True) or woke (False).
    """

    view_changed = Signal(object)
    accepted = Signal(object)
    finished = Signal(object, object)
    backend_changed = Signal(bool)
    place_changed = Signal(object)
    asleep_changed = Signal(bool)

    def __init__(
        self,
        config: Config,
        backend: Backend,
        loop: asyncio.AbstractEventLoop,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
        keeper: Keeper | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._config = config
        self._backend = backend
        self._keeper = keeper
        self._now = now  # the wall clock: when an attempt was made (kept, it is sent with it)
        self._monotonic = monotonic
        self._tasks = Tasks(loop, "checkin")
        self._seen: dict[tuple[str, str], float] = {}
        self._checking: Attempt | None = None
        self._request: CheckinRequest | None = None  # the one sent for `_checking`
        self._queued: tuple[Attempt, Action] | None = None
        self._asking: Attempt | None = None
        self.view = View(Screen.IDLE)
        self.place: Place | None = None
        self.online: bool | None = None
        self.last_answer: datetime | None = None  # when the backend last answered anything
        self._quiet_until = 0.0  # `monotonic` time before which the backend gets no call
        self._last_member = monotonic()  # when a member last came (or showed they were coming)
        self._last_call = monotonic()  # when the backend was last called
        self._screen_timer = self._timer(self._timed_out)
        self._busy_timer = self._timer(self._show_busy)
        self._place_timer = self._timer(self.load_place)
        self._probe_timer = self._timer(self._probe, single=False)
        self._sleep_timer = self._timer(self._fall_asleep)
        self._held_awake = False  # staff mode is open

    def _timer(self, slot: Callable[[], None], single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.timeout.connect(slot)
        return timer

    @property
    def backend(self) -> Backend:
        """The backend checks go to."""
        return self._backend

    @property
    def config(self) -> Config:
        """The configuration in force."""
        return self._config

    @property
    def is_idle(self) -> bool:
        """The idle screen (or the dark one) shows and no check-in is on its way."""
        return self._checking is None and self.view.screen in (Screen.IDLE, Screen.ASLEEP)

    @property
    def asleep(self) -> bool:
        """The screen is dark and the backend is left alone until a member comes."""
        return self.view.screen is Screen.ASLEEP

    def apply(self, config: Config) -> None:
        """Use `config` from the next credential on."""
        self._config = config
        if self.view.screen is Screen.IDLE:
            self._arm_sleep()

    def use_backend(self, backend: Backend) -> None:
        """Check with `backend` from the next credential on (its location is looked up again).

        The old backend's pending lookups are cancelled: a slow answer from it must not set
        the place after the switch. A check already sent finishes and is shown."""
        self._tasks.cancel("place")
        self._tasks.cancel("probe")
        self._tasks.cancel("identify")
        self._place_timer.stop()
        self._backend = backend
        self.place = None
        self._quiet_until = 0.0

    def start(self) -> None:
        """Show the idle screen, find this kiosk's location and watch the backend."""
        self._show(View(Screen.IDLE))
        self.load_place()
        self._probe_timer.start(round(self.probe_interval() * 1000))

    def close(self) -> None:
        """Stop timers and cancel running backend calls; a check still waiting for its
        answer is kept in the outbox (it may have reached the backend)."""
        request = self._request if self._checking is not None else None
        if request is not None and self._keeper is not None:
            why = "the kiosk stopped while the check-in waited for its answer"
            lost = Outcome(Status.REJECTED, reason=UNAVAILABLE, raw_message=why)
            lost = dataclasses.replace(lost, delivery=Delivery.LOST)
            self._keeper.keep(request, lost, self._config.offline)
            log.warning("%s: kept in the outbox", why)
        for timer in (self._screen_timer, self._busy_timer, self._place_timer, self._probe_timer,
                      self._sleep_timer):  # fmt: skip
            timer.stop()
        self._tasks.close()

    async def settled(self) -> None:
        """Wait until no background call runs (after `close`: until the cancelled ones end)."""
        await self._tasks.settled()

    # intent from screens and inputs

    def coming(self) -> None:
        """A member is about to check in (a touch, a key, a card arriving on the reader): if
        the backend's connection may have closed, open one now, while they type or the card is
        read, so that their check-in goes out on it in one round trip."""
        now = self._monotonic()
        self._last_member = now
        if self.asleep:
            self._show(View(Screen.IDLE))
        elif self.view.screen is Screen.IDLE:
            self._arm_sleep()  # somebody is there: the sleep is counted from now
        keep = self._config.backend.keep_alive
        if keep > 0 and now - self._last_call >= self._warm_every(keep) and self._checking is None:
            self._probe()

    def stay_awake(self, held: bool) -> None:
        """Staff mode opened (True: the screen does not sleep, and wakes) or closed (False:
        the time to sleep counts from now)."""
        self._held_awake = held
        self.coming()

    def probe_interval(self) -> float:
        """Seconds between two calls that ask the backend how it is: often enough to keep its
        connection open (`backend.keep_alive`) while members come; rarely after an hour
        without one, when a member's first touch opens it again (`coming`)."""
        keep = self._config.backend.keep_alive
        if keep <= 0:
            return PROBE_SECONDS
        if self.quiet:
            return QUIET_PROBE_SECONDS
        return min(PROBE_SECONDS, self._warm_every(keep))

    @property
    def quiet(self) -> bool:
        """No member has come for `QUIET_AFTER`: the kiosk calls its backend rarely."""
        return self._monotonic() - self._last_member > QUIET_AFTER

    @staticmethod
    def _warm_every(keep: float) -> float:
        return max(2.0, keep * 2 / 3)  # well inside the time an idle connection is kept

    def present(self, credential: Credential) -> None:
        """A member presented `credential`."""
        key = (credential.kind.value, credential.value)
        now = self._monotonic()
        self._last_member = now
        last = self._seen.get(key)
        if (
            last is not None
            and now - last < self._config.timeouts.debounce
            and not credential.typed
        ):
            log.info("ignored a repeated %s read", credential.kind)
            return
        self._seen = {k: t for k, t in self._seen.items() if now - t < 60.0}
        self._seen[key] = now
        attempt = Attempt(credential, time.perf_counter())
        self.accepted.emit(credential)
        if credential.kind not in self._backend.kinds:
            self._finish(attempt, Outcome(Status.REJECTED, reason=Reason.UNSUPPORTED_CREDENTIAL))
        elif self._config.kiosk.mode is Mode.ASK:
            self._asking = attempt
            self._show(View(Screen.ASK, attempt=attempt), self._config.timeouts.pin)
            if isinstance(self._backend, Identifies):
                run = self._identify(self._backend, attempt)
                self._tasks.run(run, "identify", group="identify", exclusive=True)
        else:
            self._check(attempt, _ACTIONS[self._config.kiosk.mode])

    def refuse(self, reason: Reason, detail: str = "") -> None:
        """An input read something that cannot be checked in: say why, unless a check runs."""
        if self._checking is not None:
            log.info("a read failed (%s) during a check; not shown", reason)
            return
        self._asking = None
        outcome = Outcome(Status.REJECTED, reason=reason, raw_message=detail)
        seconds = self._config.timeouts.result
        self._show(View(Screen.RESULT, outcome, seconds=seconds), seconds)

    def open_pin(self) -> None:
        """Open the PIN pad (from the idle or result screen), if the backend takes PINs: a
        digit typed on a Kadence kiosk's keyboard opens nothing."""
        self._open(Screen.PIN, CredentialKind.PIN)

    def open_email(self) -> None:
        """Open the email keyboard (from the idle or result screen), if the backend takes
        emails, alone (Kadence) or with a password (our server, Nexudus)."""
        self._open(Screen.EMAIL, CredentialKind.EMAIL, CredentialKind.EMAIL_PASSWORD)

    def _open(self, screen: Screen, *kinds: CredentialKind) -> None:
        idle = self._checking is None and self.view.screen in (
            Screen.IDLE, Screen.RESULT, Screen.ASLEEP
        )  # fmt: skip
        if idle and self._backend.kinds.intersection(kinds):
            self._show(View(screen), self._config.timeouts.pin)

    def retry(self) -> None:
        """The member tapped "Try again" on a result: back to where they typed."""
        match self.view.retry:
            case Screen.PIN:
                self.open_pin()
            case Screen.EMAIL:
                self.open_email()

    def keep(self) -> None:
        """The member tapped "Keep" on a result: it stays until "Done", a new credential, or
        `KEEP_FACTOR` times its usual time (the longest WCAG 2.2.1 asks for), so that a
        result never stays on a kiosk that was walked away from."""
        if self.view.screen is Screen.RESULT and not self.view.kept:
            seconds = max(KEEP_AT_LEAST, self._config.timeouts.result * KEEP_FACTOR)
            self._show(dataclasses.replace(self.view, kept=True, seconds=seconds), seconds)

    def done(self) -> None:
        """The member is done reading a result: back to the idle screen."""
        if self.view.screen is Screen.RESULT:
            self._show(View(Screen.IDLE))

    def touched(self) -> None:
        """The member is still typing or choosing: keep the screen open."""
        if self.view.screen in (Screen.PIN, Screen.EMAIL, Screen.ASK):
            self._screen_timer.start(round(self._config.timeouts.pin * 1000))

    def choose(self, action: Action) -> None:
        """Ask mode: the member chose to check in or out."""
        attempt, self._asking = self._asking, None
        if attempt is not None and self.view.screen is Screen.ASK:
            self._check(attempt, action)

    def cancel(self) -> None:
        """Back to the idle screen (PIN pad, email or question cancelled)."""
        if self.view.screen in (Screen.PIN, Screen.EMAIL, Screen.ASK):
            self._asking = None
            self._show(View(Screen.IDLE))

    # checking

    async def _identify(self, backend: Identifies, attempt: Attempt) -> None:
        """Ask mode: while the member chooses, ask whom the credential names (nothing is
        written); greet them by name, or, when they can neither come in nor leave, check at
        once (the backend records the refusal) and say why, without asking."""
        location = self.place.id if self.place else self._config.kiosk.location or None
        outcome = await backend.identify(
            CheckinRequest(attempt.credential, Action.TOGGLE, location)
        )
        if self._asking is not attempt or self.view.screen is not Screen.ASK:
            return  # chosen, cancelled or timed out meanwhile
        if outcome.status is Status.REJECTED and outcome.reason not in _NOT_ABOUT_THE_MEMBER:
            self._asking = None
            self._check(attempt, Action.TOGGLE)
        elif outcome.status is not Status.REJECTED and outcome.member:
            self.view = View(Screen.ASK, outcome, attempt)  # the same deadline: no new timer
            self.view_changed.emit(self.view)

    def _check(self, attempt: Attempt, action: Action) -> None:
        if self._checking is not None:
            self._queued = (attempt, action)
            return
        wait = self._quiet_until - self._monotonic()
        if wait > 0:
            log.info("rate limited: no call for another %.0f s", wait)
            raw = "the backend asked the kiosk to wait"
            self._finish(
                attempt,
                Outcome(Status.REJECTED, reason=RATE, raw_message=raw, retry_after=wait),
            )
            return
        location = self.place.id if self.place else self._config.kiosk.location or None
        request = CheckinRequest(attempt.credential, action, location, attempted_at=self._now())
        if self._keeper is not None and self._keeper.holds_back(request):
            log.info("kept at once: the backend is away, or this credential has one kept")
            held = Outcome(Status.REJECTED, reason=UNAVAILABLE)
            self._finish(attempt, self._keeper.keep(request, held, self._config.offline))
            return
        self._checking, self._request = attempt, request
        self._last_call = self._monotonic()
        self._screen_timer.stop()
        self._busy_timer.start(round(self._config.timeouts.busy_delay * 1000))
        self._tasks.run(self._run(attempt, request), "check")

    async def _run(self, attempt: Attempt, request: CheckinRequest) -> None:
        try:
            outcome = await self._backend.check(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a backend bug must not stop the kiosk
            log.exception("the backend raised instead of answering")
            outcome = Outcome(Status.REJECTED, reason=Reason.BACKEND_ERROR, raw_message=repr(exc))
        if outcome.reason is not Reason.BACKEND_ERROR:  # which may not have left the kiosk
            self._set_online(outcome.reason is not Reason.BACKEND_UNAVAILABLE)
        if outcome.reason is RATE and outcome.retry_after:
            wait = min(outcome.retry_after, LONGEST_WAIT)
            self._quiet_until = max(self._quiet_until, self._monotonic() + wait)
        answered = outcome.delivery is None
        if self._keeper is not None and not answered:
            outcome = self._keeper.keep(request, outcome, self._config.offline)
        self._finish(attempt, outcome)
        if self._keeper is not None and answered:
            self._keeper.remember(request.credential, outcome)  # after: the screen first

    def _finish(self, attempt: Attempt, outcome: Outcome) -> None:
        self._busy_timer.stop()
        if self._checking is attempt:
            self._checking = self._request = None
        seconds = self._config.timeouts.result
        retry = _retry(attempt.credential, outcome)
        self._show(View(Screen.RESULT, outcome, attempt, seconds, retry), seconds)
        self.finished.emit(attempt, outcome)
        if self._queued is not None and self._checking is None:
            queued, self._queued = self._queued, None
            self._check(*queued)

    def _show_busy(self) -> None:
        if self._checking is not None:
            self._show(View(Screen.BUSY, attempt=self._checking))

    def _timed_out(self) -> None:
        self._asking = None
        self._show(View(Screen.IDLE))

    def _show(self, view: View, seconds: float = 0.0) -> None:
        self._screen_timer.stop()
        if seconds:
            self._screen_timer.start(round(seconds * 1000))
        was, self.view = self.view.screen, view
        self._sleep_timer.stop()
        if view.screen is Screen.IDLE:
            self._arm_sleep()
        woke = was is Screen.ASLEEP and view.screen is not Screen.ASLEEP
        slept = view.screen is Screen.ASLEEP and was is not Screen.ASLEEP
        if slept:
            self._probe_timer.stop()  # not a call until somebody comes
            self._place_timer.stop()
            self._tasks.cancel("probe")
            self._tasks.cancel("place")
        if woke:
            self._probe_timer.start(round(self.probe_interval() * 1000))
            if self.place is None:
                self.load_place()
        self.view_changed.emit(view)
        if woke or slept:
            log.info("the screen %s", "went dark: no calls until somebody comes" if slept
                     else "woke")  # fmt: skip
            self.asleep_changed.emit(slept)

    def _arm_sleep(self) -> None:
        minutes = self._config.display.sleep_after
        if minutes > 0:
            self._sleep_timer.start(round(minutes * 60_000))
        else:
            self._sleep_timer.stop()

    def _fall_asleep(self) -> None:
        if self.is_idle and self._queued is None and not self.asleep and not self._held_awake:
            self._show(View(Screen.ASLEEP))

    # the backend and the location

    def load_place(self) -> None:
        """Find this kiosk's location in the backend's list; retry while it fails."""
        self._place_timer.stop()
        self._tasks.run(self._load_place(), "load place", group="place", exclusive=True)

    async def _load_place(self) -> None:
        try:
            places = await self._backend.places()
        except BackendError as exc:
            log.warning("cannot list the backend's locations: %s", exc)
            if not self.asleep:  # else when it wakes
                self._place_timer.start(round(PLACE_RETRY_SECONDS * 1000))
            return
        self._set_online(True)
        wanted = self._config.kiosk.location
        place = next((p for p in places if p.id == wanted), None) if wanted else None
        if place is None and places and not wanted:
            place = places[0]
        if place is None:
            known = ", ".join(f"{p.id} {p.name}" for p in places) or "none"
            log.warning(
                "kiosk.location %s is not one of the backend's locations (%s)", wanted, known
            )
            return
        self.place = place
        self.place_changed.emit(place)

    def _probe(self) -> None:
        if self._checking is None:
            self._last_call = self._monotonic()
            self._tasks.run(self._probe_once(), "probe", group="probe", exclusive=True)
        interval = round(self.probe_interval() * 1000)
        if self._probe_timer.isActive() and self._probe_timer.interval() != interval:
            self._probe_timer.start(interval)

    async def _probe_once(self) -> None:
        self._set_online(await self._backend.probe())

    def _set_online(self, online: bool) -> None:
        if online:
            self.last_answer = datetime.now(UTC)
            if self._keeper is not None:
                self._keeper.answered()  # send what was kept
        if online != self.online:
            self.online = online
            self.backend_changed.emit(online)


def _retry(credential: Credential, outcome: Outcome) -> Screen | None:
    """Where "Try again" leads after `outcome`: to the PIN pad or the email keyboard when what
    the member typed was not recognised (a mistyped PIN), else nowhere. A server that asks the
    member to wait (429) is answered with the wait, not with a way round it."""
    if outcome.reason is not Reason.UNKNOWN_CREDENTIAL or not credential.typed:
        return None
    if credential.kind is CredentialKind.PIN:
        return Screen.PIN
    if credential.kind in (CredentialKind.EMAIL, CredentialKind.EMAIL_PASSWORD):
        return Screen.EMAIL
    return None
