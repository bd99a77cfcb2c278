"""Restarts at the next idle moment, never mid check-in: after an upgrade, or for a setting
only a new kiosk session applies (the screen's rotation).

A package upgrade replaces the kiosk's files under the running process, which goes on with the
old code until it starts again. `IdleRestart` looks every `every` seconds whether the installed
package changed (its ``__init__.py`` is another file than at start: dpkg and pip write new
files, never in place) or a restart was asked for, and once the idle screen has shown for
`quiet` seconds with nothing in flight and staff mode closed, says `wanted` with how to leave.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.flows.staff import Leave

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


class IdleRestart(QObject):
    """Says `wanted` once, at the first idle moment after `path` changed or `request`."""

    wanted = Signal(object)  # Leave.RESTART (the same command again) or Leave.EXIT

    def __init__(
        self,
        path: Path,
        is_idle: Callable[[], bool],
        every: float = 10.0,
        quiet: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path, self.quiet = path, quiet
        self._is_idle, self._clock = is_idle, clock
        self._started = Stamp.of(path)
        self._last_activity = clock()
        self._requested: Leave | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(int(every * 1000))
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Look every `every` seconds from now on."""
        self.timer.start()

    def request(self, how: Leave) -> None:
        """Leave `how` at the next idle moment, whether or not the code changed."""
        self._requested = how
        self.timer.start()

    def activity(self) -> None:
        """Something happened on screen: an idle moment starts `quiet` seconds later."""
        self._last_activity = self._clock()

    def check(self) -> bool:
        """Say `wanted` if a restart is due and this is an idle moment."""
        now = Stamp.of(self.path)
        upgraded = now is not None and now != self._started
        if not (upgraded or self._requested):
            return False
        if not self._is_idle() or self._clock() - self._last_activity < self.quiet:
            return False
        if upgraded:
            log.warning("the kiosk was upgraded (%s changed): restarting while idle", self.path)
        self.timer.stop()
        self.wanted.emit(self._requested or Leave.RESTART)
        return True
