"""kiosk.app.restart: a restart after an upgrade, or asked for, waits for an idle moment."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.app.restart import IdleRestart, Stamp
from kiosk.flows.staff import Leave


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _upgrade(path: Path) -> None:
    """What dpkg does: a new file renamed over the old one."""
    new = path.with_suffix(".dpkg-new")
    new.write_text('__version__ = "0.2.0"\n')
    new.replace(path)


def _watch(tmp_path: Path, idle: list[bool], clock: Clock) -> tuple[Path, IdleRestart, list[Leave]]:
    path = tmp_path / "__init__.py"
    path.write_text('__version__ = "0.1.0"\n')
    watch = IdleRestart(path, lambda: idle[0], clock=clock)
    wanted: list[Leave] = []
    watch.wanted.connect(wanted.append)
    return path, watch, wanted


def test_no_restart_while_the_code_is_the_same(tmp_path: Path) -> None:
    clock = Clock()
    _, watch, wanted = _watch(tmp_path, [True], clock)
    clock.now += 3600
    assert not watch.check()
    assert wanted == []


def test_after_an_upgrade_the_restart_waits_for_a_quiet_idle_screen(tmp_path: Path) -> None:
    clock, idle = Clock(), [False]
    path, watch, wanted = _watch(tmp_path, idle, clock)
    _upgrade(path)
    clock.now += 60
    assert not watch.check()  # a check-in is on its way
    idle[0] = True
    watch.activity()  # its result went, the idle screen came back just now
    clock.now += 5
    assert not watch.check()
    clock.now += 5
    assert watch.check()
    assert wanted == [Leave.RESTART]
    assert not watch.timer.isActive()


def test_mid_upgrade_with_the_file_missing_nothing_happens(tmp_path: Path) -> None:
    clock = Clock()
    path, watch, wanted = _watch(tmp_path, [True], clock)
    path.unlink()
    clock.now += 60
    assert not watch.check()
    assert Stamp.of(path) is None
    assert wanted == []


def test_the_timer_looks_on_its_own(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "__init__.py"
    path.write_text("")
    watch = IdleRestart(path, lambda: True, every=0.01, quiet=0)
    watch.start()
    _upgrade(path)
    with qtbot.waitSignal(watch.wanted, timeout=5000):
        pass


def test_a_restart_asked_for_waits_for_an_idle_moment_too(tmp_path: Path) -> None:
    clock, idle = Clock(), [True]
    _, watch, wanted = _watch(tmp_path, idle, clock)
    watch.request(Leave.EXIT)  # staff turned the screen: a new session turns it
    assert watch.timer.isActive()
    assert not watch.check()  # staff mode just closed: not quiet yet
    clock.now += 10
    assert watch.check()
    assert wanted == [Leave.EXIT]
