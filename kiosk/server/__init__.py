"""The embedded check-in server: a Nexudus-compatible check-in API over SQLite.

api.py      the HTTP API (FastAPI)            wire.py     request parsing, Nexudus shapes
checkin.py  credential → decision → rows      rules.py    pure check-in rules
store.py    the store: db.py → enrolment.py → attendance.py, with rows.py and schema.py
keys.py     password hashes, keyed lookups    runner.py   serve in a thread or a process
admin.py    enrolment and the admin CLI       demo.py     demo members
"""
