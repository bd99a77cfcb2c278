"""``kiosk admins``: the web admin's accounts.

kiosk admins add --email ops@example.com      asks for the password (twice, no echo),
                                              or reads it from standard input
kiosk admins list
kiosk admins remove --email ops@example.com
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.cli.common import Sub, db_option, group, now
from kiosk.server.admins import Passwords, add_admin, remove_admin
from kiosk.server.service import AdminError, open_store


def add_commands(sub: Sub) -> None:
    """Register `admins` and its subcommands."""
    admins = group(sub, "admins", "accounts of the web admin")
    add = db_option(admins.add_parser("add", help="add an account (password asked or piped)"))
    add.add_argument("--email", required=True)
    add.set_defaults(handler=_add)
    db_option(admins.add_parser("list", help="list accounts")).set_defaults(handler=_list)
    remove = db_option(admins.add_parser("remove", help="remove an account"))
    remove.add_argument("--email", required=True)
    remove.set_defaults(handler=_remove)


def _add(args: argparse.Namespace) -> int:
    password = _password()
    admin = add_admin(open_store(args.db), Passwords(), args.email, password, now())
    print(f"Added admin {admin.id}: {admin.email}")
    return 0


def _password() -> str:
    """The password from standard input's first line, or asked twice on a terminal."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise AdminError("no password on standard input")
        return password
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise AdminError("the two passwords differ")
    return password


def _list(args: argparse.Namespace) -> int:
    admins = open_store(args.db).admins()
    for admin in admins:
        print(f"{admin.id:>4}  {admin.email:<32} since {admin.created_at:%Y-%m-%d}")
    print(f"{len(admins)} admin account(s)")
    return 0


def _remove(args: argparse.Namespace) -> int:
    remove_admin(open_store(args.db), args.email)
    print(f"Removed admin {args.email}")
    return 0
