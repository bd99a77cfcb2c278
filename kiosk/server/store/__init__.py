"""SQLite storage for the check-in server, in three layers (each its own module).

    db.Database          connection, migrations, transactions, errors
    enrolment.Enrolment  locations, plans, members, credentials, day passes
    attendance.Attendance  member state for the rules, sessions, failed check-ins, listings
    roster.Roster        members found and edited, credentials one by one, plans, locations
    summaries.Summaries  check-ins over a range whole, and counted by SQLite for reports
    devices.Devices      the devices that may check members in, and their pairing codes
    presence.PresenceLog sessions opened by a member's device on the network, and their end
    fleet.Fleet          the devices' heartbeats, pushed settings and cards offered for enrolment
    admins.Admins        the web admin's accounts, sessions and first sign-in link

Only these modules speak SQL, so another database can be added beside them without
touching the rules.
"""

from __future__ import annotations

from kiosk.server.store.admins import Admins
from kiosk.server.store.attendance import Attendance
from kiosk.server.store.db import DuplicateError, NotFoundError, StoreError
from kiosk.server.store.devices import Devices
from kiosk.server.store.fleet import Fleet
from kiosk.server.store.presence import PresenceLog
from kiosk.server.store.roster import Roster
from kiosk.server.store.summaries import Summaries

__all__ = ["DuplicateError", "NotFoundError", "Store", "StoreError"]


class Store(Attendance, Roster, Summaries, PresenceLog, Devices, Fleet, Admins):
    """The server's database; `path` may be ``":memory:"`` for tests."""
