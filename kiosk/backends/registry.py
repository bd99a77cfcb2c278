"""Every backend the kiosk can use, one `BackendSpec` each: what the wizard, the staff pages and
the composition root need to know about it, in one place.

    spec = spec_of(config)                      # SPECS[Choice.NEXUDUS]
    spec.check(config)                          # raises ConfigError: "… needs backend.subdomain"
    backend = spec.build(Wiring(config, http, url, secret))

Adding a backend is a folder beside `nexudus/` and `kadence/` with its client, and one entry in
`SPECS` (plus its name in `settings.model.BackendKind`, the configuration's vocabulary).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable

import httpx

from kiosk.backends.base import Backend
from kiosk.backends.kadence.client import HOSTS, KadenceClient, KadenceLogin
from kiosk.backends.local.client import LocalClient
from kiosk.backends.nexudus.client import NexudusClient
from kiosk.backends.nexudus.login import NexudusLogin
from kiosk.settings.model import BackendKind, Config, ConfigError
from kiosk.settings.vault import Secret

NEXUDUS_API = "https://spaces.nexudus.com"


class Choice(enum.StrEnum):
    """Where check-ins go, as staff choose it (the first is the default)."""

    EMBEDDED = "embedded"  # our own server, inside the kiosk
    SERVER = "server"  # a `kiosk serve` server on the network
    NEXUDUS = "nexudus"
    KADENCE = "kadence"


@dataclasses.dataclass(frozen=True)
class Wiring:
    """What building a backend takes: the configuration, the app's one HTTP client, where the
    server answers (a URL given on the command line wins), and the vault's reader (a secret
    changed in staff mode is used from the next sign-in on)."""

    config: Config
    http: httpx.AsyncClient
    url: str
    secret: Callable[[Secret], str]


@dataclasses.dataclass(frozen=True)
class Needed:
    """A setting a backend cannot do without: its key, what it is in words for staff, and the
    `BackendSettings` attribute that tells it is there (a property may combine two keys)."""

    key: str
    words: str
    attribute: str = ""
    alternative: str = ""  # another key that gives it too

    def there(self, config: Config) -> bool:
        """Whether `config` has it."""
        return bool(getattr(config.backend, self.attribute or self.key.split(".")[1]))


@dataclasses.dataclass(frozen=True)
class BackendSpec:
    """One backend as staff choose it."""

    choice: Choice
    kind: BackendKind  # what the configuration says
    title: str  # the wizard's button, and its second line
    summary: str
    build: Callable[[Wiring], Backend]
    keys: tuple[str, ...] = ()  # settings and secrets staff type to sign in
    needed: Needed | None = None
    staff_keys: tuple[str, ...] = ()  # shown on the staff Backend page besides `keys`
    sign_in_title: str = ""  # the wizard's sign-in step (none without `keys`)
    sign_in_help: str = ""
    describe: Callable[[Config], str] = lambda config: ""
    two_factor: bool = False  # its sign-in may ask staff for a two-factor code
    pairs: bool = False  # the kiosk pairs with it (a `kiosk serve` server): a one-time code

    @property
    def signs_in(self) -> bool:
        """Whether staff type a sign-in for it (the wizard's sign-in step)."""
        return bool(self.keys)

    def check(self, config: Config) -> None:
        """Raise `ConfigError` unless `config` has what this backend needs."""
        if self.needed is not None and self.missing(config):
            needed = self.needed
            keys = f"{needed.key} or {needed.alternative}" if needed.alternative else needed.key
            raise ConfigError(f"backend.kind = {self.kind.value!r} needs {keys} ({needed.words})")

    def missing(self, config: Config) -> str:
        """What staff must type first, in words, or "" (`config` as if this were chosen)."""
        chosen = dataclasses.replace(config.backend, kind=self.kind)
        if self.needed is None or self.needed.there(dataclasses.replace(config, backend=chosen)):
            return ""
        return self.needed.words


def _local(embedded: bool) -> Callable[[Wiring], Backend]:
    def build(wiring: Wiring) -> Backend:
        pin_field = wiring.config.backend.pin_field
        token = "" if embedded else wiring.secret(Secret.DEVICE_TOKEN)  # the embedded: at start
        return LocalClient(
            wiring.http, wiring.url, pin_field, embedded=embedded, device_token=token
        )

    return build


def _nexudus(wiring: Wiring) -> Backend:
    """Nexudus at its subdomain; `backend.url` (a proxy, a test) stands for all its hosts."""
    backend = wiring.config.backend
    api = backend.url.rstrip("/") or NEXUDUS_API
    token_url = backend.token_url or f"{api}/api/token"
    login = NexudusLogin(
        wiring.http, backend.username, lambda: wiring.secret(Secret.PASSWORD), token_url
    )
    return NexudusClient(wiring.http, wiring.url, backend.pin_field, api_url=api, auth=login)


def _kadence(wiring: Wiring) -> Backend:
    """Kadence at its region's hosts, or at `backend.url` and `backend.token_url`."""
    backend = wiring.config.backend
    login_url, api_url = HOSTS[backend.region.value]
    login = KadenceLogin(
        wiring.http,
        backend.client_id,
        lambda: wiring.secret(Secret.CLIENT_SECRET),
        backend.token_url or login_url,
    )
    return KadenceClient(wiring.http, login, backend.url or api_url)


SPECS: dict[Choice, BackendSpec] = {
    Choice.EMBEDDED: BackendSpec(
        Choice.EMBEDDED,
        BackendKind.LOCAL,
        "This kiosk's own check-in server",
        "Works at once: members, plans and passes are kept on this kiosk",
        _local(embedded=True),
        staff_keys=("backend.db",),
        describe=lambda config: "this kiosk's own check-in server",
    ),
    Choice.SERVER: BackendSpec(
        Choice.SERVER,
        BackendKind.LOCAL,
        "A kiosk server on your network",
        "Several kiosks share one `kiosk serve`",
        _local(embedded=False),
        keys=("backend.url", Secret.ADMIN_TOKEN.value),
        needed=Needed("backend.url", "the server's address"),
        sign_in_title="Where is the kiosk server?",
        sign_in_help=(
            "Pair this kiosk with a code from `kiosk devices add` on the server. The admin"
            " token is needed only to see who is in from staff mode."
        ),
        pairs=True,
        describe=lambda config: f"the kiosk server at {config.backend.url}",
    ),
    Choice.NEXUDUS: BackendSpec(
        Choice.NEXUDUS,
        BackendKind.NEXUDUS,
        "Nexudus",
        "Check members in to your Nexudus space",
        _nexudus,
        keys=("backend.subdomain", "backend.username", Secret.PASSWORD.value),
        needed=Needed("backend.subdomain", "the Nexudus subdomain", "base_url", "backend.url"),
        sign_in_title="Your Nexudus space",
        sign_in_help=(
            "Check-in needs only the subdomain (myspace for myspace.spaces.nexudus.com). An "
            "admin's email and password let staff mode list your locations and who is in."
        ),
        describe=lambda config: f"Nexudus ({config.backend.subdomain}.spaces.nexudus.com)",
        two_factor=True,
    ),
    Choice.KADENCE: BackendSpec(
        Choice.KADENCE,
        BackendKind.KADENCE,
        "Kadence",
        "Desk bookings checked in with Kadence",
        _kadence,
        keys=("backend.region", "backend.client_id", Secret.CLIENT_SECRET.value),
        needed=Needed("backend.client_id", "the Kadence client id"),
        sign_in_title="Your Kadence API client",
        sign_in_help=(
            "Create an API client in Kadence (Settings › Integrations) with scope public."
        ),
        describe=lambda config: f"Kadence (API client {config.backend.client_id})",
    ),
}


def choice_of(config: Config, url: str | None = None) -> Choice:
    """The choice `config` makes (an address `url` from the command line: a kiosk server)."""
    backend = config.backend
    if url or (backend.kind is BackendKind.LOCAL and backend.url):
        return Choice.SERVER
    return first_choice(backend.kind)


def first_choice(kind: BackendKind) -> Choice:
    """The first choice of `kind` (our own server: the embedded one)."""
    return next(spec.choice for spec in SPECS.values() if spec.kind is kind)


def spec_of(config: Config, url: str | None = None) -> BackendSpec:
    """The spec of the backend `config` names."""
    return SPECS[choice_of(config, url)]


def keys_for(kind: BackendKind) -> frozenset[str]:
    """The settings and secrets of the backends of `kind` (the staff Backend page's rows)."""
    return frozenset(
        key for spec in SPECS.values() if spec.kind is kind for key in spec.keys + spec.staff_keys
    )


def backend_keys() -> frozenset[str]:
    """Every backend's own settings and secrets."""
    return frozenset().union(*(keys_for(kind) for kind in BackendKind))


def check_backend(config: Config, url: str | None = None) -> None:
    """Raise `ConfigError` unless the backend `config` names has what it needs (an address
    `url` given on the command line wins over the configuration)."""
    if not url:
        spec_of(config).check(config)


def make_backend(
    config: Config,
    http: httpx.AsyncClient,
    url: str,
    secret: Callable[[Secret], str],
    choice: Choice | None = None,
) -> Backend:
    """The backend `config` names, or `choice` (an address from the command line is a kiosk
    server's; the one the kiosk started itself is its embedded server)."""
    spec = SPECS[choice] if choice is not None else spec_of(config)
    return spec.build(Wiring(config, http, url, secret))
