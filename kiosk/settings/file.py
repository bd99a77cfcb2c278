"""Single settings by dotted key, and the TOML file that holds what differs from the defaults.

    >>> config = with_value(Config(), "kiosk.mode", "ask")
    >>> value_of(config, "kiosk.mode")
    <Mode.ASK: 'ask'>
    >>> dump_config(config)
    '[kiosk]\\nmode = "ask"\\n'

Staff mode and ``kiosk config set`` change the configuration only through `with_value`, so a
value is checked by the same model whichever way it comes. `save_config` replaces the file in
one step; a crash leaves the old file or the new one, never half of each.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import typing
from collections.abc import Iterator
from pathlib import Path

from kiosk.files import write_atomically
from kiosk.settings import staffcard
from kiosk.settings.model import Config, ConfigError, Value, coerce, load_config

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
HIDDEN = frozenset({"staff.pin_hash"})  # shown as set or not, never as text
COUNTED = frozenset({"staff.cards"})  # kept as hashes: shown as how many


@dataclasses.dataclass(frozen=True)
class Setting:
    """One key of the model: its type, default, help and limits."""

    key: str
    kind: object  # a type, or a hint such as tuple[str, ...]
    default: Value
    help: str
    lo: float | None = None
    hi: float | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        """The allowed values of an enum setting; empty for others."""
        if isinstance(self.kind, type) and issubclass(self.kind, enum.Enum):
            return tuple(str(m.value) for m in self.kind)
        return ()

    @property
    def allowed(self) -> str:
        """What the setting takes, in words."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        if typing.get_origin(self.kind) is tuple:
            return "a list, comma-separated"
        if self.kind in (int, float):
            number = "a whole number" if self.kind is int else "a number"
            if self.lo is not None and self.hi is not None:
                return f"{number} from {_num(self.lo)} to {_num(self.hi)}"
            return f"{number} of at least {_num(self.lo)}" if self.lo is not None else number
        return "text"


def settings() -> tuple[Setting, ...]:
    """Every setting, in the model's order."""
    return tuple(_model().values())


@functools.cache
def _model() -> dict[str, Setting]:
    """The model's settings by key; read once (type hints are slow to resolve)."""
    return {spec.key: spec for spec in _read_model()}


def _read_model() -> Iterator[Setting]:
    for section in dataclasses.fields(Config):
        cls = typing.get_type_hints(Config)[section.name]
        hints = typing.get_type_hints(cls)
        defaults = cls()
        for field in dataclasses.fields(cls):
            meta = field.metadata
            yield Setting(
                f"{section.name}.{field.name}",
                hints[field.name],
                getattr(defaults, field.name),
                meta.get("help", ""),
                meta.get("min"),
                meta.get("max"),
            )


def setting(key: str) -> Setting:
    """The setting `key`, or `ConfigError` naming the known keys."""
    known = _model()
    if key in known:
        return known[key]
    section = key.partition(".")[0]
    sections = dict.fromkeys(k.split(".")[0] for k in known)
    near = [k for k in known if k.startswith(f"{section}.")] or list(sections)
    raise ConfigError(f"unknown key {key} (known: {', '.join(near)})")


def value_of(config: Config, key: str) -> Value:
    """The value of `key` in `config`."""
    setting(key)
    section, name = key.split(".")
    value: Value = getattr(getattr(config, section), name)
    return value


def with_value(config: Config, key: str, value: object) -> Config:
    """`config` with `key` set to `value`, checked by the model, or `ConfigError`."""
    spec = setting(key)
    section_name, name = key.split(".")
    section = getattr(config, section_name)
    meta = next(f.metadata for f in dataclasses.fields(section) if f.name == name)
    typed = coerce(key, spec.kind, meta, value)
    if meta.get("seal"):
        typed = meta["seal"](typed)
    return dataclasses.replace(
        config, **{section_name: dataclasses.replace(section, **{name: typed})}
    )


def parse_text(key: str, text: str) -> Value | list[str]:
    """`text` from a command line as the type `key` takes; `with_value` then checks it."""
    kind = setting(key).kind
    word = text.strip().lower()
    if kind is bool:
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise ConfigError(f"{key} = {text!r} must be true or false")
    if kind in (int, float):
        try:
            return int(word) if kind is int else float(word)
        except ValueError:
            number = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{key} = {text!r} must be {number}") from None
    if typing.get_origin(kind) is tuple:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def shown(key: str, value: Value) -> str:
    """`value` as TOML, or for a hidden key only whether it is set."""
    if key in HIDDEN:
        return '"(set)"' if value else '""'
    if key in COUNTED and isinstance(value, tuple):
        return f'"({len(value)} set, kept as hashes)"' if value else "[]"
    return _toml(value)


def dump_config(config: Config, everything: bool = False) -> str:
    """TOML of the settings that differ from the defaults (or of all of them)."""
    lines: list[str] = []
    section = ""
    for spec in settings():
        value = value_of(config, spec.key)
        if not everything and value == spec.default:
            continue
        name, _, field = spec.key.partition(".")
        if name != section:
            lines.append(f"{chr(10) if lines else ''}[{name}]")
            section = name
        text = shown(spec.key, value) if everything else _toml(value)
        comment = f"  # {spec.help}" if everything and spec.help else ""
        lines.append(f"{field} = {text}{comment}")
    return "\n".join(lines) + "\n" if lines else ""


def save_config(config: Config, path: Path) -> None:
    """Write `config` to `path` atomically, and the same beside it as the last good settings
    (`last_good`); `ConfigError` when it cannot be written. A file that is there is edited in
    place (`edited`): what staff wrote by hand, comments included, stays."""
    text = edited(path, config)
    try:
        write_atomically(path, text, private=True)  # the staff PIN's hash is in it
        write_atomically(last_good(path), text, private=True)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None


def edited(path: Path, config: Config) -> str:
    """The TOML at `path` holding `config`: each setting that differs from its default set in
    place, each back at its default taken out, comments and order kept (tomlkit); a fresh
    `dump_config` when there is no file, or none that reads as settings."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError
    from tomlkit.items import Table

    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLKitError):
        return dump_config(config)
    for spec in settings():
        name, _, field = spec.key.partition(".")
        value = value_of(config, spec.key)
        table = doc.get(name)
        if table is None and value == spec.default:
            continue
        if table is None:
            table = doc[name] = tomlkit.table()
        if not isinstance(table, Table):
            return dump_config(config)  # `kiosk = 5`: not settings; written afresh
        if value == spec.default:
            table.pop(field, None)
        else:
            table[field] = _plain(value)
    for name in [n for n, t in doc.items() if isinstance(t, Table) and not t.as_string().strip()]:
        doc.remove(name)  # a section left with nothing, not even a comment
    return tomlkit.dumps(doc)


def _plain(value: Value) -> object:
    """`value` as TOML takes it: enums by their value, tuples as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def last_good(path: Path) -> Path:
    """Where the settings last saved at `path` are kept, to boot on if `path` breaks."""
    return path.with_name(path.name + ".last-good")


@dataclasses.dataclass(frozen=True)
class Booted:
    """The settings a kiosk starts with, and why not those of its file (empty when they are)."""

    config: Config
    problem: str = ""


def boot_config(path: Path) -> Booted:
    """The settings at `path`; when the file cannot be used (unreadable, invalid, or without
    a staff PIN while the last good settings have one: damaged), the last good settings
    saved beside it, else the defaults, and why. A missing file is a first start."""
    if not path.exists():
        return Booted(Config())
    try:
        config = load_config(path)
    except ConfigError as exc:
        good = _loaded(last_good(path))
        if good is None:
            return Booted(Config(), f"{exc}; running on the defaults")
        return Booted(good, f"{exc}; running on the last good settings")
    if config.staff.pin_hash:
        return Booted(_sealed(config, path))  # the usual start: the last good settings unread
    good = _loaded(last_good(path))
    if good is None or not good.staff.pin_hash:
        return Booted(config)
    return Booted(good, f"{path} has lost its staff PIN; running on the last good settings")


def _sealed(config: Config, path: Path) -> Config:
    """`config` with staff cards in clear (an earlier version's, or typed into the file) kept
    as hashes from now on, and saved so; as it was when the file cannot be written."""
    if not staffcard.in_clear(config.staff.cards):
        return config
    sealed = with_value(config, "staff.cards", config.staff.cards)
    try:
        save_config(sealed, path)
    except ConfigError:
        return config
    return sealed


def _loaded(path: Path) -> Config | None:
    """The settings at `path`, or None if there are none to use."""
    try:
        return load_config(path) if path.exists() else None
    except ConfigError:
        return None


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _string(str(value.value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return _string(str(value))


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if c == "\x7f" else c for c in quoted)


def _num(value: float) -> str:
    return f"{value:g}"
