"""`kiosk devices`: the kiosks and door controllers that may check members in.

    kiosk devices add --db DB --name "Front desk"   # prints a one-time pairing code (15 min)
    kiosk devices list --db DB
    kiosk devices code --db DB ID                   # a new code: pair a replaced tablet
    kiosk devices revoke --db DB ID                 # its token stops working at once

On the kiosk, `kiosk config pair URL CODE` (or the setup wizard) exchanges the code for the
device's own token.
"""

from __future__ import annotations

import argparse

from kiosk.cli.common import Sub, db_option, group, install_keys
from kiosk.server.devices import KINDS, DeviceService, NewCode
from kiosk.server.service import AdminError, open_store
from kiosk.server.store import NotFoundError


def add_commands(sub: Sub) -> None:
    """Register `kiosk devices`."""
    devices = group(sub, "devices", "pair kiosks and door controllers with the server")
    add = db_option(devices.add_parser("add", help="add a device; prints its pairing code"))
    add.add_argument("--name", required=True, help='what staff call it, e.g. "Front desk"')
    add.add_argument("--kind", choices=KINDS, default="kiosk")
    add.set_defaults(handler=_add)
    db_option(devices.add_parser("list", help="list devices")).set_defaults(handler=_list)
    code = db_option(devices.add_parser("code", help="a new pairing code for a device"))
    code.add_argument("id", type=int)
    code.set_defaults(handler=_code)
    revoke = db_option(devices.add_parser("revoke", help="end a device's access at once"))
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_revoke)


def _service(args: argparse.Namespace) -> DeviceService:
    store = open_store(args.db)
    return DeviceService(store, install_keys(args.db, store))


def _add(args: argparse.Namespace) -> int:
    try:
        new = _service(args).add(args.name, args.kind)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    _say(new)
    return 0


def _code(args: argparse.Namespace) -> int:
    try:
        new = _service(args).new_code(args.id)
    except (ValueError, NotFoundError) as exc:
        raise AdminError(str(exc)) from None
    _say(new)
    return 0


def _say(new: NewCode) -> None:
    until = new.expires_at.astimezone().strftime("%H:%M")
    print(f"Device {new.device.id} ({new.device.name}, {new.device.kind})")
    print(f"Pairing code: {new.code}  (once, until {until})")
    print("On the kiosk: staff mode → Backend, or `kiosk config pair SERVER_URL CODE`")


def _list(args: argparse.Namespace) -> int:
    devices = open_store(args.db).devices()
    print(f"{'id':>4}  {'name':<32} {'kind':<9} {'state':<20} since")
    for d in devices:
        since = d.revoked_at or d.paired_at or d.created_at
        when = f"{since.astimezone():%Y-%m-%d %H:%M}"
        print(f"{d.id:>4}  {d.name:<32} {d.kind:<9} {d.state:<20} {when}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        device = _service(args).revoke(args.id)
    except NotFoundError as exc:
        raise AdminError(str(exc)) from None
    print(f"Revoked device {device.id} ({device.name}): its token no longer checks anyone in")
    return 0
