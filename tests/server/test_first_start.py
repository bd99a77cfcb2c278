"""A first start on the embedded server: the wizard adds the first location to a real database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp, build_app
from kiosk.flows.staff import StaffState
from kiosk.flows.wizard import Step, local_timezone
from kiosk.inputs.reader import NullSource
from kiosk.inputs.status import ReaderState
from kiosk.server.store import Store
from kiosk.server.store.models import Location
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, load_config
from tests.fakes.vault import MemoryVault
from tests.helpers.kiosk import protected
from tests.helpers.screens import (
    click,
    open_staff,
    place_buttons,
    type_staff_pin,
    type_text,
)


@contextlib.contextmanager
def running(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, tmp_path: Path, config: Config, first: bool
) -> Iterator[KioskApp]:
    """A kiosk on the embedded server with its database in `tmp_path`, started (as on a first
    start when `first`), and closed after."""
    kiosk = build_app(
        with_value(config, "backend.db", str(tmp_path / "data" / "checkin.db")),
        aloop,
        source=NullSource(ReaderState.OFF),
        config_path=tmp_path / "config" / "kiosk.toml",
        vault=MemoryVault,
    )
    kiosk.first_start = first
    qtbot.addWidget(kiosk.window)
    kiosk.window.show_kiosk(windowed=True, hide_cursor=False)
    try:
        starting = aloop.create_task(kiosk.start())
        qtbot.waitUntil(starting.done, timeout=10000)
        starting.result()
        yield kiosk
    finally:
        closing = aloop.create_task(kiosk.aclose())
        qtbot.waitUntil(closing.done, timeout=10000)


def stored(tmp_path: Path) -> list[Location]:
    """The locations in the database `running` made."""
    store = Store(tmp_path / "data" / "checkin.db")
    try:
        return store.locations()
    finally:
        store.close()


def test_a_first_start_adds_the_first_location_to_the_embedded_server(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    config_path = tmp_path / "config" / "kiosk.toml"
    with running(qtbot, aloop, tmp_path, Config(), first=True) as kiosk:
        assert kiosk.window.showing is kiosk.window.staff_pin  # a staff PIN before anything
        type_staff_pin(qtbot, kiosk, "258036")
        type_staff_pin(qtbot, kiosk, "258036")
        wizard = kiosk.window.wizard
        click(qtbot, wizard.next_button)
        qtbot.waitUntil(lambda: not kiosk.staff.wizard.view.loading, timeout=10000)
        assert wizard.places_note.text() == "There are no locations yet: add the first one below."
        assert wizard.creating.isVisible()

        click(qtbot, wizard.zone)
        type_text(qtbot, wizard, "Mars/Olympus")
        assert (
            wizard.message.text() == "'Mars/Olympus' is not a time zone; try one like Europe/Berlin"
        )
        click(qtbot, wizard.zone)
        type_text(qtbot, wizard, "berlin")  # found in the list of zones by its city
        assert wizard.zone.text() == "Time zone: Europe/Berlin"
        click(qtbot, wizard.add_button)
        with qtbot.waitSignal(kiosk.controller.place_changed, timeout=10000) as placed:
            type_text(qtbot, wizard, "Main Street")
        assert placed.args[0].name == "Main Street"
        qtbot.waitUntil(lambda: list(place_buttons(wizard)) == ["1"], timeout=10000)
        assert wizard.message.text() == "Added Main Street; members check in there"
        assert place_buttons(wizard)["1"].property("selected") == "yes"

        click(qtbot, wizard.add_button)
        type_text(qtbot, wizard, "Main Street")
        qtbot.waitUntil(lambda: wizard.message.text().startswith("Not added"), timeout=10000)
        assert wizard.message.text() == "Not added: a location named 'Main Street' already exists"

        click(qtbot, wizard.next_button)
        assert kiosk.staff.wizard.view.step is Step.READY
        assert "this kiosk's own check-in server" in wizard.summary.text()
        click(qtbot, wizard.next_button)
        assert kiosk.staff.staff.view.state is StaffState.CLOSED
        assert kiosk.window.showing is kiosk.window.idle
        assert kiosk.window.idle.place.text() == "Main Street"
        assert load_config(config_path).kiosk.location == "1"
    assert stored(tmp_path) == [Location(1, "Main Street", "Europe/Berlin")]


def test_staff_add_a_location_with_its_time_zone_from_the_location_page(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    with running(qtbot, aloop, tmp_path, protected(), first=False) as kiosk:
        open_staff(qtbot, kiosk)
        screen = kiosk.window.staff
        click(qtbot, screen.nav["Location"])
        qtbot.waitUntil(screen.adder.isVisible, timeout=10000)  # our own server: it may
        assert screen.adder.zone.text() == f"Time zone: {local_timezone()}"  # add locations
        click(qtbot, screen.adder.zone)
        assert screen.entry.choices.currentItem().text() == local_timezone()
        type_text(qtbot, screen, "tokyo")
        assert screen.adder.zone.text() == "Time zone: Asia/Tokyo"
        click(qtbot, screen.adder.add)
        type_text(qtbot, screen, "Harbour Annex")
        qtbot.waitUntil(lambda: list(place_buttons(screen)) == ["1"], timeout=10000)
        assert place_buttons(screen)["1"].text().startswith("Harbour Annex")
        assert screen.message.text() == (
            "Added Harbour Annex (Asia/Tokyo); tap it to check members in there"
        )
    assert stored(tmp_path) == [Location(1, "Harbour Annex", "Asia/Tokyo")]
