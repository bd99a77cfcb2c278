"""The real PC/SC stack for tests: pcscd with the vpcd virtual readers.

A running pcscd is reused; otherwise the test session starts `pcscd --foreground` and stops it
at the end. `restart()` kills whichever pcscd runs and starts one of ours, and `close()` leaves
a pcscd running if one was there before the session.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable

from smartcard import scard

from tests.helpers.vpcd import PORTS


class Pcscd:
    """The PC/SC service the tests use."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._foreign = False

    def ensure(self) -> Pcscd:
        """Reuse the running pcscd or start one; wait until the vpcd readers are listed."""
        if self.ready():
            self._foreign = self._proc is None
        else:
            self.start()
        return self

    def start(self) -> None:
        """Start our own pcscd and wait for its readers."""
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        self._proc = subprocess.Popen(
            [binary, "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _until(self.ready, 10, "pcscd did not list the vpcd readers")

    def kill(self) -> None:
        """Stop pcscd, ours or not, as a crash or `systemctl stop` would."""
        subprocess.run(["pkill", "-x", "pcscd"], check=False)
        if self._proc is not None:
            self._proc.wait(10)
            self._proc = None
        _until(lambda: not self.ready(), 10, "pcscd did not stop")

    def restart(self) -> None:
        """Kill pcscd and start ours."""
        self.kill()
        self.start()

    def close(self) -> None:
        """Stop our pcscd; start a daemon again if the session found one running."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None
            if self._foreign:
                subprocess.run(["pcscd"], check=False)

    @staticmethod
    def ready() -> bool:
        """pcscd answers and lists the vpcd readers."""
        hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            return False
        try:
            hr, readers = scard.SCardListReaders(context, [])
            return hr == scard.SCARD_S_SUCCESS and set(PORTS) <= set(readers)
        finally:
            scard.SCardReleaseContext(context)


def _until(condition: Callable[[], bool], seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(0.02)
