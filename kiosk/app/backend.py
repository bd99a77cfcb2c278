"""The backend the configuration names, and what comes with it: the kiosk's one HTTP client,
the embedded server (started and stopped as the configuration asks), and the sign-ins.

    host = BackendHost.for_config(config, secrets, backend_url=None)   # the embedded server
    await host.start(config)            # starts it (the window is up already)
    backend = await host.apply(new)     # a changed configuration: the backend to use now

A backend given by a test stays as it is (`BackendHost.fixed`).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from kiosk.app.embedded import db_path, own_device_token, start_embedded
from kiosk.backends.base import Backend
from kiosk.backends.http import describe
from kiosk.backends.local.client import LocalClient
from kiosk.backends.registry import Choice, check_backend, make_backend, spec_of
from kiosk.settings.model import BackendKind, Config, ConfigError
from kiosk.settings.vault import Secret, Vault, VaultError

if TYPE_CHECKING:
    from kiosk.server.runner import ServerThread

log = logging.getLogger(__name__)


class Secrets:
    """The vault, opened on first use and shared by staff mode and the backends' sign-ins."""

    def __init__(self, factory: Callable[[], Vault]) -> None:
        self._factory = factory
        self._vault: Vault | None = None

    def open(self) -> Vault:
        """The vault."""
        if self._vault is None:
            self._vault = self._factory()
        return self._vault

    def get(self, which: Secret) -> str:
        """A secret, or "" when it is not set or cannot be read (logged)."""
        try:
            return self.open().get(which) or ""
        except VaultError as exc:
            log.warning("cannot read %s from the vault: %s", which.value, exc)
            return ""


class BackendHost:
    """Builds the backend the configuration names and keeps what it runs on."""

    def __init__(
        self,
        backend: Backend,
        http: httpx.AsyncClient | None,
        secrets: Secrets,
        backend_url: str | None = None,
        server: ServerThread | None = None,
    ) -> None:
        self.backend = backend
        self.http = http  # None: the backend was given (a test's) and stays
        self.clock = ClockWatch()
        if http is not None:
            self._watch(http)
        self.ca_file: str | None = None  # the one `http` trusts, once a configuration is applied
        self.keep_alive = 0.0  # how long `http` keeps an idle connection
        self.secrets = secrets
        self.backend_url = backend_url  # from the command line: wins over the configuration
        self.server = server  # the embedded server, while one runs
        self._own: tuple[ServerThread, str] | None = None  # its token for this kiosk

    @classmethod
    def for_config(
        cls,
        config: Config,
        secrets: Secrets,
        backend_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        server: ServerThread | None = None,
    ) -> BackendHost:
        """The backend `config` names (an address given wins; a `server` already running at
        it, `kiosk demo`'s, counts as the embedded one); raises `ConfigError`."""
        check_backend(config, backend_url)
        http = http or new_http_client(config)
        choice = None
        if backend_url:
            given = server is not None and server.url == backend_url
            choice = Choice.EMBEDDED if given else Choice.SERVER
        url = backend_url or config.backend.base_url
        backend = make_backend(config, http, url, secrets.get, choice)
        host = cls(backend, http, secrets, backend_url, server)
        host.ca_file, host.keep_alive = config.backend.ca_file, config.backend.keep_alive
        return host

    @classmethod
    def fixed(cls, backend: Backend, secrets: Secrets) -> BackendHost:
        """A backend given as it is (tests): it stays whatever the configuration says."""
        return cls(backend, None, secrets)

    @property
    def client(self) -> LocalClient | None:
        """The backend, when it is our own server."""
        return self.backend if isinstance(self.backend, LocalClient) else None

    @property
    def own_server(self) -> ServerThread | None:
        """The embedded server, when it is the backend in use."""
        client = self.client
        return self.server if client is not None and client.embedded else None

    def check(self, config: Config) -> None:
        """Raise `ConfigError` if this kiosk cannot use `config`'s backend."""
        check_backend(config, self.backend_url)

    async def start(self, config: Config) -> None:
        """Start the embedded server if the backend is it and none runs yet, and pair this
        kiosk with it."""
        client = self.client
        if client is not None and client.embedded and not client.base_url:
            self.server = await asyncio.to_thread(start_embedded, config)
            client.base_url = self.server.url
        await self._pair_with_own(client)

    async def _pair_with_own(self, client: LocalClient | None) -> None:
        """The embedded server (or `kiosk demo`'s) pairs its own kiosk: a token for it, made
        once per server (a new client for a changed setting gets the same one)."""
        server = self.server
        if client is None or not client.embedded or server is None:
            return
        if self._own is None or self._own[0] is not server:
            self._own = (server, await asyncio.to_thread(own_device_token, server))
        client.use_device_token(self._own[1])

    async def apply(self, config: Config) -> Backend | None:
        """Build the backend `config` names, starting or stopping the embedded server; the
        new backend, or None when the backend was given and stays."""
        if self.http is None:
            return None
        made = (self.ca_file, self.keep_alive)
        if self.ca_file is not None and made != (config.backend.ca_file, config.backend.keep_alive):
            old, self.http = self.http, new_http_client(config)  # set at creation: trust, pool
            self._watch(self.http)
            await old.aclose()
        self.ca_file, self.keep_alive = config.backend.ca_file, config.backend.keep_alive
        self.http.timeout = httpx.Timeout(
            config.backend.timeout, connect=config.backend.connect_timeout
        )
        server = self.server
        given = server is not None and self.backend_url == server.url  # `kiosk demo`'s
        url = self.backend_url or config.backend.base_url
        embedded = given or (not url and config.backend.kind is BackendKind.LOCAL)
        moved = not embedded or (server is not None and server.server.db != db_path(config))
        if server is not None and not given and moved:
            await self._stop_server()
        if embedded:
            if self.server is None:
                self.server = await asyncio.to_thread(start_embedded, config)
            url = self.server.url
        choice = Choice.EMBEDDED if embedded else Choice.SERVER if self.backend_url else None
        self.backend = make_backend(config, self.http, url, self.secrets.get, choice)
        await self._pair_with_own(self.client)
        return self.backend

    @property
    def problem(self) -> str:
        """Why the backend could not be reached at the last try, in words ("" if it answered)."""
        return self.http.problem if isinstance(self.http, WatchedClient) else ""

    def _watch(self, http: httpx.AsyncClient) -> None:
        """Compare the backend's clock with ours on each of `http`'s answers."""
        http.event_hooks["response"] = [*http.event_hooks["response"], self.clock.seen]

    def grant_staff_access(self, kept_token: Callable[[], str]) -> None:
        """Give our server's client the admin token staff lists need: the embedded server's
        own, or the one staff kept for a `kiosk serve` server (`kept_token` raises
        `VaultError`)."""
        client = self.client
        if client is None:
            return
        if (own := self.own_server) is not None:
            client.use_admin_token(own.server.keys.admin_token)
            return
        try:
            client.use_admin_token(kept_token())
        except VaultError as exc:
            log.warning("cannot read the admin token: %s", exc)

    def target(self, config: Config) -> str:
        """The backend in use, as the outbox names where an attempt was meant to go: its kind
        and address (the embedded server's changes port each start, so it is "embedded")."""
        if self.http is None:
            return type(self.backend).__name__  # given to `build_app`
        url = self.backend_url or config.backend.base_url
        return f"{config.backend.kind.value} {url or 'embedded'}"

    def name(self, config: Config) -> str:
        """The backend in words, for staff."""
        if self.http is None:
            return type(self.backend).__name__  # given to `build_app`
        if (own := self.own_server) is not None:
            return f"the embedded server ({own.server.db})"
        client = self.client
        if client is None:
            return spec_of(config).describe(config)
        source = " (from the command line)" if self.backend_url else ""
        return f"the kiosk server at {client.base_url or '(no address)'}{source}"

    async def aclose(self) -> None:
        """Close the HTTP client and stop the embedded server."""
        if self.http is not None:
            await self.http.aclose()
        await self._stop_server()

    async def _stop_server(self) -> None:
        """Stop the embedded server, if one runs, and close its database."""
        server, self.server = self.server, None
        if server is not None:
            await asyncio.to_thread(server.stop)
            server.server.store.close()


SKEW_WARNING = 120.0  # seconds between the kiosk's clock and the backend's worth saying


class ClockWatch:
    """How far the backend's clock is from the kiosk's, from the ``Date`` of its answers.

    `skew` is the backend's time minus the kiosk's, in seconds (None until an answer with a
    date came); a second's resolution, and the answer's travel time, are noise under
    `SKEW_WARNING`."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self.skew: float | None = None

    async def seen(self, response: httpx.Response) -> None:
        """An answer came (an httpx response hook)."""
        date = response.headers.get("Date")
        if not date:
            return
        try:
            theirs = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return
        if theirs.tzinfo is None:
            return
        self.skew = (theirs - self._now()).total_seconds()

    def describe(self) -> str:
        """The clocks compared, in words for staff."""
        if self.skew is None:
            return "not compared yet"
        if abs(self.skew) <= SKEW_WARNING:
            return "agrees with the check-in backend"
        way = "behind" if self.skew > 0 else "ahead of"
        return f"{_duration(abs(self.skew))} {way} the check-in backend: check this kiosk's time"


def _duration(seconds: float) -> str:
    """``3 h 4 min``, ``3 min 20 s``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s"


def new_http_client(config: Config) -> WatchedClient:
    """The kiosk's one HTTP client, with the configured timeouts; an HTTPS server's certificate
    is verified (against `backend.ca_file` when one is given: a private CA). An idle
    connection is kept `backend.keep_alive` seconds (httpx's own is 5), so that the next
    member's check-in finds it open: one round trip, no new TCP or TLS handshake."""
    timeout = httpx.Timeout(config.backend.timeout, connect=config.backend.connect_timeout)
    limits = httpx.Limits(max_keepalive_connections=4, keepalive_expiry=config.backend.keep_alive)
    verify = trusted(config)
    return WatchedClient(
        timeout=timeout, headers={"User-Agent": "kiosk"}, verify=verify, limits=limits
    )


class WatchedClient(httpx.AsyncClient):
    """An HTTP client that remembers why the backend could not be reached, in words for
    staff (`problem`; "" since it last answered): it could not connect, timed out, or its
    certificate could not be verified."""

    problem = ""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            response = await super().send(request, **kwargs)
        except httpx.TransportError as exc:
            self.problem = describe(exc)
            raise
        self.problem = ""
        return response


def trusted(config: Config, strict: bool = False) -> ssl.SSLContext:
    """The certificates the kiosk trusts: the system's, or `backend.ca_file`'s. A file that
    is not a CA certificate raises `ConfigError` when `strict`; else it is logged and the
    system's are used (the kiosk still boots; the server's certificate then fails, in words)."""
    ca_file = config.backend.ca_file
    if not ca_file:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(Path(ca_file).expanduser()))
    except (OSError, ssl.SSLError) as exc:
        why = f"backend.ca_file {ca_file!r} cannot be used: {exc}"
        if strict:
            raise ConfigError(why) from None
        log.error("%s; trusting the system's certificates only", why)
        return ssl.create_default_context()
