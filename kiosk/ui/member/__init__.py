"""The screens a member sees: idle, PIN pad, email, ask (in or out), busy and result.

Each renders what it is given and emits intent; none decides. May import `kiosk.ui`'s shared
modules (widgets, theme, words, present, keyboard) and the vocabulary in `kiosk.domain`.
"""
