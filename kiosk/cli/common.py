"""What the server's command modules share: subcommand groups, the `--db` option, the time,
and the install's keys for a database.

    devices = group(sub, "devices", "pair kiosks and doors with the server")
    add = db_option(devices.add_parser("add", help="…"))
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeAlias

from kiosk.server.keys import InstallKeys, KeyFileError, keys_path_for
from kiosk.server.service import AdminError, hash_clear_cards
from kiosk.server.store import Store
from kiosk.settings.paths import default_db_path

Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def group(sub: Sub, name: str, text: str) -> Sub:
    """A command with subcommands of its own (`kiosk NAME COMMAND`)."""
    parser = sub.add_parser(name, help=text)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def db_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`parser` with the `--db` option."""
    parser.add_argument(
        "--db", type=Path, default=default_db_path(), help="database file (default: %(default)s)"
    )
    return parser


def now() -> datetime:
    """The time, in UTC."""
    return datetime.now(UTC)


def install_keys(db: Path, store: Store) -> InstallKeys:
    """The keys beside `db` (made on first use, never while it has members); `AdminError`."""
    try:
        keys = InstallKeys.load_or_create(keys_path_for(db), members=len(store.members()))
    except (KeyFileError, OSError) as exc:
        raise AdminError(str(exc)) from None
    hash_clear_cards(store, keys)
    return keys
