"""The embedded check-in server: a Nexudus-compatible check-in API over SQLite.

http/       the HTTP API (FastAPI) and Nexudus's wire shapes
store/      SQLite: connection and migrations, enrolment, attendance, rows, records
checkin.py  credential → decision → rows       rules.py    pure check-in rules
service.py  enrolment and locations, validated  keys.py     password hashes, keyed lookups
runner.py   serve in a thread or a process      demo.py     demo members
qrpass.py   signed QR passes for members

May import `kiosk.domain`, `kiosk.passes` and `kiosk.files` only: the kiosk and the CLI use the
server, never the other way round.
"""
