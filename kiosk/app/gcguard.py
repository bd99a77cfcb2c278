"""Python's cycle collector, run only on the Qt thread.

Left automatic, the collector runs in whichever thread allocates when a threshold is crossed:
the embedded server, the card reader's threads, an executor. A QObject freed there is deleted
from the wrong thread and Qt crashes later (seen as a segfault in `QTimerInfoList` while card
reads and the embedded server ran in one process). So the kiosk turns automatic collection
off and collects on a timer on the Qt thread, with the interpreter's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """Collects garbage on the thread it lives in, every `INTERVAL_MS`, while it runs."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """Turn automatic collection off and collect here instead."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start(INTERVAL_MS)

    def stop(self) -> None:
        """Give collection back as it was before `start`."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def collect_due() -> int:
    """Collect the oldest generation whose threshold is crossed, as the interpreter would;
    the number of objects freed."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return 0
