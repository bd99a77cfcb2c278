"""Card readers over PC/SC: pyscard behind a small boundary, and the thread that watches them.

scard.py       the boundary: pyscard's calls and codes become ours (`Pcsc`, `PcscError`, …)
supervisor.py  `PcscSupervisor`: waits for readers and cards, reads each tap, reports health
tags.py        what a tap is (card UID, phone token)     feedback.py  the reader's beep and LED
cardid.py      card UIDs written in each format access systems use
"""
