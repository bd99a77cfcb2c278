"""Check-in backends: where a `CheckinRequest` goes and an `Outcome` comes back from.

base.py      the `Backend` protocol and the error tree    http.py  shared httpx helpers
tokens.py    sign-ins as tokens kept until they expire    registry.py  config → backend
nexudus/     Nexudus's check-in API (also our own server's)  kadence/  Kadence's bookings

httpx's errors never leave this package. May import `kiosk.settings` and `kiosk.domain`.
"""
