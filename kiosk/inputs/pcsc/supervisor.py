"""The reader supervisor: one thread that watches every PC/SC reader and survives pcscd.

    watcher thread:  establish ─▶ list readers ─▶ wait(readers + PnP) ─▶ card seen ─▶ read thread
                        ▲  service lost / error        │ readers changed: list again
                        └──────── every 0.2 s ◀────────┘
    read thread (one per tap, its own context): connect ─▶ read_tag ─▶ debounce ─▶ deliver ─▶ beep

The watcher blocks in `SCardGetStatusChange` (no polling) on every reader plus the PnP
pseudo-reader, so plugged and unplugged readers are seen at once. When pcscd stops or
restarts, the context is released and established again every `RETRY_SECONDS`, so the kiosk
reads again as soon as the service is back. A card is read in its own short thread with its
own context, so a card that never answers holds up only its own reader.

Everything the supervisor learns goes to `deliver(event)`, called from its threads: a `Tap` or
a `ReaderStatus`. `kiosk/inputs/reader.py` hands them to the Qt loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kiosk.inputs.pcsc.feedback import Feedback
from kiosk.inputs.pcsc.scard import (
    PNP,
    Card,
    CardGoneError,
    Context,
    Pcsc,
    PcscError,
    ReaderGoneError,
    ServiceError,
    Slot,
    UnavailableError,
    WaitCancelledError,
)
from kiosk.inputs.pcsc.tags import TagKind, Tap, read_tag
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.settings.model import ReaderSettings

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.2
STOP_SECONDS = 2.0
Deliver = Callable[[Tap | ReaderStatus], None]


class Debounce:
    """A card is read once while it stays on its reader, and again only `repeat_after`
    seconds after the last read, once it has left."""

    def __init__(self, repeat_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.repeat_after = repeat_after
        self._clock = clock
        self._held: dict[str, object] = {}
        self._last: dict[object, float] = {}
        self._lock = threading.Lock()

    def admit(self, tap: Tap) -> bool:
        """Whether `tap` is new; unreadable taps are always new."""
        if tap.kind is TagKind.UNREADABLE:
            return True
        key = (tap.kind, tap.uid, tap.token)
        now = self._clock()
        with self._lock:
            if self._held.get(tap.reader) == key:
                return False
            self._held[tap.reader] = key
            last = self._last.get(key)
            self._last = {k: t for k, t in self._last.items() if now - t < self.repeat_after}
            if last is not None and now - last < self.repeat_after:
                return False
            self._last[key] = now
            return True

    def removed(self, reader: str) -> None:
        """The card on `reader` left it."""
        with self._lock:
            self._held.pop(reader, None)


class PcscSupervisor:
    """Watches the readers `settings` selects and delivers taps and status."""

    def __init__(
        self, pcsc: Pcsc, settings: ReaderSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._pcsc = pcsc
        self._settings = settings
        self._debounce = Debounce(settings.repeat_after, clock)
        self._feedback = Feedback()
        self._deliver: Deliver = _drop
        self.arriving: Callable[[str], None] = _nobody  # a card is on `reader`, not read yet
        self._stopping = threading.Event()
        self._relist = threading.Event()
        self._context: Context | None = None
        self._thread: threading.Thread | None = None
        self._reading: set[str] = set()
        self._again: set[str] = set()
        self._lock = threading.Lock()
        self._status: ReaderStatus | None = None

    def start(self, deliver: Deliver) -> None:
        """Watch the readers in a thread; events go to `deliver`, called from that thread."""
        self._deliver = deliver
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="pcsc-supervisor", daemon=True)
        self._thread.start()

    def apply(self, settings: ReaderSettings) -> None:
        """Use `settings` from now on; a new name filter lists the readers again."""
        old, self._settings = self._settings, settings
        self._debounce.repeat_after = settings.repeat_after
        if old.name_filter != settings.name_filter:
            self._relist.set()
            self._cancel()

    @property
    def reading(self) -> bool:
        """A card is being read now."""
        with self._lock:
            return bool(self._reading)

    def stop(self) -> None:
        """End the watch; returns within `STOP_SECONDS`."""
        self._stopping.set()
        thread, deadline = self._thread, time.monotonic() + STOP_SECONDS
        while thread is not None and thread.is_alive() and time.monotonic() < deadline:
            self._cancel()  # again until it lands: the watcher may be between two waits
            thread.join(0.05)
        self._deliver = _drop

    def _cancel(self) -> None:
        context = self._context
        if context is not None:
            try:
                context.cancel()
            except PcscError as exc:
                log.debug("cancel: %s", exc)

    # the watcher thread

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                context = self._pcsc.establish()
            except UnavailableError as exc:  # nothing to wait for: no library, no reader
                log.warning("no card reader: %s", exc)
                self._publish(ReaderStatus(ReaderState.UNAVAILABLE, detail=str(exc)))
                return
            except ServiceError as exc:
                self._publish(ReaderStatus(ReaderState.NO_SERVICE, detail=str(exc)))
                self._stopping.wait(RETRY_SECONDS)
                continue
            except Exception as exc:  # a broken PC/SC library must not end the watch
                log.exception("cannot reach the PC/SC service")
                self._publish(ReaderStatus(ReaderState.NO_SERVICE, detail=repr(exc)))
                self._stopping.wait(RETRY_SECONDS * 10)
                continue
            self._context = context
            try:
                self._watch(context)
            except ServiceError as exc:
                log.warning("the PC/SC service went away: %s", exc)
                self._publish(ReaderStatus(ReaderState.NO_SERVICE, detail=str(exc)))
            except Exception:
                log.exception("the reader watch failed; starting it again")
            finally:
                self._context = None
                _release(context)
            self._stopping.wait(RETRY_SECONDS)

    def _watch(self, context: Context) -> None:
        slots: dict[str, Slot] = {}
        while not self._stopping.is_set():
            self._relist.clear()
            wanted = self._settings.name_filter.casefold()
            every = context.readers()
            names = [r for r in every if wanted in r.casefold()]
            slots = {name: slots.get(name, Slot(name)) for name in names}
            pnp = Slot(PNP, len(every) << 16)  # newer pcsc-lite compares this count
            state = ReaderState.READY if names else ReaderState.NO_READER
            self._publish(ReaderStatus(state, tuple(names)))
            while not self._stopping.is_set() and not self._relist.is_set():
                try:
                    seen = context.wait([*slots.values(), pnp])
                except WaitCancelledError:
                    continue
                except ReaderGoneError:
                    break
                detected = time.perf_counter()
                for slot in seen:
                    if slot.reader == PNP:
                        pnp = slot.settled()
                        if slot.changed:
                            self._relist.set()
                    elif slot.reader in slots:
                        self._seen(slots[slot.reader], slot, detected)
                        slots[slot.reader] = slot.settled()
                        if slot.gone:
                            self._relist.set()

    def _seen(self, before: Slot, now: Slot, detected: float) -> None:
        if not now.present:
            self._debounce.removed(now.reader)
            return
        if before.present and before.counter == now.counter:
            return
        if before.present:  # it left and came back between two looks
            self._debounce.removed(now.reader)
        if now.mute:
            self._emit(Tap(now.reader, TagKind.UNREADABLE, detail="the card does not answer"))
            return
        self.arriving(now.reader)  # before the read: the kiosk gets its connection ready
        with self._lock:
            if now.reader in self._reading:  # read again when the current read ends
                self._again.add(now.reader)
                return
            self._reading.add(now.reader)
        threading.Thread(
            target=self._read_all, args=(now.reader, detected), name="pcsc-read", daemon=True
        ).start()

    # a read thread

    def _read_all(self, reader: str, detected: float) -> None:
        while True:
            self._read(reader, detected)
            with self._lock:
                if reader not in self._again:
                    self._reading.discard(reader)
                    return
                self._again.discard(reader)
            detected = time.perf_counter()

    def _read(self, reader: str, detected: float) -> None:
        settings = self._settings
        try:
            context = self._pcsc.establish()
            try:
                card = context.connect(reader)
                try:
                    tap = read_tag(card, reader, settings.aid, detected)
                    if self._emit(tap) and settings.feedback and tap.kind is not TagKind.UNREADABLE:
                        self._feedback.give(card, reader)
                finally:
                    _disconnect(card)
            finally:
                _release(context)
        except CardGoneError as exc:
            log.info("%s: the card left during the read: %s", reader, exc)
            self._emit(Tap(reader, TagKind.UNREADABLE, detail=str(exc), detected=detected))
        except (ServiceError, ReaderGoneError) as exc:
            log.info("%s: no read: %s", reader, exc)
        except Exception as exc:  # a bad card or driver must never end the kiosk
            log.exception("%s: the read failed", reader)
            self._emit(Tap(reader, TagKind.UNREADABLE, detail=repr(exc), detected=detected))

    def _emit(self, tap: Tap) -> bool:
        if not self._debounce.admit(tap):
            log.info("%s: the same %s again, ignored", tap.reader, tap.kind)
            return False
        if tap.kind is TagKind.UNREADABLE:
            log.warning("%s: unreadable: %s", tap.reader, tap.detail)
        self._deliver(tap)
        return True

    def _publish(self, status: ReaderStatus) -> None:
        if status != self._status:
            self._status = status
            log.info("reader: %s %s", status.state, ", ".join(status.readers))
            self._deliver(status)


def _nobody(reader: str) -> None:
    """No one to tell that a card arrived."""


def _drop(event: Tap | ReaderStatus) -> None:
    """Where events go while nobody listens."""


def _disconnect(card: Card) -> None:
    try:
        card.disconnect()
    except PcscError as exc:
        log.debug("disconnect: %s", exc)


def _release(context: Context) -> None:
    try:
        context.release()
    except PcscError as exc:
        log.debug("release: %s", exc)
