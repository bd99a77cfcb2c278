"""The on-screen keyboard: four rows, letters or digits and symbols, and the text entry that
lists choices (a time zone) and finds them as staff type."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.flows.wizard import timezones
from kiosk.ui.keyboard import BACKSPACE, LAYER, SHIFT, SPACE, Keyboard, TextEntry
from kiosk.ui.widgets import button
from tests.helpers.screens import click, press_key


def test_digits_and_symbols_wait_behind_one_key_and_letters_come_back(qtbot: QtBot) -> None:
    keyboard = Keyboard(button("OK"), member=True)
    qtbot.addWidget(keyboard)
    typed: list[str] = []
    keyboard.typed.connect(typed.append)
    assert keyboard.keys["q"].isVisibleTo(keyboard)
    assert not keyboard.keys["1"].isVisibleTo(keyboard)
    for char in "Ab1/x":
        press_key(qtbot, keyboard, char)
    click(qtbot, keyboard.keys[SPACE])
    click(qtbot, keyboard.keys[BACKSPACE])
    assert typed == ["A", "b", "1", "/", "x", " ", BACKSPACE]
    assert keyboard.keys[SHIFT].isVisibleTo(keyboard)
    assert keyboard.keys["@"].isVisibleTo(keyboard)
    assert keyboard.keys[LAYER].text() == "123"
    click(qtbot, keyboard.keys[LAYER])
    assert keyboard.keys[LAYER].text() == "abc"
    assert not keyboard.keys[SHIFT].isVisibleTo(keyboard)
    assert keyboard.keys["@"].isVisibleTo(keyboard)  # an address's two symbols: on both
    keyboard.reset()
    assert keyboard.keys["q"].isVisibleTo(keyboard)
    assert keyboard.keys["q"].text() == "q"


def test_a_time_zone_is_found_by_a_few_letters_of_its_city(qtbot: QtBot) -> None:
    entry = TextEntry()
    qtbot.addWidget(entry)
    zones = timezones()
    entry.open("Time zone", "Europe/Paris", choices=zones)
    assert entry.choices.isVisibleTo(entry)
    assert entry.choices.currentItem().text() == "Europe/Paris"  # this machine's, selected
    assert entry.field.text() == ""
    with qtbot.waitSignal(entry.accepted) as chosen:
        click(qtbot, entry.ok)  # nothing typed: the one selected
    assert chosen.args == ["Europe/Paris"]

    entry.open("Time zone", "UTC", choices=zones)
    for char in "new york":
        press_key(qtbot, entry.keyboard, char)
    shown = [entry.choices.item(i).text() for i in range(entry.choices.count())
             if not entry.choices.item(i).isHidden()]  # fmt: skip
    assert shown == ["America/New_York"]
    with qtbot.waitSignal(entry.accepted) as chosen:
        click(qtbot, entry.ok)  # the one match, though "new york" is not its name
    assert chosen.args == ["America/New_York"]

    entry.open("Time zone", "UTC", choices=zones)
    for char in "berl":
        press_key(qtbot, entry.keyboard, char)
    berlin = entry.choices.findItems("Europe/Berlin", Qt.MatchFlag.MatchExactly)[0]
    qtbot.mouseClick(
        entry.choices.viewport(),
        Qt.MouseButton.LeftButton,
        pos=entry.choices.visualItemRect(berlin).center(),
    )
    assert entry.field.text() == "Europe/Berlin"

    entry.open("Time zone", "UTC", choices=zones)
    for char in "Mars/":
        press_key(qtbot, entry.keyboard, char)
    with qtbot.waitSignal(entry.accepted) as chosen:
        click(qtbot, entry.ok)  # no match: what was typed, for the wizard to refuse
    assert chosen.args == ["Mars/"]


def test_a_plain_text_has_no_list_and_a_secret_starts_empty(qtbot: QtBot) -> None:
    entry = TextEntry()
    qtbot.addWidget(entry)
    entry.open("Kiosk name", "Reception")
    assert not entry.choices.isVisibleTo(entry)
    assert entry.field.text() == "Reception"
    entry.open("Password", "hunter2", secret=True)
    assert entry.field.text() == ""
    press_key(qtbot, entry.keyboard, "Z")
    with qtbot.waitSignal(entry.accepted) as chosen:
        click(qtbot, entry.ok)
    assert chosen.args == ["Z"]
