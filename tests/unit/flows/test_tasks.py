"""The background-work helper: groups, stale work cancelled, failures logged and handed on."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pytestqt.qtbot import QtBot

from kiosk.flows.tasks import Failure, Tasks


async def forever(started: list[str], name: str) -> None:
    started.append(name)
    await asyncio.Event().wait()


def test_exclusive_work_cancels_the_stale_task_of_its_group_only(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop
) -> None:
    tasks, started = Tasks(aloop, "test"), list[str]()
    old = tasks.run(forever(started, "old"), "look up", group="place")
    other = tasks.run(forever(started, "other"), "probe", group="probe")
    qtbot.waitUntil(lambda: len(started) == 2)
    new = tasks.run(forever(started, "new"), "look up", group="place", exclusive=True)
    qtbot.waitUntil(old.cancelled)
    assert not other.done()
    assert not new.done()
    assert tasks.busy("place")
    assert tasks.busy("probe")
    tasks.cancel("probe")
    qtbot.waitUntil(other.cancelled)
    assert not tasks.busy("probe")
    tasks.close()
    qtbot.waitUntil(new.cancelled)
    assert not tasks.busy()


def test_a_failure_is_logged_with_its_traceback_and_handed_to_the_owner(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[Failure] = []
    tasks = Tasks(aloop, "staff mode", failures.append)

    async def broken() -> None:
        raise RuntimeError("the list is broken")

    tasks.run(broken(), "refresh")
    qtbot.waitUntil(lambda: bool(failures))
    [failure] = failures
    assert (failure.owner, failure.name, failure.group) == ("staff mode", "refresh", "refresh")
    assert str(failure.error) == "the list is broken"
    [record] = [r for r in caplog.records if r.name == "kiosk.flows.tasks"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "staff mode: refresh failed"
    assert record.exc_info is not None
    assert record.exc_info[1] is failure.error
    caplog.clear()  # expected here; elsewhere a failure fails the test


def test_cancelled_work_is_no_failure_and_settled_waits_for_everything(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop
) -> None:
    failures: list[Failure] = []
    tasks, started, finished = Tasks(aloop, "test", failures.append), list[str](), list[str]()

    async def step(name: str) -> None:
        await asyncio.sleep(0)
        finished.append(name)

    tasks.run(forever(started, "stale"), "stale").cancel()
    tasks.run(step("a"), "a")
    tasks.run(step("b"), "b")
    settled: list[list[str]] = []

    async def wait() -> None:
        await tasks.settled()
        settled.append(sorted(finished))

    waiter = aloop.create_task(wait())
    qtbot.waitUntil(waiter.done)
    assert settled == [["a", "b"]]
    assert not tasks.busy()
    assert failures == []
