"""What staff do to the check-in server's records, for the CLI and the kiosk alike.

    member = enrol(store, keys, Enrolment(name="Ada", email="ada@example.com", pin="12345"), now)
    place = add_location(db, "Main hall", "Europe/Paris", now)

Input is validated and secrets are hashed here, before the store sees them. Every failure is an
`AdminError` with a message for a person (a terminal or a staff screen), never a traceback.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.macs import MacError, check_mac, mac_tail, normalise_mac
from kiosk.server.checkin import normalise_card
from kiosk.server.keys import InstallKeys, hash_password
from kiosk.server.store import Store, StoreError
from kiosk.server.store.models import Location, Member

PIN_RE = re.compile(r"^[0-9]{4,8}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CARD_RE = re.compile(r"^([0-9A-F]{1,64}|[0-9]{1,5}:[0-9]{1,5})$")


class AdminError(Exception):
    """An admin command cannot do what was asked; the message says why."""


@dataclasses.dataclass(frozen=True)
class Enrolment:
    """A new member as typed by staff, secrets in clear until `enrol` hashes them."""

    name: str
    email: str
    password: str | None = dataclasses.field(default=None, repr=False)
    pin: str | None = dataclasses.field(default=None, repr=False)
    cards: Sequence[str] = ()
    tokens: Sequence[str] = dataclasses.field(default=(), repr=False)
    tariff: str | None = None
    teams: Sequence[str] = ()
    plan_active: bool = True
    active: bool = True
    passes: int = 0
    passes_from: date | None = None
    passes_until: date | None = None
    macs: Sequence[str] = ()  # the member's devices, for check-in by Wi-Fi presence


def edit_macs(
    store: Store, keys: InstallKeys, member: Member, add: Sequence[str], remove: Sequence[str]
) -> list[tuple[int, str]]:
    """Enrol the devices `add` and remove `remove` (MAC addresses) in one step; the member's
    devices after; `AdminError` saying which address is wrong."""
    try:
        adding, removing = [check_mac(m) for m in add], [normalise_mac(m) for m in remove]
    except MacError as exc:
        raise AdminError(f"--mac {exc}") from None
    try:
        with store.transaction():
            for mac in removing:
                if not store.forget_mac(member.id, keys.lookup("mac", mac)):
                    raise AdminError(f"{member.email} has no device ••:••:••:••:{mac_tail(mac)}")
            for mac in adding:
                store.add_mac(member.id, keys.lookup("mac", mac), mac_tail(mac))
    except StoreError as exc:
        raise AdminError(str(exc)) from None
    return store.macs_of(member.id)


def enrol(store: Store, keys: InstallKeys, e: Enrolment, now: datetime) -> Member:
    """Validate and store `e`; raises `AdminError` with a message naming the field."""
    if not e.name.strip():
        raise AdminError("--name must not be empty")
    if not EMAIL_RE.match(e.email):
        raise AdminError(f"--email {e.email!r} is not an email address")
    if e.pin is not None and not PIN_RE.match(e.pin):
        raise AdminError("--pin must be 4 to 8 digits")
    cards = [normalise_card(c) for c in e.cards]
    for raw, card in zip(e.cards, cards, strict=True):
        if not CARD_RE.match(card):
            raise AdminError(
                f"--card {raw!r} must be hexadecimal or decimal digits, or a Wiegand pair"
                " like 161:45763"
            )
    try:
        macs = [check_mac(m) for m in e.macs]
    except MacError as exc:
        raise AdminError(f"--mac {exc}") from None
    if any(len(t) < 8 for t in e.tokens):
        raise AdminError("--token must be at least 8 characters")
    if e.passes < 0:
        raise AdminError("--passes must not be negative")
    try:
        with store.transaction():
            member = store.add_member(
                full_name=e.name.strip(),
                email=e.email,
                now=now,
                password_hash=hash_password(e.password) if e.password else None,
                pin_key=keys.lookup("pin", e.pin) if e.pin else None,
                cards=[keys.card(c) for c in cards],
                token_keys=[keys.lookup("token", t) for t in e.tokens],
                teams=e.teams,
                plan=e.tariff,
                plan_active=e.plan_active,
                active=e.active,
            )
            for mac in macs:
                store.add_mac(member.id, keys.lookup("mac", mac), mac_tail(mac))
            if e.passes:
                store.grant_passes(
                    member.id, e.passes, e.passes_from or now.date(), e.passes_until, now
                )
    except StoreError as exc:
        raise AdminError(str(exc)) from None
    return store.member(member.id)


def hash_clear_cards(store: Store, keys: InstallKeys) -> int:
    """Store card ids kept in clear by an older version as keyed hashes; how many there were."""
    clear = store.clear_cards()
    if clear:
        store.hash_cards((keys.card(normalise_card(card)), member) for card, member in clear)
    return len(clear)


def open_store(db: Path, create: bool = False) -> Store:
    """The store at `db`, or an `AdminError` saying why it cannot be opened; a database that
    does not exist is made only when `create` (a mistyped ``--db`` would otherwise answer from
    a new, empty one)."""
    if not create and not Path(db).exists():
        raise AdminError(
            f"there is no database at {db} (a mistyped --db?); `kiosk members add`,"
            " `kiosk locations add` and `kiosk serve` make one"
        )
    try:
        return Store(db)
    except (OSError, sqlite3.Error, StoreError) as exc:
        raise AdminError(f"cannot open database {db}: {exc}") from None


def check_timezone(timezone: str) -> None:
    """Raise `AdminError` unless `timezone` is an IANA time zone name."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(f"{timezone!r} is not an IANA time zone") from None


def add_location(db: Path, name: str, timezone: str, now: datetime) -> Location:
    """Add a location to the database at `db` (over a connection of its own, closed after)."""
    check_timezone(timezone)
    store = open_store(db, create=True)
    try:
        return store.add_location(name, timezone, now)
    except StoreError as exc:
        raise AdminError(str(exc)) from None
    finally:
        store.close()
