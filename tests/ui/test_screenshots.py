"""The screenshot script draws the same picture each time it runs (a result's bar and the busy
spinner move with time: the script holds their clocks still)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from scripts.screenshots import dispose, shown, states

STATES = {name: (view, extra) for name, view, extra in states()}


def picture(name: str) -> bytes:
    view, extra = STATES[name]
    window = shown(view, extra, 1280, 800)
    try:
        QApplication.processEvents()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        window.grab().save(buffer, "PNG")
        return bytes(data.data())
    finally:
        dispose(window)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.mark.parametrize("name", ["busy", "result-welcome", "result-no_valid_pass"])
def test_a_state_drawn_twice_is_the_same_picture(qtbot: QtBot, name: str) -> None:
    first = picture(name)
    deadline = time.monotonic() + 0.1
    while time.monotonic() < deadline:  # time passes between the two, as between two runs
        QApplication.processEvents()
    assert picture(name) == first
