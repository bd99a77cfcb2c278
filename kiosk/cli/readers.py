"""`kiosk readers`: which readers the kiosk sees, and every tap's UID in every format.

Staff tap a card that their access system already knows and look for the line that matches
what it enrolled; that format goes into `reader.uid_format`. Phone tokens are secrets and are
never printed, only their length.
"""

from __future__ import annotations

import queue
from collections.abc import Callable

from kiosk.inputs.pcsc.cardid import all_formats
from kiosk.inputs.pcsc.scard import Pcsc
from kiosk.inputs.pcsc.supervisor import PcscSupervisor
from kiosk.inputs.pcsc.tags import TagKind, Tap
from kiosk.inputs.status import ReaderState, ReaderStatus
from kiosk.settings.model import ReaderSettings

_WAITING = {
    ReaderState.NO_SERVICE: "The PC/SC service (pcscd) is not running; waiting for it…",
    ReaderState.NO_READER: "No reader connected; waiting for one…",
    ReaderState.UNAVAILABLE: "PC/SC is not available on this machine (install pcscd and pyscard).",
}


def describe_status(status: ReaderStatus, name_filter: str = "") -> list[str]:
    """Lines about the readers in use."""
    if status.state is ReaderState.READY:
        which = f" whose name contains {name_filter!r}" if name_filter else ""
        lines = [f"Readers{which}:"] + [f"  {name}" for name in status.readers]
        return [*lines, "Tap a card or phone (Ctrl-C stops)."]
    line = _WAITING.get(status.state, f"Reader: {status.state.value}")
    return [line] + ([f"  ({status.detail})"] if status.detail else [])


def describe_tap(tap: Tap, settings: ReaderSettings) -> list[str]:
    """Lines about one tap: for a card, its UID in every format, the one in use marked."""
    match tap.kind:
        case TagKind.CARD:
            width = max(len(fmt.value) for fmt, _ in all_formats(tap.uid))
            lines = [f"{tap.reader}: card, UID of {len(tap.uid)} bytes"]
            for fmt, text in all_formats(tap.uid):
                mark = "   ← reader.uid_format" if fmt is settings.uid_format else ""
                lines.append(f"  {fmt.value:<{width}}  {text}{mark}")
            return lines
        case TagKind.PHONE:
            return [f"{tap.reader}: phone with the member app, token of {len(tap.token)} chars"]
        case TagKind.PHONE_NO_APP:
            uid = tap.uid.hex(" ").upper()
            return [f"{tap.reader}: a phone without the member app open (random UID {uid})"]
        case TagKind.UNREADABLE:
            return [f"{tap.reader}: unreadable: {tap.detail}"]


def watch_readers(
    pcsc: Pcsc,
    settings: ReaderSettings,
    write: Callable[[str], None],
    count: int | None = None,
) -> int:
    """Print reader status and taps until `count` taps (or forever); returns 0, or 1 when
    this machine has no PC/SC."""
    events: queue.Queue[Tap | ReaderStatus] = queue.Queue()
    supervisor = PcscSupervisor(pcsc, settings)
    supervisor.start(events.put)
    taps = 0
    try:
        while count is None or taps < count:
            event = events.get()
            if isinstance(event, ReaderStatus):
                lines = describe_status(event, settings.name_filter)
                if event.state is ReaderState.UNAVAILABLE:
                    for line in lines:
                        write(line)
                    return 1
            else:
                taps += 1
                lines = describe_tap(event, settings)
            for line in lines:
                write(line)
    finally:
        supervisor.stop()
    return 0
