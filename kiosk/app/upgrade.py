"""Restart into the new code after an upgrade, at the next idle moment, never mid check-in.

A package upgrade replaces the kiosk's files under the running process, which goes on with the
old code until it starts again. `UpgradeWatch` looks every `every` seconds whether the installed
package changed (its ``__init__.py`` is another file than at start: dpkg and pip write new
files, never in place) and, once the idle screen has shown for `quiet` seconds with nothing in
flight and staff mode closed, says `restart_wanted`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Stamp:
    """Which file is at a path: another one after it was replaced."""

    device: int
    inode: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> Stamp | None:
        """The file at `path` now, or None while there is none (mid-upgrade)."""
        try:
            stat = path.stat()
        except OSError:
            return None
        return cls(stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


class UpgradeWatch(QObject):
    """Says `restart_wanted` once, at the first idle moment after `path` changed."""

    restart_wanted = Signal()

    def __init__(
        self,
        path: Path,
        is_idle: Callable[[], bool],
        every: float = 30.0,
        quiet: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path, self.quiet = path, quiet
        self._is_idle, self._clock = is_idle, clock
        self._started = Stamp.of(path)
        self._last_activity = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(int(every * 1000))
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Look every `every` seconds from now on."""
        self.timer.start()

    def activity(self) -> None:
        """Something happened on screen: an idle moment starts `quiet` seconds later."""
        self._last_activity = self._clock()

    def check(self) -> bool:
        """Ask for the restart if the code changed and this is an idle moment."""
        now = Stamp.of(self.path)
        if now is None or now == self._started:
            return False
        if not self._is_idle() or self._clock() - self._last_activity < self.quiet:
            return False
        log.warning("the kiosk was upgraded (%s changed): restarting while idle", self.path)
        self.timer.stop()
        self.restart_wanted.emit()
        return True
