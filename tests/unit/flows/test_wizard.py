"""The setup wizard's decisions, over a fake list of locations and a real staff controller."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.backends.base import BackendError, Place
from kiosk.backends.registry import Choice, check_backend
from kiosk.backends.tokens import CodeNeededError, SignInError
from kiosk.flows.staff import StaffController, StaffState
from kiosk.flows.wizard import SetupWizard, Step, is_timezone, local_timezone, timezones
from kiosk.settings.model import BackendKind, Config
from tests.fakes.vault import MemoryVault
from tests.helpers.kiosk import STAFF_PIN
from tests.helpers.staff import controller


class FakeSites:
    """Locations that arrive when the test says so."""

    def __init__(self, can_create: bool = True) -> None:
        self.can_create = can_create
        self.lists: list[asyncio.Future[list[Place]]] = []
        self.made: list[tuple[str, str]] = []
        self.codes: list[str] = []

    def use_code(self, code: str) -> None:
        if not code.isdigit():
            raise BackendError("not a code")
        self.codes.append(code)

    async def places(self) -> list[Place]:
        future: asyncio.Future[list[Place]] = asyncio.get_running_loop().create_future()
        self.lists.append(future)
        return await future

    async def create(self, name: str, timezone: str) -> Place:
        if any(made == name for made, _ in self.made):
            raise BackendError(f"a location named {name!r} already exists")
        self.made.append((name, timezone))
        return Place(str(len(self.made)), name, timezone)


def opened(tmp_path: Path, sites: FakeSites, aloop: asyncio.AbstractEventLoop) -> SetupWizard:
    staff = controller(tmp_path, check=lambda config: check_backend(config, None))
    staff.request()
    staff.enter_pin(STAFF_PIN)
    wizard = SetupWizard(staff, sites, aloop)
    staff.guide()
    wizard.start()  # as staff mode does when the wizard opens
    return wizard


def test_a_list_still_asked_for_when_staff_went_back_is_cancelled_and_never_shown(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    sites = FakeSites()
    wizard = opened(tmp_path, sites, aloop)
    wizard.next()
    assert (wizard.view.step, wizard.view.loading) == (Step.LOCATION, True)
    qtbot.waitUntil(lambda: len(sites.lists) == 1)
    wizard.back()
    assert (wizard.view.step, wizard.view.loading) == (Step.BACKEND, False)
    qtbot.waitUntil(sites.lists[0].cancelled)  # the stale question is given up
    wizard.next()
    qtbot.waitUntil(lambda: len(sites.lists) == 2)
    sites.lists[1].set_result([Place("1", "Main Street")])
    qtbot.waitUntil(lambda: not wizard.view.loading)
    assert wizard.view.places == (Place("1", "Main Street"),)


def test_a_location_needs_a_name_and_only_the_own_server_makes_one(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    sites = FakeSites()
    wizard = opened(tmp_path, sites, aloop)
    wizard.create("Ignored")  # not on the location step
    wizard.next()
    qtbot.waitUntil(lambda: len(sites.lists) == 1)
    sites.lists[0].set_result([])
    qtbot.waitUntil(lambda: not wizard.view.loading)
    assert wizard.view.note == "There are no locations yet: add the first one below."
    wizard.create("   ")
    assert wizard.staff.view.message == "Type the location's name"
    wizard.create("  Main Street ")
    qtbot.waitUntil(lambda: wizard.staff.config.kiosk.location == "1")
    assert sites.made == [("Main Street", wizard.view.timezone)]
    qtbot.waitUntil(lambda: len(sites.lists) == 2)  # the list again, with the new location
    sites.lists[1].set_result([Place("1", "Main Street")])
    qtbot.waitUntil(lambda: wizard.view.places == (Place("1", "Main Street"),))
    sites.can_create = False
    wizard.create("Annex")
    assert sites.made == [("Main Street", wizard.view.timezone)]


def answered(
    qtbot: QtBot, wizard: SetupWizard, sites: FakeSites, answer: list[Place] | Exception
) -> None:
    """On to the location step, where the backend's list comes back as `answer`."""
    wizard.next()
    qtbot.waitUntil(lambda: len(sites.lists) == 1)
    if isinstance(answer, Exception):
        sites.lists[0].set_exception(answer)
    else:
        sites.lists[0].set_result(answer)
    qtbot.waitUntil(lambda: not wizard.view.loading)


def test_a_list_waiting_for_a_two_factor_code_asks_for_it_and_loads_with_it(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    sites = FakeSites(can_create=False)
    wizard = opened(tmp_path, sites, aloop)
    wizard.use_code("123456")  # not on the location step: nothing to sign in for
    assert sites.codes == []
    answered(qtbot, wizard, sites, CodeNeededError("the code, please", "two_factor_auth_check"))
    assert wizard.view.code_wanted
    assert wizard.view.note == "The backend's locations cannot be listed: the code, please"
    wizard.use_code("abc")
    assert (wizard.staff.view.message, wizard.staff.view.error) == ("not a code", True)
    assert len(sites.lists) == 1  # not asked again
    wizard.use_code("123456")
    assert sites.codes == ["123456"]
    assert wizard.view.loading
    qtbot.waitUntil(lambda: len(sites.lists) == 2)
    sites.lists[1].set_result([Place("4", "Annex")])
    qtbot.waitUntil(lambda: not wizard.view.loading)
    assert (wizard.view.code_wanted, wizard.view.places) == (False, (Place("4", "Annex"),))


def test_other_refusals_do_not_ask_for_a_code(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    sites = FakeSites(can_create=False)
    wizard = opened(tmp_path, sites, aloop)
    answered(qtbot, wizard, sites, SignInError("wrong password", "invalid_grant"))
    assert not wizard.view.code_wanted
    assert wizard.view.note.endswith("wrong password")


def test_with_no_location_picked_next_pins_the_first_one(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    sites = FakeSites(can_create=False)
    wizard = opened(tmp_path, sites, aloop)
    answered(qtbot, wizard, sites, [Place("4", "Annex"), Place("2", "Main Street")])
    assert wizard.view.note == ""
    wizard.next()
    assert wizard.view.step is Step.READY
    assert wizard.staff.config.kiosk.location == "4"
    wizard.next()
    assert wizard.staff.view.state is StaffState.OPEN  # from staff mode, back to it


def test_nexudus_needs_its_subdomain_and_kadence_its_client_id(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    sites = FakeSites()
    wizard = opened(tmp_path, sites, aloop)
    assert wizard.view.unavailable == {}
    wizard.choose(Choice.KADENCE)
    wizard.next()
    wizard.next()
    assert wizard.view.step is Step.SIGN_IN
    assert wizard.staff.config.backend.kind is BackendKind.LOCAL  # nothing saved
    wizard.back()
    wizard.choose(Choice.NEXUDUS)
    wizard.next()
    wizard.next()
    assert wizard.view.step is Step.SIGN_IN
    assert wizard.staff.config.backend.kind is BackendKind.LOCAL
    wizard.edit("backend.subdomain", "myspace")
    wizard.next()
    assert wizard.view.step is Step.LOCATION
    assert wizard.staff.config.backend.kind is BackendKind.NEXUDUS
    qtbot.waitUntil(lambda: len(sites.lists) == 1)
    sites.lists[0].set_result([])
    qtbot.waitUntil(lambda: not wizard.view.loading)


def test_the_wizard_does_nothing_unless_it_shows(
    qtbot: QtBot, tmp_path: Path, aloop: asyncio.AbstractEventLoop
) -> None:
    staff = StaffController(Config(), tmp_path / "kiosk.toml", MemoryVault)
    wizard = SetupWizard(staff, FakeSites(), aloop)
    for intent in (wizard.next, wizard.back, lambda: wizard.choose(Choice.NEXUDUS)):
        intent()
    assert wizard.view.step is Step.BACKEND
    assert wizard.view.choice is Choice.EMBEDDED
    wizard.edit("kiosk.name", "x")
    assert not (tmp_path / "kiosk.toml").exists()


def test_the_local_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_timezone() == "America/New_York"
    monkeypatch.setenv("TZ", ":Europe/Berlin")
    assert local_timezone() == "Europe/Berlin"
    monkeypatch.setenv("TZ", "Etc/UTC")  # Debian's name for it: the list says UTC
    assert local_timezone() == "UTC"
    assert local_timezone() in timezones()
    monkeypatch.setenv("TZ", "Mars/Olympus")
    assert is_timezone(local_timezone())  # the machine's own, or UTC
    for bad in ("", "/etc/passwd", "../../etc/passwd", "Mars/Olympus", "Europe/"):
        assert not is_timezone(bad), bad
