"""Running the server: in the foreground (`kiosk serve`) or in a background thread.

>>> import httpx
>>> with ServerThread(open_server(":memory:")) as server:
...     httpx.get(server.url + "/health").status_code
200
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import uvicorn
from fastapi import FastAPI

from kiosk.server.guard import KEEP_ALIVE, guarded
from kiosk.server.http.api import create_app
from kiosk.server.keys import InstallKeys, keys_path_for
from kiosk.server.service import hash_clear_cards
from kiosk.server.store import Store
from kiosk.server.store.db import StorageError, storage_error
from kiosk.systemd import Notifier

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Server:
    """A server's parts: its app, its store and the install's keys."""

    app: FastAPI
    store: Store
    keys: InstallKeys
    keys_path: Path | None
    db: Path | None = None  # None: in memory


def open_server(
    db: Path | str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sweep_seconds: float = 30.0,
    init: bool = False,
    open_checkin: bool = False,
    allow_origins: frozenset[str] = frozenset(),
    **options: Any,
) -> Server:
    """Open (creating if needed) the database at `db` and build the app over it.

    Refuses, with `StorageError` or `KeyFileError` saying why, a database that is corrupt, a
    zero-byte file where one was expected (unless `init`: start afresh), and a database with
    members whose key file is gone (a new key would lock them all out). Only paired devices
    may check members in, unless `open_checkin`; `options` go to `create_app` (`monotonic`,
    `retain_failed`)."""
    if str(db) == ":memory:":
        store = Store(db)
        keys = InstallKeys.generate()
        app = create_app(store, keys, clock, sweep_seconds, open_checkin, allow_origins, **options)
        return Server(app, store, keys, None, None)
    path = Path(db)
    store = open_checked(path, init)
    try:
        keys_path = keys_path_for(path)
        keys = InstallKeys.load_or_create(keys_path, members=len(store.members()))
        if hashed := hash_clear_cards(store, keys):
            log.info("%d card ids stored in clear are now keyed hashes", hashed)
    except BaseException:
        store.close()
        raise
    app = create_app(store, keys, clock, sweep_seconds, open_checkin, allow_origins, **options)
    return Server(app, store, keys, keys_path, path)


def open_checked(path: Path, init: bool = False) -> Store:
    """The store at `path`, checked: not an empty file (unless `init`), not corrupt."""
    if path.is_file() and path.stat().st_size == 0:
        if not init:
            raise StorageError(
                f"{path} is an empty file (0 bytes), not a database: restore it from a "
                "backup, or start afresh with `kiosk serve --init`"
            )
        path.unlink()
    try:
        store = Store(path)
    except sqlite3.DatabaseError as exc:
        why = storage_error(exc)
        raise StorageError(f"{path}: {why}; restore it from a backup") from None
    problem = store.health(time.monotonic())
    if problem is not None and problem.startswith("corrupt"):
        store.close()
        raise StorageError(f"{path} is {problem}; restore it from a backup")
    return store


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one.

    The protocol is given explicitly: asyncio sets TCP_NODELAY only on sockets whose `proto`
    is TCP, and without it every response waits ~40 ms for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@dataclasses.dataclass(frozen=True)
class Tls:
    """The server's certificate chain and private key (PEM files): it serves HTTPS."""

    certfile: Path
    keyfile: Path

    def options(self) -> dict[str, Any]:
        """uvicorn's settings for them."""
        return {"ssl_certfile": str(self.certfile), "ssl_keyfile": str(self.keyfile)}


def serve_forever(
    server: Server, sock: socket.socket, access_log: bool = True, tls: Tls | None = None
) -> None:
    """Serve on `sock` until Ctrl-C or SIGTERM; SIGTERM is a normal stop (exit status 0).

    uvicorn shuts down gracefully, then re-raises the signal under the handler it found;
    ours turns SIGTERM into `SystemExit(0)`, as systemd and process managers expect.
    """
    config = uvicorn.Config(
        server.app,
        log_config=None,
        access_log=access_log,
        timeout_graceful_shutdown=5,
        http=guarded(),
        timeout_keep_alive=int(KEEP_ALIVE),
        **(tls.options() if tls else {}),
    )
    previous = signal.signal(signal.SIGTERM, _exit_normally)
    try:
        Supervised(config, Notifier.from_environment()).run(sockets=[sock])
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.store.close()


class Supervised(uvicorn.Server):
    """uvicorn that tells systemd when it serves and pings the watchdog from its own loop (a
    loop that hangs stops the pings, and systemd restarts the service)."""

    TICK = 0.1  # uvicorn's main loop ticks ten times a second

    def __init__(self, config: uvicorn.Config, notifier: Notifier) -> None:
        super().__init__(config)
        self.notifier = notifier
        interval = notifier.watchdog_interval
        self._ticks_per_ping = max(1, int(interval / self.TICK)) if interval else 0

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.notifier.ready("serving check-ins")

    async def on_tick(self, counter: int) -> bool:
        if self._ticks_per_ping and counter % self._ticks_per_ping == 0:
            self.notifier.ping()
        return bool(await super().on_tick(counter))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.notifier.stopping()
        await super().shutdown(sockets)


def _exit_normally(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


class ServerThread:
    """The server on a loopback port in a daemon thread; a context manager."""

    def __init__(
        self, server: Server, host: str = "127.0.0.1", port: int = 0, tls: Tls | None = None
    ) -> None:
        self.server = server
        self._sock = bind(host, port)
        bound_host, bound_port = self._sock.getsockname()[:2]
        self.url = f"{'https' if tls else 'http'}://{bound_host}:{bound_port}"
        config = uvicorn.Config(
            server.app,
            log_config=None,
            access_log=False,
            lifespan="on",
            http=guarded(),
            timeout_keep_alive=int(KEEP_ALIVE),
            **(tls.options() if tls else {}),
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="checkin-server", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._uvicorn.serve(sockets=[self._sock]))

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start serving; returns once the server accepts requests."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the check-in server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._uvicorn.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
