"""The layout audit: every screen and state the screenshot script knows, in every language the
members' screens speak, at every supported screen size, shows all of its text, keeps its
controls apart and inside the window, and makes every button big enough to touch.

Cases that fail today are listed in `layout_known.txt` beside this file and expected to fail
(strictly: a case that passes must leave the list). Fixing a layout bug shortens the list;
the list is the work left of issue 21, and it may only shrink.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.settings.file import with_value
from kiosk.settings.model import Config, Language
from scripts.screenshots import dispose, shown, states
from tests.helpers.layout import problems

SIZES = [(800, 480), (1024, 600), (1280, 800), (800, 1280), (1920, 1080)]
MEMBER_TARGET = 64  # px: a member's finger, at any size (issue 21)
STAFF_TARGET = 44  # px: staff screens (WCAG 2.5.5's 44 px)
MEMBER_TEXT = 18  # px: the smallest text a member reads, at any size (issue 21)
KNOWN = frozenset(
    line.split("#")[0].strip()
    for line in (Path(__file__).with_name("layout_known.txt")).read_text().splitlines()
    if line.split("#")[0].strip()
)


STATES = {name: (view, extra) for name, view, extra in states()}


@dataclasses.dataclass(frozen=True)
class Case:
    """A state, its language and a screen size."""

    name: str
    language: Language
    width: int
    height: int

    @property
    def id(self) -> str:
        return f"{self.name}-{self.language.value}-{self.width}x{self.height}"


def cases() -> list[pytest.param]:  # type: ignore[valid-type]
    """Every state in each language at each size (staff screens: English only)."""
    out = []
    languages = tuple(Language)
    for name, (_, extra) in STATES.items():
        config = extra.get("config")
        if isinstance(config, Config) and config.kiosk.language is not Language.EN:
            continue  # the screenshot script's own language samples: every state is, below
        spoken = (Language.EN,) if name.startswith("staff-") else languages
        for language in spoken:
            for width, height in SIZES:
                case = Case(name, language, width, height)
                marks = [pytest.mark.xfail(strict=True)] if case.id in KNOWN else []
                out.append(pytest.param(case, id=case.id, marks=marks))
    return out


@pytest.mark.parametrize("case", cases())
def test_layout(qtbot: QtBot, case: Case) -> None:
    view, extra = STATES[case.name]
    config = extra.get("config", Config())
    assert isinstance(config, Config)
    extra = {**extra, "config": with_value(config, "kiosk.language", case.language.value)}
    window = shown(view, extra, case.width, case.height)
    try:
        for _ in range(2):  # styles applied and laid out, as before a paint: a widget shown
            QApplication.processEvents()  # in a scroll area's page settles in a second pass
        size = (window.width(), window.height())
        found = [] if size == (case.width, case.height) else [
            f"the window needs {size[0]}×{size[1]}: larger than the screen"
        ]  # fmt: skip
        staff = case.name.startswith("staff-")
        target = STAFF_TARGET if staff else MEMBER_TARGET
        found += problems(window, target, 0 if staff else MEMBER_TEXT)
    finally:
        dispose(window)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # gone now, not later
    assert not found, "\n".join(found)
