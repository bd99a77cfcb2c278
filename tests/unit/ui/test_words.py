"""The members' screens' languages: every catalogue complete, placeholders kept, dates in words."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import kiosk
from kiosk.domain import Outcome, Reason, Status
from kiosk.inputs.camera import CameraState
from kiosk.inputs.status import ReaderState
from kiosk.settings.model import Language
from kiosk.ui.member.idle import NOTICES
from kiosk.ui.present import describe
from kiosk.ui.words import CATALOGUES, Words

UI = Path(kiosk.__file__).parent / "ui"
CALLED = re.compile(r"words\(\s*\"([^\"]+)\"")


def sources() -> set[str]:
    """Every English text a member can read: literals passed to a `Words`, reasons, states."""
    found = {text for path in UI.rglob("*.py") for text in CALLED.findall(path.read_text())}
    found |= {reason.message for reason in Reason} | {reason.hint for reason in Reason}
    found |= {s.label for s in ReaderState if s.label} | {s.label for s in CameraState if s.label}
    found |= {"Tap your card or phone", "Scan your pass"}  # the idle screen's captions
    found |= set(NOTICES)  # and its words when a way in is out of order
    found |= {"online", "offline", "connecting…"}  # the backend's state
    found |= {"Enter your PIN"}  # the PIN pad's title
    greetings = ("Welcome", "Goodbye", "Thank you")
    return found | set(greetings) | {f"{word}, {{name}}" for word in greetings}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", [lang for lang in Language if lang is not Language.EN])
def test_every_text_is_translated_with_its_placeholders(language: Language) -> None:
    catalogue = CATALOGUES[language]
    assert set(catalogue) == sources()
    for source, translated in catalogue.items():
        assert translated.strip(), source
        assert fields(translated) == fields(source), source


def test_english_is_the_source() -> None:
    words = Words()
    assert words("Welcome, {name}", name="Ada") == "Welcome, Ada"
    assert words("a text nobody translated") == "a text nobody translated"
    assert Words(Language.DE)("a text nobody translated") == "a text nobody translated"


def test_a_name_with_braces_is_shown_as_it_is() -> None:
    words = Words(Language.FR)
    assert words("Welcome, {name}", name="{0} {name}") == "Bienvenue, {0} {name}"


NOW = datetime(2026, 3, 2, 10, 48, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("language", "date", "welcome", "later"),
    [
        (Language.EN, "Monday, 2 March", "Checked in until 18:00 · 7 h 12 min left", "Tue 18:00"),
        (
            Language.DE,
            "Montag, 2. März",
            "Eingecheckt bis 18:00 · noch 7 Std. 12 Min.",
            "Di. 18:00",
        ),
        (Language.FR, "lundi 2 mars", "Présent jusqu'à 18:00 · 7 h 12 min restantes", "mar. 18:00"),
        (
            Language.ES,
            "lunes, 2 de marzo",
            "Registrado hasta las 18:00 · quedan 7 h 12 min",
            "mar 18:00",
        ),
    ],
)
def test_results_and_dates_in_each_language(
    language: Language, date: str, welcome: str, later: str
) -> None:
    words = Words(language)
    assert words.date(NOW) == date
    expire = NOW.replace(hour=18, minute=0)
    text = describe(
        Outcome(Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire),
        NOW,
        "UTC",
        True,
        words,
    )
    assert text.detail == welcome
    assert text.title == words("Welcome, {name}", name="Ada")
    tomorrow = describe(
        Outcome(Status.CHECKED_IN, member="Ada", session_expire=expire + timedelta(days=1)),
        NOW,
        "UTC",
        True,
        words,
    )
    assert later in tomorrow.detail
    refused = describe(
        Outcome(Status.REJECTED, reason=Reason.NO_VALID_PASS), NOW, None, True, words
    )
    assert (refused.title, refused.detail) == (
        words("No valid pass"),
        words("Please see reception."),
    )


def test_a_locale_of_the_language_writes_its_dates_and_a_12_hour_clock() -> None:
    evening = NOW.replace(hour=18, minute=5)
    us = Words(Language.EN, "en_US")
    assert us.date(evening) == "Monday, March 2"
    assert us.time(evening).replace("\u202f", " ") == "6:05 PM"
    assert us.day_and_time(evening + timedelta(days=9), False).replace("\u202f", " ") == (
        "Mar 11 6:05 PM"
    )
    assert Words(Language.FR, "fr_CA").time(evening) == "18 h 05"
    assert Words(Language.DE, "en_US").time(evening) == "18:05"  # not German: German's usual
    assert Words(Language.EN, "").date(evening) == "Monday, 2 March"  # en_GB
