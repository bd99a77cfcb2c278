"""The embedded check-in server: a Nexudus-compatible check-in API over SQLite.

store.py   SQLite storage, schema migrations     rules.py   pure check-in rules
keys.py    password hashes, keyed lookups         checkin.py credential → decision → rows
api.py     the HTTP API (FastAPI)                 runner.py  serve in a thread or process
admin.py   enrolment used by the CLI              demo.py    demo members
"""
