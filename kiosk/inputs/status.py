"""A card reader's health, as the idle screen, the event log and staff see it."""

from __future__ import annotations

import dataclasses
import enum


class ReaderState(enum.StrEnum):
    """Whether taps can be read."""

    READY = "ready"
    NO_READER = "no_reader"
    NO_SERVICE = "no_service"
    UNAVAILABLE = "unavailable"
    OFF = "off"

    @property
    def label(self) -> str | None:
        """Words for the idle screen; None when there is nothing to show."""
        return _LABELS[self]


_LABELS = {
    ReaderState.READY: "ready",
    ReaderState.NO_READER: "no reader connected",
    ReaderState.NO_SERVICE: "card service not running",
    ReaderState.UNAVAILABLE: "not available",
    ReaderState.OFF: None,
}


@dataclasses.dataclass(frozen=True)
class ReaderStatus:
    """The state, the readers in use, and for staff what went wrong."""

    state: ReaderState
    readers: tuple[str, ...] = ()
    detail: str = ""
