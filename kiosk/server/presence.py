"""Check-ins by Wi-Fi presence, as Nexudus records NetworkActivity (Source 3): a member's
device seen on the space's network checks them in; each further sighting keeps the same
session; `QUIET` without one ends it at the last sighting (the sweeper's work, not the time
it runs). A session the member opened at a kiosk is left alone: a sighting never opens a
second one, and a tap at the kiosk ends a presence session as it ends any other. A member who
checked out at a kiosk or a door is not checked in again by their phone on the way out: after
an explicit check-out, their devices must be away for the quiet time before a sighting counts.

A busy network sees the same devices every minute: an unknown address, or a member the rules
turn away (outside their hours), is written as a failed check-in once an hour, not each time.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kiosk.domain import Action, Reason, Status
from kiosk.macs import MacError, normalise_mac
from kiosk.server import rules
from kiosk.server.keys import InstallKeys
from kiosk.server.store import Store
from kiosk.server.store.models import Location, Member, Origin
from kiosk.server.store.presence import NETWORK

QUIET = timedelta(minutes=15)  # presence.idle_minutes: no sighting this long, and they left
REMEMBER = timedelta(hours=1)  # a refusal for the same device is written once in this time
KEPT = 20_000  # refusals remembered at most


@dataclasses.dataclass(frozen=True)
class Sighting:
    """What a sighting did: the member's status, their name, until when their session runs."""

    status: Status
    member_name: str | None = None
    expires_at: datetime | None = None
    reason: Reason | None = None


class Presence:
    """Turns sightings into sessions."""

    def __init__(self, store: Store, keys: InstallKeys, quiet: timedelta = QUIET) -> None:
        self._store, self._keys, self.quiet = store, keys, quiet
        self._refused: dict[str, datetime] = {}  # the MAC's key → when last written

    def sighted(
        self, mac: str, location: Location, now: datetime, device_id: int | None,
        write: bool = True,
    ) -> Sighting:  # fmt: skip
        """A device with address `mac` was seen at `location`; what became of its member
        (nothing is written unless `write`: a door asking whether the member may come in)."""
        origin = Origin(NETWORK, device_id)
        try:
            key = self._keys.lookup("mac", normalise_mac(mac))
        except MacError:
            key = self._keys.lookup("mac", mac.strip().upper()[:40])
        member = self._store.find_member(mac_key=key)
        if member is None:
            unknown = Reason.UNKNOWN_CREDENTIAL
            if write:
                self._refuse(key, None, location, unknown, now, origin,
                             "No member's device has this MAC address")  # fmt: skip
            return Sighting(Status.REJECTED, reason=unknown)
        name = member.full_name
        open_now = self._store.open_source(member.id)
        if open_now is not None:
            checkin_id, source, expires_at = open_now
            if write and source == NETWORK:
                self._store.seen(checkin_id, now)
            return Sighting(Status.CHECKED_IN, name, expires_at)
        left = self._store.left_lately(member.id)
        if left is not None and now - left[1] < self.quiet:  # on their way out
            if write:
                self._store.seen(left[0], now)
            return Sighting(Status.CHECKED_OUT, name)
        state = self._store.member_state(member, location, now)
        place = rules.Place(location.id, ZoneInfo(location.timezone))
        decision = rules.decide(state, place, now, Action.IN)
        match decision:
            case rules.CheckIn():
                if write:
                    checkin_id = self._store.open_checkin(member, location, decision, now, origin)
                    self._store.seen(checkin_id, now)
                return Sighting(Status.CHECKED_IN, name, decision.expires_at)
            case rules.Refuse(reason):
                if write:
                    self._refuse(key, member, location, reason, now, origin, reason.message)
                return Sighting(Status.REJECTED, name, reason=reason)
            case _:
                return Sighting(Status.CHECKED_IN, name)

    def sweep(self, now: datetime) -> int:
        """End the presence sessions quiet for `quiet`, at their last sighting."""
        return self._store.close_quiet_presence(now - self.quiet, now)

    def _refuse(self, key: str, member: Member | None, location: Location, reason: Reason,
                now: datetime, origin: Origin, why: str) -> None:  # fmt: skip
        last = self._refused.get(key)
        if last is not None and now - last < REMEMBER:
            return
        if len(self._refused) >= KEPT:
            self._refused.pop(next(iter(self._refused)))
        self._refused[key] = now
        self._store.record_failed(member, location, reason, why, now, origin)
