"""Render every screen and state to PNG, for people to look at: ``make screenshots``.

    python scripts/screenshots.py [OUT_DIR]      (default docs/screenshots)

Each state is rendered at 1280×800 and 800×1280 (and the main ones at 1920×1080) with a fixed
clock, from the same window the kiosk shows; no backend is involved.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

from kiosk.backends.base import FailedCheckin, Place, Presence
from kiosk.backends.registry import Choice
from kiosk.domain import Credential, CredentialKind, Outcome, Reason, Status, UidFormat
from kiosk.flows.checkin import Attempt, Screen, View
from kiosk.flows.staff import CHOOSE, StaffState, StaffView
from kiosk.flows.wizard import Step, WizardView
from kiosk.inputs.camera import CameraState
from kiosk.inputs.pcsc.cardid import all_formats
from kiosk.inputs.status import ReaderState
from kiosk.passes import render_png
from kiosk.settings.file import with_value
from kiosk.settings.model import Config, Language
from kiosk.settings.vault import FileVault, Secret
from kiosk.ui.member.idle import Method
from kiosk.ui.staff.fields import SettingRow
from kiosk.ui.staff.screen import Health, TapInfo
from kiosk.ui.window import KioskWindow

NOW = datetime(2026, 3, 2, 9, 48, tzinfo=UTC)
SIZES = [(1280, 800), (800, 1280)]
MAIN = {"idle", "idle-branded", "pin", "result-welcome", "result-no_valid_pass", "email-password"}
CANNOT = "The backend's locations cannot be listed: "
ATTEMPT = Attempt(Credential(CredentialKind.PIN, "12345"), 0.0)


def states() -> list[tuple[str, View, dict[str, object]]]:
    """(name, view, extra settings) for every screen and state."""
    expire = NOW + timedelta(hours=7, minutes=12, seconds=30)
    out: list[tuple[str, View, dict[str, object]]] = [
        ("idle", View(Screen.IDLE), {"methods": {Method.TAP, Method.SCAN, Method.PIN}}),
        ("idle-pin-only", View(Screen.IDLE), {"methods": {Method.PIN}, "online": False}),
        ("idle-no-reader", View(Screen.IDLE), {"reader": ReaderState.NO_READER}),
        (
            "idle-camera",
            View(Screen.IDLE),
            {"methods": {Method.SCAN, Method.PIN}, "camera": CameraState.READY, "preview": True},
        ),
        ("idle-no-camera", View(Screen.IDLE), {"camera": CameraState.NO_CAMERA}),
        ("idle-branded", View(Screen.IDLE), _branded()),
        ("pin", View(Screen.PIN), {"digits": "123"}),
        ("pin-too-short", View(Screen.PIN), {"digits": "12", "submit": True}),
        ("ask", View(Screen.ASK), {}),
        ("busy", View(Screen.BUSY), {}),
        (
            "result-welcome",
            _result(Outcome(Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire)),
            {},
        ),
        (
            "result-welcome-no-name",
            _result(Outcome(Status.CHECKED_IN, member=None, session_expire=expire)),
            {},
        ),
        (
            "result-goodbye",
            _result(Outcome(Status.CHECKED_OUT, member="Bartholomew Okafor-Smith")),
            {},
        ),
        ("result-queued", _result(Outcome(Status.QUEUED, member="Ada Lovelace")), {}),
    ]
    for reason in Reason:
        out.append((f"result-{reason.value}", _result(Outcome(Status.REJECTED, reason=reason)), {}))
    wait = Outcome(Status.REJECTED, reason=Reason.RATE_LIMITED, retry_after=30.0)
    out.append(("result-rate_limited-wait", _result(wait), {}))
    mistyped = Outcome(Status.REJECTED, reason=Reason.UNKNOWN_CREDENTIAL)
    again = View(Screen.RESULT, mistyped, ATTEMPT, 5.0, retry=Screen.PIN)
    out.append(("result-try-again", again, {}))
    out += _email_states()
    for language in (Language.DE, Language.FR, Language.ES):
        config = with_value(Config(), "kiosk.language", language.value)
        everything = {"methods": {Method.TAP, Method.SCAN, Method.PIN}, "config": config}
        out.append((f"idle-{language}", View(Screen.IDLE), everything))
        welcome = _result(Outcome(Status.CHECKED_IN, member="Ada Lovelace", session_expire=expire))
        out.append((f"result-welcome-{language}", welcome, {"config": config}))
        refused = _result(Outcome(Status.REJECTED, reason=Reason.ACCESS_RESTRICTED))
        out.append((f"result-access_restricted-{language}", refused, {"config": config}))
        out.append((f"pin-{language}", View(Screen.PIN), {"config": config, "digits": "12"}))
        desk = _result(Outcome(Status.REJECTED, reason=Reason.NO_BOOKING))
        out.append((f"result-no_booking-{language}", desk, {"config": config}))
        email = {"config": config, "then": _email("ada@example.com", "pw", submit=False)}
        out.append((f"email-{language}", View(Screen.EMAIL), email))
    for name, staff in _staff_states().items():
        out.append((f"staff-{name}", View(Screen.IDLE), {"then": staff}))
    return out


def _email_states() -> list[tuple[str, View, dict[str, object]]]:
    """The idle screen offering email, and the email screen as members meet it."""
    kadence = {Method.SCAN, Method.EMAIL}
    nexudus = {Method.TAP, Method.SCAN, Method.PIN, Method.EMAIL}
    return [
        ("idle-kadence", View(Screen.IDLE), {"methods": kadence}),
        ("idle-nexudus", View(Screen.IDLE), {"methods": nexudus}),
        ("email", View(Screen.EMAIL), {"then": _email("ada@exam", None, submit=False)}),
        ("email-not-an-address", View(Screen.EMAIL), {"then": _email("ada@", None, submit=True)}),
        (
            "email-password",
            View(Screen.EMAIL),
            {"then": _email("ada@example.com", "pw", submit=False)},
        ),
        (
            "email-password-missing",
            View(Screen.EMAIL),
            {"then": _email("ada@example.com", "", submit=True)},
        ),
    ]


def _email(address: str, password: str | None, submit: bool) -> Callable[[KioskWindow], None]:
    """Type on the email screen (`password` None: the backend wants none), and press OK."""

    def show(window: KioskWindow) -> None:
        screen = window.email
        screen.set_password_wanted(password is not None)
        screen.address.setText(address)
        if password:
            screen.password.setText(password)
        if submit:
            screen.submit()

    return show


def _staff_states() -> dict[str, Callable[[KioskWindow], None]]:
    """Staff mode's screens, each set up as staff would see it."""
    config = Config()

    def pin_pad(view: StaffView, digits: str = "") -> Callable[[KioskWindow], None]:
        def show(window: KioskWindow) -> None:
            window.show_staff(view)
            for digit in digits:
                window.staff_pin.pad.press(digit)

        return show

    def page(
        title: str,
        then: Callable[[KioskWindow], None] | None = None,
        shown: Config = config,
        message: str = "Saved kiosk.mode",
    ) -> Callable[[KioskWindow], None]:
        def show(window: KioskWindow) -> None:
            window.show_staff(StaffView(StaffState.OPEN, message))
            window.staff.show_config(shown, {Secret.PASSWORD})
            window.staff.open_page(title)
            if then is not None:
                then(window)

        return show

    def places(window: KioskWindow) -> None:
        window.staff.show_places(
            [Place("1", "Main Street", None), Place("2", "Harbour Annex", None)], "1"
        )

    def own_places(window: KioskWindow) -> None:  # the embedded server: staff may add one
        window.staff.show_places([Place("1", "Main Street", None)], "1", can_create=True)
        window.staff.adder.set_zone("Europe/Paris")

    def code_wanted(window: KioskWindow) -> None:
        problem = f"{CANNOT}Nexudus asks for this admin's two-factor code"
        window.staff.show_places([], "", problem, code_wanted=True)

    def code(window: KioskWindow) -> None:
        window.staff.places_code.click()
        window.staff.entry.field.setText("482 910")

    def tap(window: KioskWindow) -> None:
        uid = bytes.fromhex("04A1B2C3D4E5F6")
        window.staff.show_tap(TapInfo(tuple(all_formats(uid)), UidFormat.HEX, "ACS ACR122U 00 00"))

    def people(window: KioskWindow) -> None:
        since = NOW - timedelta(hours=2)
        window.staff.show_people(
            [
                Presence("Ada Lovelace", since),
                Presence("Eve Moreau", since + timedelta(minutes=47)),
            ],
            [
                FailedCheckin(
                    NOW - timedelta(minutes=5), "Dev Patel", "The member's plan is not active"
                ),
                FailedCheckin(NOW - timedelta(minutes=9), None, "PIN not recognised"),
            ],
            lambda t: f"{t:%a %H:%M}",
        )

    def health(window: KioskWindow) -> None:
        window.staff.show_health(
            Health(
                "ready (ACS ACR122U 00 00)",
                NOW,
                "the embedded server (/var/lib/kiosk/checkin.db)",
                True,
                NOW,
                "agrees with the check-in backend",
                "0.1.0",
                "/home/kiosk/.config/kiosk/kiosk.toml",
                FileVault(Path("/home/kiosk/.config/kiosk/kiosk.secrets.json")).where,
            ),
            lambda t: f"{t:%a %H:%M}",
        )

    def wizard(
        view: WizardView, message: str = "", then: Callable[[KioskWindow], None] | None = None
    ) -> Callable[[KioskWindow], None]:
        def show(window: KioskWindow) -> None:
            window.show_staff(StaffView(StaffState.WIZARD, message, error="Type" in message))
            window.wizard.show_view(view)
            if then is not None:
                then(window)

        return show

    def again(window: KioskWindow) -> None:  # the first new PIN typed: the same again
        window.show_staff(StaffView(StaffState.SETUP, CHOOSE))
        for digit in "135792":
            window.staff_pin.pad.press(digit)
        window.staff_pin.pad.submit()

    def zone(window: KioskWindow) -> None:
        window.wizard.zone.click()

    start = WizardView(Step.BACKEND, Choice.EMBEDDED, config)
    nexudus_config = with_value(
        with_value(config, "backend.kind", "nexudus"), "backend.subdomain", "myspace"
    )
    nexudus = dataclasses.replace(
        start,
        step=Step.SIGN_IN,
        choice=Choice.NEXUDUS,
        config=nexudus_config,
        secrets=frozenset({Secret.PASSWORD}),
    )
    kadence = dataclasses.replace(
        start,
        step=Step.SIGN_IN,
        choice=Choice.KADENCE,
        config=with_value(config, "backend.client_id", "kiosk-reception"),
        secrets=frozenset({Secret.CLIENT_SECRET}),
    )
    nexudus_code = dataclasses.replace(
        nexudus,
        step=Step.LOCATION,
        note=f"{CANNOT}Nexudus asks for this admin's two-factor code",
        code_wanted=True,
    )
    empty = dataclasses.replace(
        start,
        step=Step.LOCATION,
        note="There are no locations yet: add the first one below.",
        can_create=True,
        timezone="Europe/Paris",
    )
    listed = dataclasses.replace(
        start, step=Step.LOCATION, places=(Place("1", "Main Street"), Place("2", "Harbour Annex"))
    )
    ready = dataclasses.replace(
        listed, step=Step.READY, config=with_value(config, "kiosk.location", "2")
    )

    def keyboard(window: KioskWindow) -> None:
        name = window.staff.rows["kiosk.name"]
        assert isinstance(name, SettingRow)
        name.buttons["change"].click()
        window.staff.entry.field.setText("Reception east")

    return {
        "setup": pin_pad(StaffView(StaffState.SETUP, CHOOSE)),
        "setup-again": again,
        "auth": pin_pad(StaffView(StaffState.AUTH, "Wrong PIN · 3 tries left", error=True), "12"),
        "locked": pin_pad(StaffView(StaffState.LOCKED, "", locked_for=60.0, error=True)),
        "checkin": page("Check-in"),
        "location": page("Location", places),
        "location-own-server": page("Location", own_places),
        "backend": page("Backend"),
        "backend-nexudus": page("Backend", shown=nexudus_config),
        "location-code-wanted": page("Location", code_wanted, nexudus_config, ""),
        "code-keyboard": page("Location", code, nexudus_config, ""),
        "reader": page("Reader", tap),
        "qr": page("QR"),
        "staff": page("Staff", tap, with_value(config, "staff.cards", ["0A0B0C0D"])),
        "whos-in": page("Who's in", people),
        "branding": page("Branding", shown=_branded()["config"]),  # type: ignore[arg-type]
        "health": page("Health", health),
        "keyboard": page("Location", keyboard),
        "wizard-backend": wizard(start, "The staff PIN is set"),
        "wizard-nexudus": wizard(nexudus, "Type the Nexudus subdomain first"),
        "wizard-kadence": wizard(kadence),
        "wizard-location-code": wizard(nexudus_code),
        "wizard-location-empty": wizard(empty),
        "wizard-location-zone-keyboard": wizard(empty, then=zone),
        "wizard-location": wizard(listed),
        "wizard-ready": wizard(ready),
    }


def _branded() -> dict[str, object]:
    """A site's own look: Harbour Works' logo, teal, welcome line and lobby photo (and the
    members' speaker button)."""
    config = Config()
    for key, value in (
        ("branding.accent", "#0b7a75"),
        ("branding.welcome", "Welcome to Harbour Works"),
        ("branding.logo", "/srv/kiosk/logo.png"),
        ("branding.background", "/srv/kiosk/lobby.jpg"),
        ("kiosk.sound_button", True),
    ):
        config = with_value(config, key, value)
    return {
        "methods": {Method.TAP, Method.SCAN, Method.PIN},
        "config": config,
        "images": lambda: (_png(_logo()), _png(_lobby())),  # drawn once there is an app
    }


def _logo() -> QPixmap:
    """A made-up logo: a teal wave in a circle."""
    logo = QPixmap(160, 160)
    logo.fill(QColor(0, 0, 0, 0))
    painter = QPainter(logo)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#0b7a75"))
    painter.setPen(QPen(QColor("#e6fffb"), 8))
    painter.drawEllipse(8, 8, 144, 144)
    wave = QPainterPath()
    wave.moveTo(28, 96)
    wave.cubicTo(56, 56, 80, 136, 132, 76)
    painter.drawPath(wave)
    painter.end()
    return logo


def _lobby() -> QPixmap:
    """A made-up lobby photo: warm light over a floor."""
    lobby = QPixmap(1280, 800)
    painter = QPainter(lobby)
    light = QLinearGradient(0, 0, 1280, 800)
    light.setColorAt(0, QColor("#e0b070"))
    light.setColorAt(0.5, QColor("#6a8f8a"))
    light.setColorAt(1, QColor("#20343a"))
    painter.fillRect(lobby.rect(), light)
    painter.end()
    return lobby


def _png(picture: QPixmap) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, "PNG")
    return bytes(data.data())


def _preview() -> QLabel:
    """What the camera preview shows: a pass held up, in a grey room (no camera here)."""
    code = QPixmap()
    code.loadFromData(render_png("CKP1" + "0123456789ABCDEF" * 8, box_size=1))
    frame = QPixmap(240, 135)
    frame.fill(QColor(90, 90, 96))
    painter = QPainter(frame)
    painter.drawPixmap((240 - code.width()) // 2, (135 - code.height()) // 2, code)
    painter.end()
    shown = QLabel()
    shown.setPixmap(frame)
    return shown


def _result(outcome: Outcome) -> View:
    return View(Screen.RESULT, outcome, ATTEMPT, 5.0)


def render(out: Path) -> list[Path]:
    """Write every PNG into `out`; returns their paths."""
    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for width, height in [*SIZES, (1920, 1080)]:
        for name, view, extra in states():
            if (width, height) == (1920, 1080) and name not in MAIN:
                continue
            window = shown(view, extra, width, height)
            app.processEvents()
            app.processEvents()  # a widget shown in a scroll area's page settles in a second pass
            path = out / f"{name}-{width}x{height}.png"
            window.grab().save(str(path))
            written.append(path)
            dispose(window)
    return written


def shown(view: View, extra: dict[str, object], width: int, height: int) -> KioskWindow:
    """A kiosk window of `width`×`height` showing `view`, set up as `extra` says (the layout
    audit in tests/ui checks the same windows)."""
    config = extra.get("config", Config())
    assert isinstance(config, Config)
    window = KioskWindow(config, clock=lambda: NOW)
    window.set_place(Place("1", "Demo Space", "Europe/Paris"))
    window.set_methods(extra.get("methods", {Method.PIN}))  # type: ignore[arg-type]
    tap = Method.TAP in extra.get("methods", ())  # type: ignore[operator]
    ready = ReaderState.READY if tap else None
    window.idle.set_reader(extra.get("reader", ready))  # type: ignore[arg-type]
    window.idle.set_backend(extra.get("online", True))  # type: ignore[arg-type]
    window.idle.set_camera(extra.get("camera"))  # type: ignore[arg-type]
    if extra.get("preview"):
        window.idle.set_preview(_preview())
    images = extra.get("images")
    if callable(images):
        window.show_images(*images())
    window.result.countdown.clock = lambda: 0.0  # the bar full, the spinner still: the same
    window.busy.spinner.clock = lambda: 0.125  # picture every time the script runs
    window.idle.clock.setText("10:48")
    window.idle.date.setText(window.words.date(NOW))
    window.resize(width, height)
    window.show()
    window.setFocus()  # as `show_kiosk` does: no button shows a focus ring until Tab
    window.show_view(view)
    for digit in str(extra.get("digits", "")):
        window.pin.press(digit)
    if extra.get("submit"):
        window.pin.submit()
    then = extra.get("then")
    if callable(then):
        then(window)
    return window


def dispose(window: KioskWindow) -> None:
    """Close and delete a window `shown` made."""
    window.allow_close = True
    window.close()
    window.deleteLater()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    print(f"{len(render(target))} screenshots in {target}")
