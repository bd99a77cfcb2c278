"""The card reader as the kiosk sees it: a QObject that turns taps into credentials.

    source thread ──deliver(event)──▶ loop.call_soon_threadsafe ──▶ CardReader._dispatch (Qt thread)
        ──▶ tapped(Credential) · failed(ReadFailure) · status_changed(ReaderStatus)

A `TapSource` is the device side: `PcscSupervisor` for PC/SC readers, or `NullSource` when
there is no PC/SC library or the reader is switched off. Either way the kiosk gets the same
signals and a status it can show.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Signal

from kiosk.domain import Credential, CredentialKind, Reason
from kiosk.inputs.pcsc.cardid import format_uid
from kiosk.inputs.pcsc.tags import TagKind, Tap
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.settings.model import ReaderSettings

log = logging.getLogger(__name__)


@runtime_checkable
class SeesArrivals(Protocol):
    """A source that says a card is on a reader before it has read it."""

    arriving: Callable[[str], None]


class TapSource(Protocol):
    """Where taps come from; `deliver` may be called from any thread."""

    def start(self, deliver: Callable[[Tap | ReaderStatus], None]) -> None:
        """Begin reporting to `deliver`."""

    def apply(self, settings: ReaderSettings) -> None:
        """Use new reader settings."""

    def stop(self) -> None:
        """Stop reporting."""


@dataclasses.dataclass(frozen=True)
class ReadFailure:
    """A tap that gave no credential: why, for the member, and what happened, for staff."""

    reason: Reason
    reader: str
    detail: str = ""


class NullSource:
    """No reader: reports one status and nothing else."""

    def __init__(self, state: ReaderState, detail: str = "") -> None:
        self.status = ReaderStatus(state, detail=detail)

    def start(self, deliver: Callable[[Tap | ReaderStatus], None]) -> None:
        """Report the status."""
        deliver(self.status)

    def apply(self, settings: ReaderSettings) -> None:
        """Nothing to change."""

    def stop(self) -> None:
        """Nothing to stop."""


class CardReader(QObject):
    """Credentials from a `TapSource`, on the Qt thread.

    Signals:
        tapped(Credential): a card or phone to check in.
        failed(ReadFailure): a tap that cannot be checked in (app not open, unreadable).
        status_changed(ReaderStatus): the reader's state changed.
        arriving(str): a card is on this reader, being read (a source that `SeesArrivals`).
    """

    tapped = Signal(object)
    failed = Signal(object)
    status_changed = Signal(object)
    arriving = Signal(str)

    def __init__(
        self,
        source: TapSource,
        settings: ReaderSettings,
        loop: asyncio.AbstractEventLoop,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._settings = settings
        self._loop = loop
        self.status = ReaderStatus(ReaderState.OFF)
        self.last_tap: Tap | None = None

    def start(self) -> None:
        """Start reading."""
        if isinstance(self._source, SeesArrivals):
            self._source.arriving = self._post_arrival
        self._source.start(self._post)

    def apply(self, settings: ReaderSettings) -> None:
        """Use `settings` from the next tap on."""
        self._settings = settings
        self._source.apply(settings)

    def stop(self) -> None:
        """Stop reading; events still in flight are dropped."""
        self._source.stop()

    def replace(self, source: TapSource, settings: ReaderSettings) -> None:
        """Read from `source` from now on (the reader was switched on or off); `start` it."""
        self._source = source
        self._settings = settings

    def _post(self, event: Tap | ReaderStatus) -> None:
        """From the source's thread: hand `event` to the Qt thread."""
        try:
            self._loop.call_soon_threadsafe(self._dispatch, event)
        except RuntimeError:  # the loop is closed: the kiosk is shutting down
            log.debug("dropped a reader event after shutdown")

    def _post_arrival(self, reader: str) -> None:
        """From the source's thread: a card arrived on `reader`."""
        try:
            self._loop.call_soon_threadsafe(self.arriving.emit, reader)
        except RuntimeError:  # the loop is closed: the kiosk is shutting down
            log.debug("dropped a card arrival after shutdown")

    def _dispatch(self, event: Tap | ReaderStatus) -> None:
        if isinstance(event, ReaderStatus):
            self.status = event
            self.status_changed.emit(event)
            return
        self.last_tap = event
        match event.kind:
            case TagKind.CARD:
                value = format_uid(event.uid, self._settings.uid_format)
                self.tapped.emit(Credential(CredentialKind.CARD, value, _source(event)))
            case TagKind.PHONE:
                self.tapped.emit(Credential(CredentialKind.PHONE, event.token, _source(event)))
            case TagKind.PHONE_NO_APP:
                self.failed.emit(ReadFailure(Reason.PHONE_APP_CLOSED, event.reader))
            case TagKind.UNREADABLE:
                self.failed.emit(ReadFailure(Reason.UNREADABLE, event.reader, event.detail))


def _source(tap: Tap) -> str:
    return f"pcsc:{tap.reader}"
