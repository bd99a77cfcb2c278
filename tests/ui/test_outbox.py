"""What a member and staff see of the outbox: "saved" on the screen, the idle status line, and
the Health page's list with its Send now and Discard (with a reason)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.domain import CheckinRequest, Delivery, Outcome, Reason, Status
from kiosk.flows.checkin import Screen
from tests.fakes.backend import FakeBackend
from tests.helpers.kiosk import Build, events, protected
from tests.helpers.screens import click, open_staff, texts, type_pin


class Away:
    """The backend's answer: no answer at all until `back`."""

    def __init__(self) -> None:
        self.back = False

    def __call__(self, request: CheckinRequest) -> Outcome:
        if self.back:
            return Outcome(Status.CHECKED_IN, member="Ada Lovelace")
        return Outcome(Status.REJECTED, reason=Reason.BACKEND_UNAVAILABLE,
                       raw_message="ConnectError: refused", delivery=Delivery.NOT_SENT)  # fmt: skip


@pytest.fixture
def away() -> Away:
    return Away()


@pytest.fixture
def backend(away: Away) -> FakeBackend:
    return FakeBackend(away)


def test_a_member_sees_saved_and_staff_see_it_kept_and_can_send_or_discard_it(
    qtbot: QtBot, build: Build, away: Away, event_path: Path, tmp_path: Path
) -> None:
    kiosk = build(protected())
    kiosk.keeper.close()  # replay only when staff say (no back-off timer in this test)
    for n, pin in enumerate(("11111", "22222"), start=1):
        click(qtbot, kiosk.window.idle.pin) if pin == "11111" else kiosk.controller.open_pin()
        type_pin(qtbot, kiosk, pin)
        with qtbot.waitSignal(kiosk.controller.finished):
            click(qtbot, kiosk.window.pin.ok)
        assert kiosk.controller.view.screen is Screen.RESULT
        assert "Your check-in is saved" in texts(kiosk.window.result)
        qtbot.waitUntil(painted(event_path, n))
    assert outcomes(event_path) == ["queued"] * 2
    kiosk.controller.cancel()
    qtbot.waitUntil(lambda: "2 saved locally" in kiosk.window.idle.states["backend"])
    assert kiosk.window.idle.states["backend"] == "● Check-in: server problem — 2 saved locally"
    assert (tmp_path / "config" / "kiosk.outbox.db").exists()  # beside the settings

    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Health"])
    qtbot.waitUntil(lambda: len(screen.kept.rows) == 2)
    assert "Kept check-ins: 2, the oldest from" in screen.health.text()
    assert "last error: ConnectError: refused" in screen.health.text()
    first, second = screen.kept.rows
    assert "11111" not in texts(screen.kept)
    assert "22222" not in texts(screen.kept)
    click(qtbot, screen.findChild(type(screen.kept.send_now), f"kept-discard-{first}"))
    click(qtbot, screen.findChild(type(screen.kept.send_now), f"kept-why-{first}-1"))
    qtbot.waitUntil(lambda: list(screen.kept.rows) == [second])
    assert "discarded: A duplicate" in screen.kept.ended.text()
    assert screen.message.text() == "Discarded a kept check-in: A duplicate"

    away.back = True
    with qtbot.waitSignal(kiosk.keeper.replayed):
        click(qtbot, screen.kept.send_now)
    qtbot.waitUntil(lambda: not screen.kept.rows)
    qtbot.waitUntil(lambda: "checked in · Ada Lovelace" in screen.kept.ended.text())
    assert "Kept check-ins: none" in screen.health.text()
    replayed = [e for e in events(event_path) if e["event"] == "replayed"]
    assert [(e["status"], e["member"]) for e in replayed] == [("checked_in", "Ada Lovelace")]
    assert [e["why"] for e in events(event_path) if e["event"] == "discarded"] == ["A duplicate"]
    text = event_path.read_text()
    assert "11111" not in text
    assert "22222" not in text


def painted(path: Path, count: int) -> Callable[[], bool]:
    """Whether `count` outcomes were painted (the event log writes them then)."""
    return lambda: len(outcomes(path)) == count


def outcomes(path: Path) -> list[str]:
    return [e["status"] for e in events(path) if e["event"] == "outcome"]
