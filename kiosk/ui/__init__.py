"""What people see: the window, the members' screens (member/) and staff mode's (staff/).

window.py   the stack of screens, shown from the flows' views   widgets.py  shared widgets
theme.py    colours, sizes, the style sheet    words.py    the members' four languages
present.py  an `Outcome` in words and tones   sounds.py   a chime with each result
keyboard.py the on-screen keyboard            corner.py   the corner staff hold

Widgets render state and emit intent; they never call a backend, a reader or a database. May
import `kiosk.flows` and everything below it.
"""
