"""The kiosk's configuration: one typed model with named defaults, validated when read.

A TOML file holds only what differs from the defaults; every key is ``section.name``:

    [kiosk]
    mode = "ask"            # toggle | in | out | ask
    [backend]
    url = "http://checkin.lan:8750"

>>> load_config_text('[kiosk]\\nmode = "ask"').kiosk.mode
<Mode.ASK: 'ask'>

Bad input raises `ConfigError` with the key, what was given and what is allowed. Secrets
(passwords, client secrets, tokens) never live here: they go to `settings.vault`. The staff PIN
is kept only as an argon2id hash (`settings.staffpin`). Reading and writing single keys and saving
the file atomically are in `settings.file`.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from kiosk.domain import UidFormat
from kiosk.settings import staffcard, staffpin
from kiosk.settings.paths import APP_NAME

T = TypeVar("T")

Value = bool | int | float | str | enum.Enum | tuple[str, ...]
"""A setting's value as the model holds it (a value offered for a setting is checked first:
that one may be anything, and is typed `object`)."""


class ConfigError(Exception):
    """A configuration we cannot use; the message names the key and what is allowed."""


class Mode(enum.StrEnum):
    """What presenting a credential does."""

    TOGGLE = "toggle"
    IN = "in"
    OUT = "out"
    ASK = "ask"


class OfflinePolicy(enum.StrEnum):
    """What the kiosk does with an attempt the backend did not answer."""

    QUEUE = "queue"  # keep every one, send it later
    KNOWN_ONLY = "known_only"  # keep those from members seen lately (and valid passes)
    REFUSE = "refuse"  # keep none: the member is told to try again


class Language(enum.StrEnum):
    """The members' screens' language."""

    EN = "en"
    DE = "de"
    FR = "fr"
    ES = "es"


class BackendKind(enum.StrEnum):
    """Which check-in backend the kiosk talks to."""

    LOCAL = "local"
    NEXUDUS = "nexudus"
    KADENCE = "kadence"


class Region(enum.StrEnum):
    """Where a cloud backend keeps the account (Kadence: its EU or US hosts)."""

    EU = "eu"
    US = "us"


def _opt(
    default: T,
    help: str,
    lo: float | None = None,
    hi: float | None = None,
    check: Callable[[T], str | None] | None = None,
    ident: bool = False,
    seal: Callable[[T], T] | None = None,
) -> T:
    """A setting: its default (of the setting's own type), words for staff, and its checks;
    `seal` turns a value set by staff into the form it is kept in (a staff card's hash)."""
    meta = {"help": help, "min": lo, "max": hi, "check": check, "ident": ident, "seal": seal}
    field: T = dataclasses.field(default=default, metadata=meta)
    return field


def _aid(value: str) -> str | None:
    try:
        size = len(bytes.fromhex(value))
    except ValueError:
        size = 0
    if not 5 <= size <= 16:
        return "must be an AID of 5 to 16 bytes in hex, like F04B494F534B01"
    return None


def _subdomain(value: str) -> str | None:
    if value and not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", value):
        return "must be a Nexudus subdomain: lower-case letters, digits and dashes, like myspace"
    return None


def _url(value: str) -> str | None:
    if value and not re.fullmatch(r"https?://[^\s/]+(:\d+)?(/\S*)?", value):
        return "must be empty or a web address like http://checkin.lan:8750"
    return None


def _locale(value: str) -> str | None:
    if value and not re.fullmatch(r"[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2}|_\d{3})?", value):
        return "must be empty or a locale name like en_US, de_CH or fr_CA"
    return None


def _pin_hash(value: str) -> str | None:
    if value and not staffpin.is_hash(value):
        return "must be a staff PIN hash; set the PIN with `kiosk config set-staff-pin`"
    return None


def _cards(value: tuple[str, ...]) -> str | None:
    if any(not card.strip() or (len(card) > 64 and not staffcard.is_hash(card)) for card in value):
        return "must be card numbers of 1 to 64 characters, as the reader sends them"
    return None


@dataclasses.dataclass(frozen=True)
class KioskSettings:
    """What the kiosk does and shows."""

    name: str = _opt("Reception", "this kiosk's name, shown small on the idle screen")
    location: str = _opt("", "the backend's location id; empty takes its first", ident=True)
    mode: Mode = _opt(Mode.TOGGLE, "toggle, in, out, or ask the member")
    first_name_only: bool = _opt(True, "greet members by first name only")
    hide_cursor: bool = _opt(False, "hide the mouse cursor (touchscreens)")
    language: Language = _opt(Language.EN, "the members' screens: en, de, fr or es")
    locale: str = _opt(
        "", "dates and times as written in this locale, like en_US (a 12-hour clock) or de_CH;"
        " empty: the language's usual (en_GB, de_DE, fr_FR, es_ES)", check=_locale,
    )  # fmt: skip
    sounds: bool = _opt(False, "a short sound with each result (welcome, goodbye, refused)")
    sound_button: bool = _opt(
        False, "with sounds off, a speaker button lets a member hear their own result"
    )


@dataclasses.dataclass(frozen=True)
class PinSettings:
    """The PIN pad."""

    length: int = _opt(5, "digits in a PIN (Nexudus: 5 by default)", 4, 8)
    submit_on_length: bool = _opt(False, "check in as soon as the PIN has `length` digits")


@dataclasses.dataclass(frozen=True)
class TimeoutSettings:
    """Timers, in seconds."""

    result: float = _opt(5.0, "how long a result stays on screen", 1, 60)
    pin: float = _opt(20.0, "PIN pad or question without input before going back", 3, 300)
    debounce: float = _opt(
        3.0, "the same card, phone or code read again within this is ignored", 0, 60
    )
    busy_delay: float = _opt(0.15, "show the busy screen only after this", 0, 2)


@dataclasses.dataclass(frozen=True)
class BackendSettings:
    """Where check-ins go."""

    kind: BackendKind = _opt(BackendKind.LOCAL, "local, nexudus or kadence")
    url: str = _opt(
        "", "the check-in server (or a cloud service's API, for a proxy); empty: the default",
        check=_url,
    )  # fmt: skip
    token_url: str = _opt("", "a cloud service's sign-in address; empty: its own", check=_url)
    db: str = _opt("", "the embedded server's database; empty: the user data directory")
    ca_file: str = _opt(
        "", "a PEM file of the CA that signed an HTTPS server's certificate; empty: the system's"
    )
    connect_timeout: float = _opt(2.0, "seconds to connect", 0.1, 30)
    timeout: float = _opt(5.0, "seconds for a whole answer", 0.5, 60)
    keep_alive: float = _opt(
        45.0, "seconds an idle connection to the backend is kept open for the next member"
        " (under the backend's own idle time: ours 75 s, most cloud front ends 60 s or more);"
        " 0: a new connection each time", 0, 600,
    )  # fmt: skip
    pin_field: str = _opt("Pincode", "the request field that carries a PIN (Nexudus: Pincode)")
    subdomain: str = _opt("", "Nexudus: the account's subdomain", check=_subdomain)
    username: str = _opt("", "Nexudus: the admin's email, for staff views")
    client_id: str = _opt("", "Kadence: the API client id")
    region: Region = _opt(Region.EU, "Kadence: the account's region, eu or us")

    @property
    def base_url(self) -> str:
        """`url`, or for Nexudus the address its subdomain gives; empty: the embedded server."""
        if self.url or self.kind is not BackendKind.NEXUDUS or not self.subdomain:
            return self.url
        return f"https://{self.subdomain}.spaces.nexudus.com"


@dataclasses.dataclass(frozen=True)
class OfflineSettings:
    """What happens while the backend does not answer."""

    policy: OfflinePolicy = _opt(
        OfflinePolicy.QUEUE, "queue every attempt, queue known_only members seen lately, or refuse"
    )
    remember_days: int = _opt(
        7, "a member seen checking in within this many days is greeted by name offline", 0, 365
    )


@dataclasses.dataclass(frozen=True)
class ReaderSettings:
    """The PC/SC card reader."""

    enabled: bool = _opt(True, "read cards and phones on PC/SC readers")
    name_filter: str = _opt("", "use only readers whose name contains this (any case)")
    uid_format: UidFormat = _opt(UidFormat.HEX, "how a card's UID is sent to the backend")
    phone_aid: str = _opt("F04B494F534B01", "the member app's AID, in hex", check=_aid)
    repeat_after: float = _opt(2.0, "a card tapped again is read only after this", 0, 60)
    feedback: bool = _opt(True, "beep and flash ACS readers after a read")

    @property
    def aid(self) -> bytes:
        """`phone_aid` as bytes."""
        return bytes.fromhex(self.phone_aid)


@dataclasses.dataclass(frozen=True)
class WedgeSettings:
    """Keyboard-wedge QR scanners (a scanner that types)."""

    enabled: bool = _opt(True, "tell scanner bursts from typing and check passes in")
    gap_ms: int = _opt(30, "keys closer than this (ms) are a scanner's burst", 5, 200)
    min_length: int = _opt(4, "a burst has at least this many keys", 2, 64)


@dataclasses.dataclass(frozen=True)
class CameraSettings:
    """The camera as a QR scanner."""

    enabled: bool = _opt(False, "read QR passes with the camera")
    device: str = _opt("", "part of the camera's name or id; empty: the default camera")
    rate: float = _opt(10.0, "decodes a second at most", 1, 30)
    preview: bool = _opt(True, "show the camera's picture small on the idle screen")


@dataclasses.dataclass(frozen=True)
class StaffSettings:
    """Who may open staff mode."""

    pin_hash: str = _opt("", "the staff PIN's argon2id hash; never the PIN", check=_pin_hash)
    cards: tuple[str, ...] = _opt(
        (), "staff cards that open staff mode (kept as hashes)", check=_cards, seal=staffcard.sealed
    )


def _image(value: str) -> str | None:
    if value and not (value.startswith("/") or re.fullmatch(r"https?://[^\s/]+(:\d+)?/\S*", value)):
        return "must be empty, a file's full path (/srv/kiosk/logo.png) or an http(s) address"
    return None


def _colour(value: str) -> str | None:
    if value and not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return "must be empty or a colour like #0b7a75"
    return None


def _welcome(value: str) -> str | None:
    if len(value) > WELCOME_MAX:
        return f"must be at most {WELCOME_MAX} characters"
    return None


WELCOME_MAX = 80


@dataclasses.dataclass(frozen=True)
class BrandingSettings:
    """The site's own look on the members' screens; empty: the kiosk's own."""

    logo: str = _opt("", "a logo (PNG, JPEG or SVG): a file's path or an address on the local "
                     "network", check=_image)  # fmt: skip
    accent: str = _opt("", "the colour of buttons members press, like #0b7a75", check=_colour)
    welcome: str = _opt("", "a line over the idle screen's call to action", check=_welcome)
    background: str = _opt("", "a picture behind the idle screen, dimmed: a path or address",
                           check=_image)  # fmt: skip


class Rotation(enum.StrEnum):
    """How far the picture is turned clockwise, in degrees (a portrait screen on its side)."""

    NONE = "0"
    RIGHT = "90"
    UPSIDE_DOWN = "180"
    LEFT = "270"


@dataclasses.dataclass(frozen=True)
class DisplaySettings:
    """The screen, where the kiosk session (`kiosk session`, under cage) sets it up."""

    rotation: Rotation = _opt(
        Rotation.NONE, "turn the picture clockwise (degrees); the kiosk session restarts to do it"
    )
    sleep_after: float = _opt(
        0.0, "minutes without anyone before the screen goes dark and the kiosk stops calling"
        " its backend (a touch, a card or a scan wakes it); 0: never", 0, 1440,
    )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Config:
    """The whole configuration."""

    kiosk: KioskSettings = dataclasses.field(default_factory=KioskSettings)
    pin: PinSettings = dataclasses.field(default_factory=PinSettings)
    timeouts: TimeoutSettings = dataclasses.field(default_factory=TimeoutSettings)
    backend: BackendSettings = dataclasses.field(default_factory=BackendSettings)
    offline: OfflineSettings = dataclasses.field(default_factory=OfflineSettings)
    reader: ReaderSettings = dataclasses.field(default_factory=ReaderSettings)
    wedge: WedgeSettings = dataclasses.field(default_factory=WedgeSettings)
    camera: CameraSettings = dataclasses.field(default_factory=CameraSettings)
    staff: StaffSettings = dataclasses.field(default_factory=StaffSettings)
    branding: BrandingSettings = dataclasses.field(default_factory=BrandingSettings)
    display: DisplaySettings = dataclasses.field(default_factory=DisplaySettings)


def default_config_path() -> Path:
    """``kiosk.toml`` in the platform's config directory."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "kiosk.toml"


def load_config(path: Path) -> Config:
    """The configuration in the TOML file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        return load_config_text(text)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_config_text(text: str) -> Config:
    """The configuration in TOML `text`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    config: Config = _build(Config, data, "")
    return config


def _build(cls: type[Any], data: Any, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.')} must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key {prefix}{unknown[0]} (known: {', '.join(fields)})")
    values = {}
    for name, value in data.items():
        kind = hints[name]
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            values[name] = _build(kind, value, f"{prefix}{name}.")
        else:
            values[name] = coerce(f"{prefix}{name}", kind, fields[name].metadata, value)
    return cls(**values)


def coerce(key: str, kind: object, meta: Mapping[str, Any], value: object) -> Value:
    """`value` checked against the field's type and range, or `ConfigError`."""
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} = {value!r} must be a list of texts in quotes")
        value = tuple(value)
        problem = meta["check"](value) if meta.get("check") else None
        if problem:
            raise ConfigError(f"{key} = {list(value)!r} {problem}")
        return value
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        allowed = [m.value for m in kind]
        if value not in allowed:
            raise ConfigError(f"{key} = {value!r} is not allowed; use one of {', '.join(allowed)}")
        return kind(value)
    if meta.get("ident") and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a backend's id written as a number, like location = 7
    typed = _scalar(kind, value)
    if typed is None:
        raise ConfigError(f"{key} = {value!r} must be {_NAMES.get(kind, kind)}")
    check = meta.get("check")
    problem = check(typed) if check else None
    if problem:
        raise ConfigError(f"{key} = {value!r} {problem}")
    lo, hi = meta.get("min"), meta.get("max")
    number = isinstance(typed, int | float) and not isinstance(typed, bool)
    if number and ((lo is not None and typed < lo) or (hi is not None and typed > hi)):
        span = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
        raise ConfigError(f"{key} = {value!r} is out of range; use a number {span}")
    return typed


def _scalar(kind: object, value: object) -> bool | int | float | str | None:
    """`value` as a `kind` (bool, int, float or str) when it is one; None when not."""
    if isinstance(value, bool):
        return value if kind is bool else None
    if isinstance(value, int) and kind in (int, float):
        return value if kind is int else float(value)
    if isinstance(value, float) and kind is float:
        return value
    if isinstance(value, str) and kind is str:
        return value
    return None


_NAMES: dict[object, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text in quotes",
}
