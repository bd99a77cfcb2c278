"""Where credentials come from: card readers, keyboard-wedge scanners and the camera.

pcsc/      PC/SC readers (cards and NFC phones)    reader.py  taps → `Credential`s on the Qt loop
wedge.py   a scanner typing into the window         camera.py  QR codes in camera frames
codes.py   what a scanned text is (a pass, an email) status.py  a reader's health

Each input emits `Credential`s or a `ReadFailure`, and its own health; a missing device is a
null input with a status, never a crash. May import `kiosk.settings` and `kiosk.domain`.
"""
