"""Who's in and failed check-ins in staff mode, from a real check-in server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from kiosk.app.kiosk import KioskApp, build_app
from kiosk.backends.registry import Choice
from kiosk.domain import Action, Reason, Status
from kiosk.flows.checkin import Screen
from kiosk.flows.wizard import Step
from kiosk.inputs.reader import NullSource
from kiosk.inputs.status import ReaderState
from kiosk.server.devices import DeviceService
from kiosk.server.runner import ServerThread
from kiosk.settings import staffpin
from kiosk.settings.file import with_value
from kiosk.settings.model import Config
from kiosk.settings.vault import Secret
from tests.fakes.vault import MemoryVault
from tests.helpers.clock import FakeClock
from tests.helpers.kiosk import CHEAP
from tests.helpers.screens import click, finish_wizard, setting_row, type_text
from tests.helpers.server import demo_server, device_token


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """The demo server on the kiosk's own time: staff lists ask for the last day's check-ins."""
    with demo_server(tmp_path / "server" / "checkin.db", FakeClock(datetime.now(UTC))) as running:
        yield running


def kiosk_on(
    server: ServerThread,
    aloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    vault: MemoryVault,
    given: bool = False,
    paired: bool = True,
) -> KioskApp:
    """A kiosk at the server's first location, staff PIN 246813; `given`: the server is handed
    to it as `kiosk demo` does (its own), else it is a `kiosk serve` on the network."""
    config = with_value(Config(), "staff.pin_hash", staffpin.hash_pin("246813", CHEAP))
    config = with_value(config, "kiosk.location", "1")
    if not given and paired:  # paired with the server, as `kiosk config pair` leaves it
        vault.set(Secret.DEVICE_TOKEN, device_token(server))
    return build_app(
        config,
        aloop,
        backend_url=server.url,
        source=NullSource(ReaderState.OFF),
        config_path=tmp_path / "kiosk.toml",
        vault=lambda: vault,
        server=server if given else None,
    )


@contextlib.contextmanager
def closed_after(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, kiosk: KioskApp
) -> Iterator[KioskApp]:
    """`kiosk` on screen, closed (its tasks ended) when the block ends, however it ends."""
    qtbot.addWidget(kiosk.window)
    try:
        yield kiosk
    finally:
        closing = aloop.create_task(kiosk.aclose())
        qtbot.waitUntil(closing.done, timeout=10000)


def assert_checks_in(qtbot: QtBot, kiosk: KioskApp, pin: str) -> None:
    """The member with `pin` is welcomed (staff mode closed, the idle screen back)."""
    kiosk.controller.cancel()
    with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as welcomed:
        kiosk.present_pin(pin)
    assert welcomed.args[1].status is Status.CHECKED_IN


@pytest.mark.parametrize("token", [True, False])
def test_who_is_in_and_failed_check_ins_from_a_kiosk_serve_server(
    qtbot: QtBot,
    aloop: asyncio.AbstractEventLoop,
    server: ServerThread,
    tmp_path: Path,
    token: bool,
) -> None:
    vault = MemoryVault()
    if token:
        vault.set(Secret.ADMIN_TOKEN, server.server.keys.admin_token)
    kiosk = kiosk_on(server, aloop, tmp_path, vault)
    with closed_after(qtbot, aloop, kiosk):
        with qtbot.waitSignal(kiosk.controller.place_changed, timeout=10000):
            kiosk.controller.start()
        for pin in ("12345", "99999"):  # Ada, then a PIN nobody has
            with qtbot.waitSignal(kiosk.controller.finished, timeout=10000):
                kiosk.present_pin(pin)
        staff = kiosk.staff.staff
        staff.request()
        staff.enter_pin("246813")
        screen = kiosk.window.staff
        screen.open_page("Who's in")
        qtbot.waitUntil(lambda: bool(screen.people.text()) and bool(screen.failures.text()))
        if token:
            assert screen.people.text().startswith("Ada Lovelace · since ")
            assert "unknown" in screen.failures.text()
            assert "99999" not in screen.failures.text()
        else:
            assert screen.people.text() == (
                "Cannot be shown: needs the server's admin token (Backend page)"
            )
        assert server.server.keys.admin_token not in screen.people.text()


def test_the_demos_own_server_is_the_embedded_one_and_stays_up_when_a_setting_changes(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, server: ServerThread, tmp_path: Path
) -> None:
    """`kiosk demo` hands its server to the kiosk: staff lists use its admin token at once,
    and a backend setting changed in staff mode keeps using it (it used to be stopped)."""
    vault = MemoryVault()  # no admin token kept: the server's own is used
    kiosk = kiosk_on(server, aloop, tmp_path, vault, given=True)
    qtbot.addWidget(kiosk.window)
    try:
        assert kiosk.own_server is server
        assert kiosk.own_db == server.server.db
        with qtbot.waitSignal(kiosk.controller.place_changed, timeout=10000):
            kiosk.controller.start()
        kiosk.apply(with_value(kiosk.config, "backend.timeout", 7.0))
        settled = aloop.create_task(kiosk.settled())
        qtbot.waitUntil(settled.done, timeout=10000)
        assert kiosk.host.server is server
        assert kiosk.own_server is server
        with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as finished:
            kiosk.present_pin("12345")
        assert finished.args[1].member == "Ada Lovelace"
        assert kiosk.status().backend == f"the embedded server ({server.server.db})"
    finally:
        kiosk.host.server = None  # the test's fixture stops it
        closing = aloop.create_task(kiosk.aclose())
        qtbot.waitUntil(closing.done, timeout=10000)


def test_ask_mode_names_the_member_from_the_server_without_checking_them_in(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, server: ServerThread, tmp_path: Path
) -> None:
    """Ask mode asks the server whose PIN it is with ``DoNotCheckIn`` while the member
    chooses: the question names them, nothing is written until they choose, and a PIN
    nobody has is refused at once."""
    vault = MemoryVault()
    vault.set(Secret.ADMIN_TOKEN, server.server.keys.admin_token)
    kiosk = kiosk_on(server, aloop, tmp_path, vault)
    kiosk.apply(with_value(kiosk.config, "kiosk.mode", "ask"))
    store = server.server.store
    with closed_after(qtbot, aloop, kiosk):
        with qtbot.waitSignal(kiosk.controller.place_changed, timeout=10000):
            kiosk.controller.start()
        kiosk.present_pin("12345")
        qtbot.waitUntil(lambda: kiosk.window.ask.title.text() == "Ada, arriving or leaving?")
        assert store.checkins().total == 0
        assert store.failed_checkins().total == 0
        with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as finished:
            kiosk.controller.choose(Action.IN)
        assert finished.args[1].status is Status.CHECKED_IN
        assert store.checkins().total == 1
        with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as finished:
            kiosk.present_pin("99999")
        assert finished.args[1].reason is Reason.UNKNOWN_CREDENTIAL
        assert kiosk.window.view.screen is Screen.RESULT
        assert store.failed_checkins().total == 1  # the refusal is on record


def test_staff_pair_the_kiosk_from_the_backend_page(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, server: ServerThread, tmp_path: Path
) -> None:
    """A kiosk pointed at a `kiosk serve` server but not paired is refused (401, in words for
    staff); staff type the code `kiosk devices add` printed, and the next check-in works."""
    vault = MemoryVault()
    kiosk = kiosk_on(server, aloop, tmp_path, vault, paired=False)  # --backend-url, unpaired
    with closed_after(qtbot, aloop, kiosk):
        with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as refused:
            kiosk.present_pin("12345")
        assert "only paired devices may check members in" in refused.args[1].raw_message
        code = DeviceService(server.server.store, server.server.keys).add("Front desk").code
        staff = kiosk.staff.staff
        staff.request()
        staff.enter_pin("246813")
        screen = kiosk.window.staff
        screen.open_page("Backend")
        assert screen.pairing.isVisibleTo(screen)
        click(qtbot, screen.pairing)
        type_text(qtbot, screen, code.lower())
        qtbot.waitUntil(lambda: screen.message.text().startswith("Paired with"), timeout=10000)
        assert "as device 1 (Front desk)" in screen.message.text()
        assert vault.get(Secret.DEVICE_TOKEN)
        assert code not in screen.message.text()
        staff.close()
        assert_checks_in(qtbot, kiosk, "56789")


def test_staff_pair_the_kiosk_from_the_wizard_and_only_for_a_kiosk_server(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, server: ServerThread, tmp_path: Path
) -> None:
    """The wizard's sign-in step offers pairing for a `kiosk serve` server only (never for
    Nexudus or Kadence); the code typed there pairs the kiosk, and it checks members in."""
    vault = MemoryVault()
    kiosk = kiosk_on(server, aloop, tmp_path, vault, paired=False)
    with closed_after(qtbot, aloop, kiosk):
        staff = kiosk.staff.staff
        staff.request()
        staff.enter_pin("246813")
        wizard = kiosk.window.wizard
        click(qtbot, kiosk.window.staff.findChild(QPushButton, "wizard"))
        assert kiosk.window.showing is wizard
        for choice, pairs in (
            (Choice.NEXUDUS, False),
            (Choice.KADENCE, False),
            (Choice.SERVER, True),
        ):
            click(qtbot, wizard.options[choice])
            click(qtbot, wizard.next_button)
            assert kiosk.staff.wizard.view.step is Step.SIGN_IN
            assert wizard.pairing.isVisibleTo(wizard) is pairs, choice
            click(qtbot, wizard.back_button)
        click(qtbot, wizard.options[Choice.SERVER])
        click(qtbot, wizard.next_button)
        click(qtbot, setting_row(wizard, "backend.url").buttons["change"])
        type_text(qtbot, wizard, server.url)
        code = DeviceService(server.server.store, server.server.keys).add("Lobby").code
        click(qtbot, wizard.pairing)
        type_text(qtbot, wizard, code)
        qtbot.waitUntil(lambda: wizard.message.text().startswith("Paired with"), timeout=10000)
        assert "as device 1 (Lobby)" in wizard.message.text()
        assert vault.get(Secret.DEVICE_TOKEN)
        finish_wizard(qtbot, kiosk)
        staff.close()
        assert_checks_in(qtbot, kiosk, "56789")
