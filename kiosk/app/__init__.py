"""The composition root: the only package that imports everything and wires it together.

kiosk.py      `build_app`: config → backend, inputs, flows, window; `KioskApp` and `run`
staffmode.py  staff mode wired to the window, the reader and the backend
eventlog.py   the JSON-lines event log            gcguard.py  garbage collection on the main thread

May import every package but `kiosk.cli`.
"""
