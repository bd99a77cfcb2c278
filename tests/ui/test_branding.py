"""A site's own look: its logo, accent colour, welcome line and background, set in staff mode
or in `[branding]`, and said plainly to staff when a picture cannot be shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QPixmap
from pytestqt.qtbot import QtBot

from kiosk.settings.file import with_value
from kiosk.settings.model import Config, load_config
from kiosk.ui.window import KioskWindow
from tests.helpers.kiosk import Build, protected
from tests.helpers.screens import click, open_staff, setting_row, type_text


def png(width: int = 120, height: int = 60, colour: str = "#0b7a75") -> bytes:
    picture = QPixmap(width, height)
    picture.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, "PNG")
    return bytes(data.data())


def test_the_default_look_stays_and_a_brand_changes_it(qtbot: QtBot) -> None:
    window = KioskWindow(Config())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert "background: #1565c0;\n    border-color: #64b5f6" in window.styleSheet()
    assert not window.idle.welcome.isVisibleTo(window)
    assert not window.idle.logo.isVisibleTo(window)
    branded = with_value(Config(), "branding.accent", "#0b7a75")
    window.apply(with_value(branded, "branding.welcome", "Welcome to Harbour Works"))
    assert "background: #0b7a75;" in window.styleSheet()  # the members' buttons
    assert "background: #1565c0;\n    border-color: #64b5f6" not in window.styleSheet()
    assert window.idle.welcome.text() == "Welcome to Harbour Works"
    assert window.idle.welcome.isVisibleTo(window)
    assert window.show_images(png(), png(1920, 1080, "#334455")) == []
    assert window.idle.logo.isVisibleTo(window)
    assert window.idle.logo.pixmap().height() == window.idle._logo_px
    assert window.show_images(b"<html>not a picture</html>", None) == [
        "The logo is not a picture the kiosk can show (PNG, JPEG, SVG)"
    ]
    assert not window.idle.logo.isVisibleTo(window)


def test_branding_set_in_staff_mode_shows_at_once_and_is_saved(
    qtbot: QtBot, build: Build, config_path: Path, pictures: dict[str, bytes], tmp_path: Path
) -> None:
    pictures["http://intranet.lan/logo.png"] = png()
    kiosk = build(protected())
    open_staff(qtbot, kiosk)
    screen = kiosk.window.staff
    click(qtbot, screen.nav["Branding"])
    click(qtbot, setting_row(screen, "branding.logo").buttons["change"])
    type_text(qtbot, screen, "http://intranet.lan/logo.png")
    qtbot.waitUntil(lambda: not kiosk.window.idle.logo.isHidden(), timeout=5000)
    click(qtbot, setting_row(screen, "branding.accent").buttons["change"])
    type_text(qtbot, screen, "#0b7a75")
    assert "#0b7a75" in kiosk.window.styleSheet()
    saved = load_config(config_path).branding
    assert (saved.logo, saved.accent) == ("http://intranet.lan/logo.png", "#0b7a75")

    missing = tmp_path / "nowhere.png"
    click(qtbot, setting_row(screen, "branding.background").buttons["change"])
    type_text(qtbot, screen, str(missing))
    qtbot.waitUntil(lambda: "background is not shown" in screen.message.text(), timeout=5000)
    assert f"cannot read {missing}" in screen.message.text()
    assert not kiosk.window.idle.logo.isHidden()  # the logo stays

    click(qtbot, setting_row(screen, "branding.logo").buttons["change"])
    type_text(qtbot, screen, "http://intranet.lan/gone.png")
    qtbot.waitUntil(lambda: "HTTP 404" in screen.message.text(), timeout=5000)
    assert kiosk.window.idle.logo.isHidden()
