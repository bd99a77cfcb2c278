"""Settings by dotted key, and the TOML file: what is written is what is read back."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain import UidFormat
from kiosk.settings import staffcard, staffpin
from kiosk.settings.file import (
    Booted,
    boot_config,
    dump_config,
    last_good,
    parse_text,
    save_config,
    setting,
    value_of,
    with_value,
)
from kiosk.settings.file import (
    settings as all_settings,
)
from kiosk.settings.model import Config, ConfigError, Mode, load_config, load_config_text
from tests.helpers.kiosk import CHEAP, HASH


def test_every_setting_has_help_and_its_default() -> None:
    specs = list(all_settings())
    assert len(specs) == len({s.key for s in specs}) > 30
    for spec in specs:
        assert spec.help, spec.key
        assert value_of(Config(), spec.key) == spec.default


def test_with_value_changes_one_key_only() -> None:
    config = with_value(Config(), "kiosk.mode", "ask")
    assert config.kiosk.mode is Mode.ASK
    assert config.kiosk.name == Config().kiosk.name
    assert with_value(config, "reader.uid_format", "dec_le").reader.uid_format is UidFormat.DEC_LE


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("kiosk.moed", "ask", r"unknown key kiosk.moed \(known: kiosk.name, kiosk.location, kio"),
        ("printer.x", 1, r"unknown key printer.x \(known: kiosk, pin, timeouts, backend"),
        ("kiosk", "x", r"unknown key kiosk \(known: kiosk.name"),
        ("kiosk.mode", "sideways", "kiosk.mode = 'sideways' is not allowed; use one of toggle"),
        ("pin.length", 9, "pin.length = 9 is out of range; use a number from 4 to 8"),
        ("timeouts.result", "5", "timeouts.result = '5' must be a number"),
        ("backend.subdomain", "My Space", "backend.subdomain = 'My Space' must be a Nexudus sub"),
        ("backend.url", "checkin.lan", "backend.url = 'checkin.lan' must be empty or a web add"),
        ("staff.pin_hash", "2468", "staff.pin_hash = '2468' must be a staff PIN hash"),
        ("staff.cards", ["04A1", ""], r"staff.cards = \['04A1', ''\] must be card numbers"),
        ("staff.cards", "04A1", "staff.cards = '04A1' must be a list of texts"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message):
        with_value(Config(), key, value)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("kiosk.first_name_only", "no", False),
        ("kiosk.first_name_only", "ON", True),
        ("pin.length", "6", 6),
        ("timeouts.result", "7.5", 7.5),
        ("kiosk.mode", "ask", "ask"),
        ("staff.cards", "04A1, 0B0C ,", ["04A1", "0B0C"]),
    ],
)
def test_command_line_text_is_typed_by_the_key(key: str, text: str, value: object) -> None:
    assert parse_text(key, text) == value


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [("reader.enabled", "maybe", "true or false"), ("pin.length", "five", "a whole number")],
)
def test_command_line_text_of_the_wrong_type(key: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{key} = '{text}' must be {message}"):
        parse_text(key, text)


def test_the_file_holds_only_what_differs_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "kiosk.toml"
    config = with_value(Config(), "kiosk.mode", "out")
    config = with_value(config, "staff.pin_hash", staffpin.hash_pin("246813", CHEAP))
    config = with_value(config, "staff.cards", ["04A1B2C3"])
    save_config(config, path)
    text = path.read_text()
    assert text.startswith('[kiosk]\nmode = "out"\n\n[staff]\npin_hash = "$argon2id$')
    assert "246813" not in text
    assert "04A1B2C3" not in text  # a staff card is kept as a hash too
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the staff PIN's hash is in it
    assert load_config(path) == config
    assert sorted(path.parent.iterdir()) == [path, last_good(path)]  # no temporary file left
    save_config(Config(), path)
    assert path.read_text() == ""


def test_save_to_a_path_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="cannot write"):
        save_config(Config(), tmp_path / "file" / "kiosk.toml")


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=60, deadline=None)
@given(name=texts, filter_=texts, cards=st.lists(texts.filter(lambda t: t.strip()), max_size=3))
def test_any_text_round_trips_through_the_file(name: str, filter_: str, cards: list[str]) -> None:
    config = with_value(Config(), "kiosk.name", name)
    config = with_value(config, "reader.name_filter", filter_)
    config = with_value(config, "staff.cards", cards)
    assert load_config_text(dump_config(config)) == config


def test_setting_describes_what_is_allowed() -> None:
    assert setting("pin.length").allowed == "a whole number from 4 to 8"
    assert setting("kiosk.mode").allowed == "one of toggle, in, out, ask"
    assert setting("reader.enabled").allowed == "true or false"


def test_every_save_keeps_the_last_good_settings_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    save_config(with_value(Config(), "kiosk.mode", "ask"), path)
    assert last_good(path).read_text() == path.read_text()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[kiosk\nmode = ", "not valid TOML"),
        ('[kiosk]\nmode = "sometimes"', "kiosk.mode = 'sometimes' is not allowed"),
        ("", "has lost its staff PIN"),  # emptied: the last good one has a PIN
    ],
)
def test_a_broken_file_boots_on_the_last_good_settings_and_says_why(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "kiosk.toml"
    good = with_value(with_value(Config(), "kiosk.mode", "ask"), "staff.pin_hash", HASH)
    save_config(good, path)
    path.write_text(text)
    booted = boot_config(path)
    assert booted.config == good
    assert words in booted.problem
    assert booted.problem.endswith("running on the last good settings")


def test_without_last_good_settings_a_broken_file_boots_on_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[pin]\nlength = 99\n")
    booted = boot_config(path)
    assert booted.config == Config()
    assert "pin.length = 99 is out of range" in booted.problem
    assert booted.problem.endswith("running on the defaults")


def test_a_missing_file_is_a_first_start_and_a_good_one_is_used(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    assert boot_config(path) == Booted(Config())
    save_config(with_value(Config(), "kiosk.mode", "in"), path)
    assert boot_config(path).config.kiosk.mode.value == "in"
    assert boot_config(path).problem == ""


def test_staff_cards_written_in_clear_are_kept_as_hashes_from_the_next_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[staff]\npin_hash = "{HASH}"\ncards = ["04a1b2c3", "0A0B0C0D"]\n')
    booted = boot_config(path)
    assert booted.problem == ""
    cards = booted.config.staff.cards
    assert all(staffcard.is_hash(card) for card in cards)
    assert staffcard.matches({"04A1B2C3"}, cards)
    assert staffcard.matches({"0a:0b:0c:0d"}, cards)
    assert not staffcard.matches({"04A1B2C4", "0A0B0C0E"}, cards)
    text = path.read_text()
    assert "04a1b2c3" not in text.lower()
    assert "0a0b0c0d" not in text.lower()
    assert load_config(path) == booted.config
    assert boot_config(path).config == booted.config  # hashed once, not again


def test_staff_cards_still_match_while_the_file_cannot_be_written(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[staff]\npin_hash = "{HASH}"\ncards = ["04A1B2C3"]\n')
    last_good(path).mkdir()  # where the settings are copied: saving fails (even as root)
    booted = boot_config(path)
    assert booted.config.staff.cards == ("04A1B2C3",)  # as it was
    assert staffcard.matches({"04A1B2C3"}, booted.config.staff.cards)


def test_saving_edits_a_hand_written_file_in_place_and_keeps_its_comments(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        "# Front desk kiosk, set up by Sam\n"
        "[kiosk]\n"
        "# the lobby\n"
        'name = "Lobby"  # shown to staff\n'
        'mode = "ask"\n'
        "\n"
        "[timeouts]\n"
        "result = 6.0  # results stay a while\n"
    )
    config = with_value(load_config(path), "kiosk.mode", "toggle")  # back to the default
    config = with_value(config, "timeouts.result", 7.0)
    config = with_value(config, "reader.uid_format", "dec_le")
    save_config(config, path)
    assert path.read_text() == (
        "# Front desk kiosk, set up by Sam\n"
        "[kiosk]\n"
        "# the lobby\n"
        'name = "Lobby"  # shown to staff\n'
        "\n"
        "[timeouts]\n"
        "result = 7.0  # results stay a while\n"
        "\n"
        "[reader]\n"
        'uid_format = "dec_le"\n'
    )
    assert load_config(path) == config
    assert last_good(path).read_text() == path.read_text()


def test_a_file_that_is_not_settings_is_written_afresh(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("kiosk = 5\n")
    save_config(with_value(Config(), "kiosk.mode", "in"), path)
    assert path.read_text() == '[kiosk]\nmode = "in"\n'
