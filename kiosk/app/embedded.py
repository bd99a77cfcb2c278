"""The embedded check-in server: the kiosk's own, on a free loopback port, in a thread.

    server = start_embedded(config)     # its database: backend.db, or the user data directory
    server.url                          # http://127.0.0.1:PORT
    token = own_device_token(server)    # the kiosk checks members in as its own paired device

A database that cannot be opened is a `ConfigError` that says which and why.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.settings.model import Config, ConfigError
from kiosk.settings.paths import default_db_path

if TYPE_CHECKING:
    from kiosk.server.runner import ServerThread

log = logging.getLogger(__name__)


def db_path(config: Config) -> Path:
    """Where the embedded server keeps its database."""
    return Path(config.backend.db).expanduser() if config.backend.db else default_db_path()


def start_embedded(config: Config) -> ServerThread:
    """The embedded check-in server on a free loopback port, in a thread."""
    from kiosk.server.keys import KeyFileError
    from kiosk.server.runner import ServerThread, open_server
    from kiosk.server.store import StoreError

    db = db_path(config)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        server = open_server(db)
    except (OSError, StoreError, KeyFileError) as exc:
        raise ConfigError(f"cannot open the embedded server's database {db}: {exc}") from None
    if not server.store.locations():
        log.warning(
            "the embedded server at %s has no locations yet: add one with "
            "`kiosk locations add --db %s --name NAME`",
            db,
            db,
        )
    thread = ServerThread(server)
    return thread.start()


def own_device_token(server: ServerThread) -> str:
    """A device token for the kiosk whose own server this is (renewed at each start)."""
    from kiosk.server.devices import DeviceService

    return DeviceService(server.server.store, server.server.keys).self_pair()
