"""A beep and a green flash on ACS readers after a good read.

ACR122U takes a pseudo-APDU through the card connection (FF 00 40: LED and buzzer); the
ACR1252U family takes a CCID escape command (E0 00 00 28: buzzer) through SCardControl, which
drivers allow only when configured to. A reader or driver that refuses is logged once and
left alone for the rest of the session; a refusal never affects the read itself.
"""

from __future__ import annotations

import logging
import threading

from kiosk.inputs.pcsc.scard import Card, CardGoneError, PcscError

log = logging.getLogger(__name__)

# LED: final green, blink green once; T1 = T2 = 100 ms, one repetition, buzzer during T1.
ACR122_BEEP = bytes.fromhex("FF00402E0401010101")
ACR1252_BEEP = bytes.fromhex("E00000280110")  # buzzer for 160 ms
ESCAPE = 3500  # IOCTL_CCID_ESCAPE's function number
_ESCAPE_MODELS = ("ACR1252", "ACR1255", "ACR1281", "ACR1552")


class Feedback:
    """Beeps on readers that support it; remembers those that refused."""

    def __init__(self) -> None:
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def give(self, card: Card, reader: str) -> bool:
        """Beep on `reader` if it is an ACS model that has not refused; True if it beeped."""
        with self._lock:
            if reader in self._refused:
                return False
        try:
            if "ACR122" in reader:
                ok = card.transmit(ACR122_BEEP)[:1] == b"\x90"
            elif any(model in reader for model in _ESCAPE_MODELS):
                card.control(ESCAPE, ACR1252_BEEP)
                ok = True
            else:
                return False
        except CardGoneError:
            return False
        except PcscError as exc:
            log.info("%s refused the beep command: %s", reader, exc)
            ok = False
        if not ok:
            log.info("%s: no beep or LED for the rest of this session", reader)
            with self._lock:
                self._refused.add(reader)
        return ok
