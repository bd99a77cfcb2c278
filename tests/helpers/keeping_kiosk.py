"""A whole kiosk in a process of its own, whose backend is away: it takes N PINs as a member's
pad would give them, says ``kept N`` on stdout once its outbox holds them, and waits to be
killed. For the test that kills a kiosk with ``kill -9`` and starts it again.

    python -m tests.helpers.keeping_kiosk CONFIG BACKEND_URL N
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.app.kiosk import build_app
from kiosk.inputs.reader import NullSource
from kiosk.inputs.status import ReaderState
from kiosk.settings.model import load_config

PINS = ("12345", "56789")  # the demo's residents, in turn


async def keep(config_path: Path, url: str, count: int) -> None:
    loop = asyncio.get_running_loop()
    kiosk = build_app(
        load_config(config_path),
        loop,
        backend_url=url,
        source=NullSource(ReaderState.OFF),
        config_path=config_path,
    )
    await kiosk.start()
    for n in range(count):
        done = loop.create_future()
        kiosk.controller.finished.connect(
            lambda attempt, outcome, f=done: f.done() or f.set_result(outcome)
        )
        kiosk.present_pin(PINS[n % 2])
        outcome = await done
        assert outcome.status.value == "queued", outcome
    print(f"kept {kiosk.keeper.backlog.count}", flush=True)
    await asyncio.Event().wait()  # until killed


def main() -> None:
    import qasync

    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    config, url, count = sys.argv[1:4]
    loop.run_until_complete(keep(Path(config), url, int(count)))


if __name__ == "__main__":
    main()
