"""The kiosk window: one screen at a time, keys routed to the PIN pad, hardened for kiosks.

The window renders the controller's `View` and passes intent on; it decides nothing. It is
fullscreen, frameless and on top; close requests (Alt+F4, the window manager) are ignored
until `allow_close` is set (staff mode, or the app quitting).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QPixmap, QResizeEvent, QScreen
from PySide6.QtWidgets import QAbstractButton, QLayout, QStackedLayout, QWidget

from kiosk.backends.base import Place
from kiosk.flows.checkin import Screen, View
from kiosk.flows.staff import StaffState, StaffView
from kiosk.settings.model import Config
from kiosk.ui import theme
from kiosk.ui.announce import Announcer, QtAnnouncer
from kiosk.ui.corner import CornerHold
from kiosk.ui.member.ask import AskScreen
from kiosk.ui.member.asleep import AsleepScreen
from kiosk.ui.member.busy import BusyScreen
from kiosk.ui.member.email import EmailScreen
from kiosk.ui.member.idle import IdleScreen, Method
from kiosk.ui.member.pinpad import PinScreen
from kiosk.ui.member.result import ResultScreen
from kiosk.ui.present import describe, member_name
from kiosk.ui.staff.auth import StaffPinScreen
from kiosk.ui.staff.screen import StaffScreen
from kiosk.ui.staff.wizard import WizardScreen
from kiosk.ui.words import Words

TITLE = "Check-in kiosk"


_TOUCHES = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin})


class KioskWindow(QWidget):
    """The screens in a stack; shows the `View` it is given.

    Signals:
        pin_requested(): the member wants the PIN pad (button, or a digit typed at idle).
        email_requested(): the member wants to type their email.
        idle_touched(): the idle screen, or the dark one, was touched (a member is coming).
        painted(View): the view was painted for the first time.
        staff_built(StaffScreen): staff mode's main screen was just built.
        wizard_built(WizardScreen): the setup wizard's screen was just built.
    """

    pin_requested = Signal()
    email_requested = Signal()
    idle_touched = Signal()
    painted = Signal(object)
    staff_built = Signal(object)
    wizard_built = Signal(object)

    def __init__(
        self,
        config: Config,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        announcer: Announcer | None = None,
    ) -> None:
        """`announcer`: tells a screen reader each result and notice (Qt's bridge if None)."""
        super().__init__()
        self.announcer: Announcer = announcer or QtAnnouncer()
        self.setWindowTitle(TITLE)
        self.setObjectName("window")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.allow_close = False
        self._clock = clock
        self._config = config
        self._place: Place | None = None
        self._scale = 0.0
        self._accent = config.branding.accent
        self.words = Words(config.kiosk.language, config.kiosk.locale)
        self.idle = IdleScreen(config.kiosk.name, self.words)
        self.idle.set_welcome(config.branding.welcome)
        self.idle.set_sound_button(config.kiosk.sound_button and not config.kiosk.sounds)
        self.pin = PinScreen(config.pin.length, config.pin.submit_on_length)
        self.email = EmailScreen(self.words)
        self.ask = AskScreen()
        self.busy = BusyScreen()
        self.result = ResultScreen()
        self.asleep = AsleepScreen()
        self.screens: dict[Screen, QWidget] = {
            Screen.IDLE: self.idle,
            Screen.PIN: self.pin,
            Screen.EMAIL: self.email,
            Screen.ASK: self.ask,
            Screen.BUSY: self.busy,
            Screen.RESULT: self.result,
            Screen.ASLEEP: self.asleep,
        }
        self._stack = QStackedLayout(self)
        # the screen decides the size; each screen adapts to it (portrait or landscape)
        self._stack.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        for screen in self.screens.values():
            self._stack.addWidget(screen)
            screen.installEventFilter(self)
        self.staff_pin = StaffPinScreen()
        self._staff: StaffScreen | None = None  # built when staff mode first opens
        self._wizard: WizardScreen | None = None
        self._stack.addWidget(self.staff_pin)
        self.staff_view = StaffView(StaffState.CLOSED)
        self.corner = CornerHold(self)
        self.idle.pin_requested.connect(self.pin_requested)
        for screen in (self.idle, self.pin, self.email):
            screen.said.connect(lambda text, w=screen: self.announcer.announce(w, text))
        self.idle.email_requested.connect(self.email_requested)
        self.view = View(Screen.IDLE)
        self._unpainted: View | None = self.view
        self._retranslate()  # the words, and what each control says to a screen reader
        self.resize(1280, 800)
        self._watched: QScreen | None = None  # whose size the fullscreen window follows

    def apply(self, config: Config) -> None:
        """Use `config` (PIN length, names on screen, the kiosk's name)."""
        self._config = config
        self.pin.configure(config.pin.length, config.pin.submit_on_length)
        self.idle.kiosk_name.setText(config.kiosk.name)
        self.idle.set_welcome(config.branding.welcome)
        self.idle.set_sound_button(config.kiosk.sound_button and not config.kiosk.sounds)
        if config.branding.accent != self._accent:
            self._accent = config.branding.accent
            if self._scale:
                self.setStyleSheet(theme.style_sheet(self._scale, self._accent))
        words = Words(config.kiosk.language, config.kiosk.locale)
        if words != self.words:
            self.words = words
            self._retranslate()
        if config.kiosk.hide_cursor:
            self.setCursor(Qt.CursorShape.BlankCursor)
        else:
            self.unsetCursor()

    def show_view(self, view: View) -> None:
        """Render `view`."""
        previous, self.view = self.view.screen, view
        if view.screen is Screen.RESULT and view.outcome is not None:
            timezone = self._place.timezone if self._place else None
            first_name_only = self._config.kiosk.first_name_only
            text = describe(view.outcome, self._clock(), timezone, first_name_only, self.words)
            self.result.show_result(text, view.seconds, view.retry is not None, view.kept)
            if not view.kept:
                said = ". ".join(part for part in (text.title, text.detail, text.hint) if part)
                self.announcer.announce(self.result, said)
        elif previous is Screen.RESULT:
            self.result.clear()
        if view.screen is Screen.ASK:
            member = view.outcome.member if view.outcome else None
            self.ask.show_member(member_name(member, self._config.kiosk.first_name_only))
        if previous is Screen.PIN and view.screen is not Screen.PIN:
            self.pin.reset()
        if view.screen is Screen.IDLE and previous is not Screen.IDLE:
            self.idle.speaker.setChecked(False)  # the member's sound was for their own result
        if view.screen is Screen.EMAIL and previous is not Screen.EMAIL:
            self.email.open()
        elif previous is Screen.EMAIL and view.screen is not Screen.EMAIL:
            self.email.reset()
        self.busy.set_active(view.screen is Screen.BUSY)
        self._unpainted = view
        if self.staff_view.state is StaffState.CLOSED:
            self._stack.setCurrentWidget(self.screens[view.screen])
            if previous is not view.screen and view.screen is not Screen.EMAIL:
                self.setFocus()  # no button keeps a focus ring from the screen before
        self.screens[view.screen].update()

    def _retranslate(self) -> None:
        """The members' screens in the configured language (staff mode stays in English)."""
        self.idle.retranslate(self.words)
        self.pin.retranslate(self.words)
        self.email.retranslate(self.words)
        self.ask.retranslate(self.words)
        self.busy.retranslate(self.words)
        self.result.retranslate(self.words)

    @property
    def staff(self) -> StaffScreen:
        """Staff mode's main screen, built the first time it is needed: its ~40 settings
        take longer to build than every member screen together, so not at start-up."""
        if self._staff is None:
            self._staff = StaffScreen()
            self._staff.set_portrait(self.height() > self.width())
            self._stack.addWidget(self._staff)
            self.staff_built.emit(self._staff)
        return self._staff

    @property
    def wizard(self) -> WizardScreen:
        """The setup wizard's screen, built the first time it is needed."""
        if self._wizard is None:
            self._wizard = WizardScreen()
            self._wizard.set_portrait(self.height() > self.width())
            self._stack.addWidget(self._wizard)
            self.wizard_built.emit(self._wizard)
        return self._wizard

    def show_staff(self, view: StaffView) -> None:
        """Render staff mode's `view` over the members' screens, or leave it when closed."""
        self.staff_view = view
        if view.state is StaffState.CLOSED:
            self.staff_pin.pad.reset()
            self.staff_pin.choosing = False
            self._stack.setCurrentWidget(self.screens[self.view.screen])
            self.setFocus()
            return
        if view.state is StaffState.WIZARD:
            self.staff_pin.choosing = False
            self.wizard.show_message(view.message, view.error)
            self._stack.setCurrentWidget(self.wizard)
            return
        self.staff_pin.show_view(view)
        if view.state is StaffState.OPEN:
            self.staff.show_message(view.message, view.error)
        if view.state is StaffState.OPEN and not self.staff_pin.choosing:
            self._stack.setCurrentWidget(self.staff)
        else:
            self._stack.setCurrentWidget(self.staff_pin)

    def ask_new_staff_pin(self) -> None:
        """Show the staff PIN pad to choose a new staff PIN."""
        self.staff_pin.ask_new()
        self._stack.setCurrentWidget(self.staff_pin)

    def back_to_staff(self) -> None:
        """From choosing a new staff PIN back to the staff screen."""
        self.staff_pin.choosing = False
        if self.staff_view.state is StaffState.OPEN:
            self._stack.setCurrentWidget(self.staff)
        elif self.staff_view.state is StaffState.WIZARD:
            self._stack.setCurrentWidget(self.wizard)

    @property
    def showing(self) -> QWidget:
        """The screen on top."""
        widget = self._stack.currentWidget()
        assert widget is not None
        return widget

    def set_place(self, place: Place) -> None:
        """The location this kiosk checks members in to."""
        self._place = place
        self.idle.set_place(place.name, place.timezone)

    def show_images(self, logo: bytes | None, background: bytes | None) -> list[str]:
        """The site's logo and background picture (None: none); what could not be shown,
        in words for staff."""
        problems = []
        pictures: list[QPixmap | None] = []
        for what, data in (("The logo", logo), ("The background picture", background)):
            picture = QPixmap()
            if data is not None and not picture.loadFromData(data):
                problems.append(f"{what} is not a picture the kiosk can show (PNG, JPEG, SVG)")
            pictures.append(None if data is None or picture.isNull() else picture)
        self.idle.set_logo(pictures[0])
        self.idle.set_background(pictures[1])
        return problems

    def set_methods(self, methods: set[Method]) -> None:
        """The ways to check in that this kiosk offers."""
        self.idle.set_methods(methods)

    # keys

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key, text = event.key(), event.text()
        digit = text.isdigit() and len(text) == 1
        focused = self.focusWidget()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and isinstance(focused, QAbstractButton) and focused.isVisible():
            focused.click()  # a button reached with Tab: Enter presses it, as Space does
            event.accept()
            return
        if self.staff_view.state is not StaffState.CLOSED:
            # the staff PIN pad; the staff screen's fields take their own keys
            handled = self.showing is self.staff_pin and self.staff_pin.pad.key(key, text)
        else:
            if digit and self.view.screen in (Screen.IDLE, Screen.RESULT, Screen.ASLEEP):
                self.pin_requested.emit()
            if self.view.screen is Screen.PIN:
                handled = self.pin.key(key, text)
            elif self.view.screen is Screen.ASK and key == Qt.Key.Key_Escape:
                self.ask.cancel.click()
                handled = True
            elif self.view.screen is Screen.RESULT and key == Qt.Key.Key_Escape:
                self.result.done.emit()
                handled = True
            elif self.view.screen is Screen.EMAIL and key == Qt.Key.Key_Escape:
                self.email.cancel.click()
                handled = True
            else:
                handled = digit  # a digit on any other screen is swallowed
        if handled:
            event.accept()
        else:
            event.ignore()

    # painting and looks

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _TOUCHES and watched in (self.idle, self.asleep):
            self.idle_touched.emit()
        if event.type() == QEvent.Type.Paint and self._unpainted is not None:
            view = self._unpainted
            if watched is self.screens[view.screen]:
                self._unpainted = None
                # with the window as context: dropped, not run, if it is deleted first
                QTimer.singleShot(0, self, lambda: self.painted.emit(view))
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        scale = theme.scale_for(self.width(), self.height())
        if scale != self._scale:
            self._scale = scale
            self.setStyleSheet(theme.style_sheet(scale, self._accent))
            self.idle.rescale(scale)
            self.pin.rescale(scale)
            self.staff_pin.pad.rescale(scale)
            self.corner.size = round(120 * scale)
            self.result.rescale(scale)
        portrait = self.height() > self.width()
        self.idle.set_portrait(portrait)
        self.pin.set_portrait(portrait)
        self.staff_pin.pad.set_portrait(portrait)
        for form in (self._staff, self._wizard):
            if form is not None:
                form.set_portrait(portrait)
        self.ask.set_portrait(portrait)
        self.email.set_portrait(portrait)
        super().resizeEvent(event)

    # kiosk hardening

    def show_kiosk(self, windowed: bool, hide_cursor: bool) -> None:
        """Fullscreen, frameless and on top; or a normal window for development."""
        if hide_cursor:
            self.setCursor(Qt.CursorShape.BlankCursor)
        if windowed:
            self.show()
        else:
            self.setWindowFlags(
                self.windowFlags()
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
            self._fill_screen()
            self.showFullScreen()
        handle = self.windowHandle()
        if handle is not None:
            handle.installEventFilter(self.corner)
            if not windowed:
                handle.screenChanged.connect(lambda _: self._fill_screen())
        self.activateWindow()
        self.setFocus()

    def _fill_screen(self) -> None:
        """Take the whole screen the window is on: without a window manager (a bare X server,
        a common kiosk set-up) `showFullScreen` alone leaves the window at its own size. Not on
        Wayland, where the compositor sizes a fullscreen window (cage: the whole output) and a
        size set first leaves it blank."""
        if QGuiApplication.platformName().startswith("wayland"):
            return
        screen = self.screen()  # the primary screen until the window is placed on another
        if screen is not self._watched:
            if self._watched is not None:
                self._watched.geometryChanged.disconnect(self._fill_screen)
            screen.geometryChanged.connect(self._fill_screen)  # turned, or a new mode
            self._watched = screen
        self.setGeometry(screen.geometry())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.allow_close:
            event.accept()
        else:
            event.ignore()
