"""Background work through one helper: named, grouped, stale work cancelled, every failure seen.

    tasks = Tasks(loop, "checkin")
    tasks.run(self._load_place(), "load place", group="place", exclusive=True)
    tasks.cancel("place")        # e.g. the backend changed: its pending lookups are stale
    await tasks.settled()        # wait until nothing runs (tests, "use this change first")

`exclusive=True` cancels whatever of the same group still runs before starting the new task,
so a slow answer to an old question can never land after a new one. A task that raises is
logged with its traceback (logger ``kiosk.flows.tasks``) and handed to `on_failure`, so the
owner can show it to staff and a test sees it; a cancelled task is not a failure.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Failure:
    """A background task that raised: its owner, name, group and the error."""

    owner: str
    name: str
    group: str
    error: BaseException


class Tasks:
    """One owner's background tasks on the asyncio loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        owner: str,
        on_failure: Callable[[Failure], None] | None = None,
    ) -> None:
        self._loop = loop
        self._owner = owner
        self._on_failure = on_failure
        self._running: dict[asyncio.Task[None], str] = {}  # task → group

    def run(
        self,
        coro: Coroutine[Any, Any, None],
        name: str,
        group: str = "",
        exclusive: bool = False,
    ) -> asyncio.Task[None]:
        """Run `coro` in the background as `name`; `exclusive` first cancels its `group`."""
        if exclusive:
            self.cancel(group or name)
        task = self._loop.create_task(coro, name=f"{self._owner}: {name}")
        self._running[task] = group or name
        task.add_done_callback(self._done)
        return task

    def cancel(self, group: str | None = None) -> None:
        """Cancel the tasks of `group`, or all of them."""
        for task, of in list(self._running.items()):
            if group is None or of == group:
                task.cancel()

    def busy(self, group: str | None = None) -> bool:
        """Whether a task of `group` (or any) still runs."""
        return any(group is None or of == group for of in self._running.values())

    async def settled(self) -> None:
        """Wait until no task runs (those started meanwhile included)."""
        while self._running:
            await asyncio.wait(list(self._running))

    def close(self) -> None:
        """Cancel everything (the owner is going away)."""
        self.cancel()

    def _done(self, task: asyncio.Task[None]) -> None:
        group = self._running.pop(task, "")
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        log.error("%s failed", task.get_name(), exc_info=error)
        if self._on_failure is not None:
            name = task.get_name().removeprefix(f"{self._owner}: ")
            self._on_failure(Failure(self._owner, name, group, error))
