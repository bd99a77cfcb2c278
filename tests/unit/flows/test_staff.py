"""The staff controller: who gets in, lockout and its end, changes checked, saved and announced."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.flows.staff import Leave, StaffController, StaffState
from kiosk.settings import staffpin
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, ConfigError, load_config
from kiosk.settings.staffpin import LOCKOUT
from kiosk.settings.vault import Secret, VaultError
from tests.fakes.vault import MemoryVault
from tests.helpers.clock import Ticker
from tests.helpers.kiosk import HASH, STAFF_PIN, older_hash
from tests.helpers.staff import controller


def test_the_lockout_ends_after_a_minute(qtbot: QtBot, tmp_path: Path) -> None:
    clock = Ticker()
    staff = controller(tmp_path, monotonic=clock)
    staff.request()
    for _ in range(5):
        staff.enter_pin("0000")
    assert staff.view.state is StaffState.LOCKED
    staff.close()
    staff.request()  # coming back does not lift it
    assert (staff.view.state, staff.view.locked_for) == (StaffState.LOCKED, LOCKOUT)
    clock.advance(LOCKOUT)
    staff.enter_pin(STAFF_PIN)
    assert staff.view.state is StaffState.OPEN


def test_changes_need_staff_mode_open(qtbot: QtBot, tmp_path: Path) -> None:
    staff = controller(tmp_path)
    assert not staff.change("kiosk.mode", "ask")
    assert not (tmp_path / "kiosk.toml").exists()
    staff.request()
    assert not staff.change("kiosk.mode", "ask")  # the STAFF_PIN prompt is not staff mode
    staff.enter_pin(STAFF_PIN)
    with qtbot.waitSignal(staff.config_changed) as changed:
        assert staff.change("kiosk.mode", "ask")
    assert changed.args[0].kiosk.mode.value == "ask"
    assert load_config(tmp_path / "kiosk.toml").kiosk.mode.value == "ask"
    staff.close()
    assert not staff.change("kiosk.mode", "in")
    assert not staff.set_secret(Secret.PASSWORD, "x")
    staff.quit(Leave.EXIT)  # nothing: staff mode is closed


def test_the_app_may_refuse_a_change_and_nothing_is_saved(qtbot: QtBot, tmp_path: Path) -> None:
    def check(config: Config) -> None:
        if config.kiosk.mode.value == "out":
            raise ConfigError("kiosk.mode = 'out' is not possible here")

    staff = controller(tmp_path, check=check)
    staff.request()
    staff.enter_pin(STAFF_PIN)
    with qtbot.assertNotEmitted(staff.config_changed):
        assert not staff.change("kiosk.mode", "out")
    assert staff.view.message == "Not changed: kiosk.mode = 'out' is not possible here"
    assert staff.view.error
    assert not (tmp_path / "kiosk.toml").exists()


def test_a_file_that_cannot_be_saved_changes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    vault = MemoryVault()
    staff = StaffController(
        with_value(Config(), "staff.pin_hash", HASH),
        tmp_path / "file" / "kiosk.toml",
        lambda: vault,
    )
    staff.request()
    staff.enter_pin(STAFF_PIN)
    assert not staff.change("kiosk.mode", "ask")
    assert staff.view.message.startswith("Not changed: cannot write")
    assert staff.config.kiosk.mode.value == "toggle"


def test_a_failing_vault_is_a_message(qtbot: QtBot, tmp_path: Path) -> None:
    class Broken(MemoryVault):
        def set(self, name: Secret, value: str) -> None:
            raise VaultError("the keyring failed: KeyringLocked")

    vault = Broken()
    staff = StaffController(
        with_value(Config(), "staff.pin_hash", HASH), tmp_path / "kiosk.toml", lambda: vault
    )
    staff.request()
    staff.enter_pin(STAFF_PIN)
    assert not staff.set_secret(Secret.PASSWORD, "hunter2")
    assert staff.view.message == "Not changed: the keyring failed: KeyringLocked"


@pytest.mark.parametrize(
    ("first", "second"), [("12", "12"), ("2468", "2468"), ("246813", "246814")]
)
def test_a_bad_new_pin_is_refused(qtbot: QtBot, tmp_path: Path, first: str, second: str) -> None:
    staff = controller(tmp_path, Config())
    staff.setup()
    assert not staff.set_pin(first, second)
    assert staff.view.state is StaffState.SETUP
    assert staff.view.error


def test_a_broken_file_without_a_staff_pin_never_opens_set_up_to_the_public(
    qtbot: QtBot, tmp_path: Path
) -> None:
    staff = controller(tmp_path, Config())  # the defaults: no staff PIN
    staff.damaged = "kiosk.toml: not valid TOML; running on the defaults"
    staff.request()
    assert staff.view.state is StaffState.AUTH
    assert staff.view.message.startswith("Staff mode is shut: kiosk.toml: not valid TOML")
    for pin in ("0000", "1234", "2468"):
        staff.enter_pin(pin)
    assert staff.view.state is not StaffState.OPEN
    assert not (tmp_path / "kiosk.toml").exists()  # nothing written, no PIN chosen


def test_staff_are_told_of_a_broken_file_until_a_save_writes_it_afresh(
    qtbot: QtBot, tmp_path: Path
) -> None:
    staff = controller(tmp_path)
    staff.damaged = "kiosk.toml has lost its staff PIN; running on the last good settings"
    staff.request()
    staff.enter_pin(STAFF_PIN)
    assert staff.view.state is StaffState.OPEN
    assert "could not be used: kiosk.toml has lost its staff PIN" in staff.view.message
    assert staff.view.error
    assert staff.change("kiosk.mode", "ask")
    assert staff.damaged == ""
    assert load_config(tmp_path / "kiosk.toml").kiosk.mode.value == "ask"


def test_an_older_four_digit_scrypt_pin_opens_is_stored_again_and_asks_for_a_longer_one(
    qtbot: QtBot, tmp_path: Path
) -> None:
    staff = controller(tmp_path, with_value(Config(), "staff.pin_hash", older_hash("2468")))
    staff.request()
    staff.enter_pin("2468")
    assert staff.view.state is StaffState.OPEN
    stored = load_config(tmp_path / "kiosk.toml").staff.pin_hash
    assert stored.startswith("$argon2id$")
    assert staffpin.verify_pin("2468", stored)
    assert staff.view.message == (
        "This staff PIN has 4 digits: choose a new one of 6 or more"
        " (Staff page, Change the staff PIN)"
    )
    assert not staff.set_pin("2468", "2468")  # and a new one must have 6
    assert staff.set_pin("246813", "246813")
