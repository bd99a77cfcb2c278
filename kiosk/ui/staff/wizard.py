"""The setup wizard's screen: one step at a time, with Back and Next at the bottom.

It renders a `WizardView` and sends intent (`choose`, `next`, `back`, `pick`, `create`, …);
`kiosk.flows.wizard.SetupWizard` decides.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.backends.registry import SPECS, Choice
from kiosk.flows.wizard import Step, WizardView
from kiosk.ui.staff.fields import TextWanted
from kiosk.ui.staff.form import Form, PlaceAdder, PlaceList, left, scrolled
from kiosk.ui.widgets import Option, button, label, restyle

STEPS = (
    ("pin", "Staff PIN"),
    (Step.BACKEND, "Backend"),
    (Step.SIGN_IN, "Sign in"),
    (Step.LOCATION, "Location"),
    (Step.READY, "Ready"),
)


class WizardScreen(Form):
    """Setting the kiosk up, step by step.

    Signals (and a `Form`'s):
        choose(Choice): this backend.
        forward(): on to the next step.
        backward(): back one step.
        pick(str): check members in to this location.
        reload(): ask for the locations again.
    """

    choose = Signal(object)
    forward = Signal()
    backward = Signal()
    pick = Signal(str)
    reload = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("wizard")
        self.view: WizardView | None = None
        self.steps: dict[object, QLabel] = {}
        self.bar = QWidget()
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(4)
        for step, text in STEPS:
            self.steps[step] = label(text, "step")
            bar.addWidget(self.steps[step], 1)
        self.pages: dict[Step, QWidget] = {
            Step.BACKEND: scrolled(self._backend_step(), 8),
            Step.SIGN_IN: scrolled(self._sign_in_step(), 8),
            Step.LOCATION: scrolled(self._location_step(), 8),
            Step.READY: scrolled(self._ready_step(), 8),
        }
        for page in self.pages.values():
            self._stack.addWidget(page)
        self._stack.addWidget(self.entry)
        self.back_button = button("Back", "quiet", "wizard-back")
        self.back_button.clicked.connect(self.backward)
        self.next_button = button("Next", "primary", "wizard-next")
        self.next_button.clicked.connect(self.forward)
        self.footer = QWidget()  # hidden, with the steps, while the keyboard is up
        actions = QHBoxLayout(self.footer)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.back_button, 1)
        actions.addWidget(self.next_button, 2)
        top = QHBoxLayout()
        top.addWidget(label("Set up this kiosk", "subtitle"))
        top.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addLayout(self._stack, 1)
        layout.addWidget(self.footer)

    # steps

    def _backend_step(self) -> list[QWidget]:
        self.options: dict[Choice, Option] = {}
        widgets: list[QWidget] = [left(label("Which check-in backend?", "field-name"))]
        for choice, spec in SPECS.items():
            widget = Option(f"choice-{choice.value}")
            widget.set_text(spec.title, spec.summary)
            widget.clicked.connect(lambda _=False, c=choice: self.choose.emit(c))
            self.options[choice] = widget
            widgets.append(widget)
        return widgets

    def _sign_in_step(self) -> list[QWidget]:
        self.sign_in_title = left(label("", "field-name"))
        self.sign_in_help = left(label("", "small", wrap=True))
        keys = dict.fromkeys(key for spec in SPECS.values() for key in spec.keys)
        self.pairing = self.pair_button("wizard-pair")
        rows = [self.row(key) for key in keys]
        return [self.sign_in_title, self.sign_in_help, *rows, self.pairing]

    def _location_step(self) -> list[QWidget]:
        self.places_note = left(label("", "small", wrap=True))
        self.places = PlaceList("wizard-place-")
        self.places.picked.connect(self.pick)
        self.creating = PlaceAdder("")
        self.creating.asked.connect(self.ask_text)
        self.add_button, self.zone = self.creating.add, self.creating.zone
        reload_ = button("Reload the list", "field", "wizard-reload")
        reload_.clicked.connect(self.reload)
        self.places_code = self.code_button("wizard-code")
        heading = left(label("Where does this kiosk check members in?", "field-name"))
        return [heading, self.places_note, self.places_code, self.places, self.creating, reload_,
                self.row("kiosk.name")]  # fmt: skip

    def _ready_step(self) -> list[QWidget]:
        self.summary = left(label("", "caption", wrap=True))
        return [left(label("The kiosk is ready", "field-name")), self.summary]

    def ask_text(self, wanted: TextWanted) -> None:
        """The keyboard, in place of the step and its Back and Next."""
        super().ask_text(wanted)
        self.footer.hide()
        self.bar.hide()

    def back_from_entry(self, page: QWidget) -> None:
        """After the keyboard, the step showing."""
        self._stack.setCurrentWidget(self.pages[self.view.step] if self.view else page)
        self.footer.show()
        self.bar.show()

    # rendering

    def show_view(self, view: WizardView) -> None:
        """Render `view`."""
        self.view = view
        order = [step for step, _ in STEPS]
        now = order.index(view.step)
        for index, (step, tab) in enumerate(self.steps.items()):
            skipped = step is Step.SIGN_IN and not SPECS[view.choice].signs_in
            state = "now" if index == now else "done" if index < now and not skipped else ""
            restyle(tab, state=state)
        for choice, widget in self.options.items():
            widget.setEnabled(choice not in view.unavailable)
            spec = SPECS[choice]
            why = view.unavailable.get(choice, spec.summary)
            widget.set_text(spec.title, why)
            restyle(widget, selected="yes" if choice is view.choice else "no")
        self.sign_in_title.setText(SPECS[view.choice].sign_in_title)
        self.sign_in_help.setText(SPECS[view.choice].sign_in_help)
        self.show_rows(view.config, view.secrets)
        for key, row in self.rows.items():
            row.setVisible(key == "kiosk.name" or key in SPECS[view.choice].keys)
        self.pairing.setVisible(SPECS[view.choice].pairs)
        self._show_places(view)
        self.summary.setText(summary(view))
        self.back_button.setText("Back" if view.step is not Step.BACKEND else "Staff mode")
        self.back_button.setVisible(view.step is not Step.BACKEND or not view.first)
        ready = "Start the kiosk" if view.first else "Back to staff mode"
        self.next_button.setText(ready if view.step is Step.READY else "Next")
        self.next_button.setEnabled(not view.loading)
        if self._stack.currentWidget() is not self.entry:
            self._stack.setCurrentWidget(self.pages[view.step])

    def _show_places(self, view: WizardView) -> None:
        current = view.config.kiosk.location or (view.places[0].id if view.places else "")
        self.places.show_places(view.places, current)
        self.places_note.setText(view.note)
        self.places_code.setVisible(view.code_wanted)
        self.creating.setVisible(view.can_create)
        self.creating.set_zone(view.timezone)


def summary(view: WizardView) -> str:
    """What the kiosk was set up to do, in words."""
    config = view.config
    backend = SPECS[view.choice].describe(config)
    place = next((p for p in view.places if p.id == config.kiosk.location), None)
    where = f"{place.name} (#{place.id})" if place else "the backend's first location"
    return (
        f"Check-in backend: {backend}\n"
        f"Members check in to: {where}\n"
        f"This kiosk is called: {config.kiosk.name}\n\n"
        "To change anything later, hold the top-left corner for 3 seconds and type the staff "
        "PIN."
    )
