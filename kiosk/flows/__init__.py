"""The kiosk's state machines, QObjects without widgets: intent in, immutable views out.

checkin.py  a member's credential → check → result (the kiosk's controller)
staff.py    who gets into staff mode, and every change to the configuration
wizard.py   the setup wizard's steps
tasks.py    the one helper for background work, used by every state machine

May import `kiosk.backends`, `kiosk.inputs`, `kiosk.settings` and `kiosk.domain`; never `ui`.
"""
