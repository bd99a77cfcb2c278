"""The configuration model: defaults, TOML, and a clear message for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.domain import UidFormat
from kiosk.settings.model import (
    BackendKind,
    Config,
    ConfigError,
    Mode,
    load_config,
    load_config_text,
)


def test_empty_file_is_the_defaults() -> None:
    config = load_config_text("")
    assert config == Config()
    assert config.kiosk.mode is Mode.TOGGLE
    assert (config.pin.length, config.timeouts.result, config.timeouts.debounce) == (5, 5.0, 3.0)
    assert (config.backend.connect_timeout, config.backend.timeout) == (2.0, 5.0)


def test_values_are_read_and_typed() -> None:
    config = load_config_text(
        '[kiosk]\nmode = "ask"\nlocation = 2\n[pin]\nlength = 6\n'
        '[timeouts]\nresult = 8\n[backend]\nkind = "nexudus"\nurl = "https://x.example"\n'
    )
    assert config.kiosk.mode is Mode.ASK
    assert config.kiosk.location == "2"
    assert config.pin.length == 6
    assert config.timeouts.result == 8.0
    assert isinstance(config.timeouts.result, float)
    assert config.backend.kind is BackendKind.NEXUDUS


def test_a_location_is_the_backends_id_as_text() -> None:
    """Nexudus numbers its businesses; Kadence names its buildings with ULIDs."""
    ulid = "01GTBV1CT3BM8A42SEJ2J5F4EG"
    assert load_config_text(f'[kiosk]\nlocation = "{ulid}"').kiosk.location == ulid
    assert load_config_text("[kiosk]\nlocation = 1234").kiosk.location == "1234"
    with pytest.raises(ConfigError, match=r"kiosk\.location = True must be text"):
        load_config_text("[kiosk]\nlocation = true")


def test_reader_settings() -> None:
    assert Config().reader.aid == bytes.fromhex("F04B494F534B01")
    config = load_config_text(
        '[reader]\nenabled = false\nname_filter = "ACR122"\nuid_format = "wiegand26"\n'
        'phone_aid = "a0000000031010"\nrepeat_after = 5\nfeedback = false\n'
    )
    reader = config.reader
    assert (reader.enabled, reader.name_filter, reader.feedback) == (False, "ACR122", False)
    assert reader.uid_format is UidFormat.WIEGAND26
    assert reader.aid == bytes.fromhex("A0000000031010")
    assert reader.repeat_after == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[kiosk]\nmode = "sometimes"', "kiosk.mode = 'sometimes' is not allowed; use one of"),
        ("[pin]\nlength = 3", "pin.length = 3 is out of range; use a number from 4 to 8"),
        ('[pin]\nlength = "5"', "pin.length = '5' must be a whole number"),
        ("[pin]\nlength = true", "pin.length = True must be a whole number"),
        ("[kiosk]\nfirst_name_only = 1", "kiosk.first_name_only = 1 must be true or false"),
        ("[kiosk]\ncolour = 1", "unknown key kiosk.colour"),
        ("[printer]\nx = 1", "unknown key printer"),
        ("kiosk = 3", "kiosk must be a table"),
        ("[timeouts]\nresult = 0.2", "timeouts.result = 0.2 is out of range"),
        ("[timeouts]\nresult = true", "timeouts.result = True must be a number"),
        ("[kiosk\n", "not valid TOML"),
        ('[reader]\nuid_format = "octal"', "reader.uid_format = 'octal' is not allowed; use one"),
        ('[reader]\nphone_aid = "F04B"', "reader.phone_aid = 'F04B' must be an AID of 5 to 16"),
        ('[reader]\nphone_aid = "not hex!"', "reader.phone_aid = 'not hex!' must be an AID"),
        ("[reader]\nphone_aid = 7", "reader.phone_aid = 7 must be text in quotes"),
        ("[reader]\nrepeat_after = -1", "reader.repeat_after = -1 is out of range"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message.replace("(", r"\(").replace("[", r"\[")):
        load_config_text(text)


def test_load_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[pin]\nlength = 12\n")
    with pytest.raises(ConfigError, match=f"^{path}: pin.length"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_a_whole_number_is_taken_where_a_number_is_wanted_and_read_as_one() -> None:
    result = load_config_text("[timeouts]\nresult = 5").timeouts.result
    assert (result, type(result)) == (5.0, float)
