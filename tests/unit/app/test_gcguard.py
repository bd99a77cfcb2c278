"""Garbage is collected on the Qt thread, when the interpreter's thresholds say so."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.gcguard import INTERVAL_MS, MainThreadCollector, collect_due


class Node:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.collect()
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("thresholds")
def test_collect_due_collects_only_past_a_threshold() -> None:
    gc.set_threshold(100_000, 10, 10)
    Node()
    assert collect_due() == 0
    gc.set_threshold(1, 10, 10)
    assert collect_due() >= 1


@pytest.mark.usefixtures("thresholds")
def test_the_collector_turns_automatic_collection_off_and_collects_on_its_timer(
    qtbot: QtBot,
) -> None:
    was_enabled = gc.isenabled()
    collector = MainThreadCollector()
    collector.start()
    try:
        assert not gc.isenabled()
        gc.set_threshold(1, 10, 10)
        for _ in range(50):
            Node()
        before = gc.get_count()[0]
        qtbot.waitUntil(lambda: gc.get_count()[0] < before, timeout=INTERVAL_MS * 4)
    finally:
        collector.stop()
    assert gc.isenabled() is was_enabled
