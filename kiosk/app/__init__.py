"""The composition root: the only package that imports everything and wires it together.

kiosk.py      `build_app`: config → backend, inputs, flows, window; `KioskApp` routes and applies
backend.py    the backend the configuration names, its HTTP client, the embedded server, sign-ins
staffmode.py  staff mode wired to the window, reaching the kiosk through `RunningKiosk`
run.py        the production process             embedded.py  the kiosk's own server in a thread
eventlog.py   the JSON-lines event log            gcguard.py   garbage collection on the main thread

May import every package but `kiosk.cli`.
"""
