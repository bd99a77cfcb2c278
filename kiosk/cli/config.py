"""``kiosk config``: the configuration from a shell, checked by the same model as staff mode.

kiosk config path                       where the file is
kiosk config show                       every setting, its value and what it means
kiosk config set kiosk.mode ask         change one setting (unknown keys and bad values exit 1)
kiosk config set-staff-pin              the staff PIN, asked twice without echo
printf '2468\\n' | kiosk config set-staff-pin            the same from a script
kiosk config set-secret backend.password                 a secret, into the keyring
kiosk config pair http://checkin.lan:8750 K7F3-9QWX      pair with a `kiosk serve` server
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kiosk.app.backend import trusted
from kiosk.backends.base import BackendError
from kiosk.backends.local.pairing import pair
from kiosk.settings import staffpin
from kiosk.settings.file import dump_config, parse_text, save_config, shown, value_of, with_value
from kiosk.settings.model import Config, ConfigError, default_config_path, load_config
from kiosk.settings.vault import Secret, VaultError, open_vault

Prompt = Callable[[str], str]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``config`` and its subcommands to `sub`."""
    parser = sub.add_parser("config", help="show or change the kiosk's configuration")
    commands = parser.add_subparsers(dest="config_command", required=True, metavar="SUBCOMMAND")
    path = commands.add_parser("path", help="where the configuration file is")
    show = commands.add_parser("show", help="every setting with its value")
    change = commands.add_parser("set", help="change one setting, e.g. kiosk.mode ask")
    change.add_argument("key", help="section.name, e.g. reader.uid_format")
    change.add_argument("value", help="the new value (lists: comma-separated)")
    pin = commands.add_parser(
        "set-staff-pin", help="the staff PIN (asked twice without echo, or read from stdin)"
    )
    secret = commands.add_parser("set-secret", help="a backend secret, kept out of the file")
    secret.add_argument("name", choices=[s.value for s in Secret.staff()])
    pair = commands.add_parser(
        "pair", help="pair this kiosk with a `kiosk serve` server (code: `kiosk devices add`)"
    )
    pair.add_argument("url", help="the server, e.g. http://checkin.lan:8750")
    pair.add_argument(
        "code", nargs="?", default="-", help="the one-time code, e.g. K7F3-9QWX (- or none: asked)"
    )
    for command, handler in (
        (path, _path),
        (show, _show),
        (change, _set),
        (pin, _set_staff_pin),
        (secret, _set_secret),
        (pair, _pair),
    ):
        command.add_argument("--config", type=Path, help=f"default: {default_config_path()}")
        command.set_defaults(handler=handler)


def _pair(args: argparse.Namespace) -> int:
    path = _file(args)
    config = with_value(_load(path), "backend.kind", "local")
    config = with_value(config, "backend.url", parse_text("backend.url", args.url))
    code: str = args.code
    if code == "-":
        code = sys.stdin.readline().strip() if not sys.stdin.isatty() else input("Pairing code: ")
    verify = trusted(config, strict=True)
    try:
        paired = pair(config.backend.url, code, config.backend.timeout * 2, verify)
    except BackendError as exc:
        raise ConfigError(f"not paired: {exc}") from None
    try:
        open_vault(path).set(Secret.DEVICE_TOKEN, paired.token)
    except VaultError as exc:
        raise ConfigError(f"paired, but the token cannot be kept: {exc}") from None
    save_config(config, path)
    print(f"Paired with {config.backend.url} as device {paired.device_id} ({paired.name})")
    return 0


def _file(args: argparse.Namespace) -> Path:
    path: Path = args.config or default_config_path()
    return path


def _load(path: Path) -> Config:
    return load_config(path) if path.exists() else Config()


def _path(args: argparse.Namespace) -> int:
    print(_file(args))
    return 0


def _show(args: argparse.Namespace) -> int:
    path = _file(args)
    config = _load(path)
    state = "" if path.exists() else " (not written yet: these are the defaults)"
    print(f"# {path}{state}")
    print(dump_config(config, everything=True), end="")
    try:
        vault = open_vault(path)
        held = [s.value for s in Secret.staff() if vault.get(s)]
    except VaultError as exc:
        print(f"# secrets: {exc}")
        return 0
    print(f"# secrets set: {', '.join(held) or 'none'}")
    print(f"# secrets live in {vault.where}")
    return 0


def _set(args: argparse.Namespace) -> int:
    path = _file(args)
    key: str = args.key
    if key == "staff.pin_hash":
        raise ConfigError("staff.pin_hash is set with `kiosk config set-staff-pin`")
    if key in {s.value for s in Secret.staff()}:
        raise ConfigError(f"{key} is a secret: set it with `kiosk config set-secret {key}`")
    config = with_value(_load(path), key, parse_text(key, args.value))
    save_config(config, path)
    print(f"{key} = {shown(key, value_of(config, key))}  (saved to {path})")
    return 0


def _set_staff_pin(args: argparse.Namespace) -> int:
    path = _file(args)
    config = _load(path)
    asked = f"Staff PIN ({staffpin.MIN_DIGITS} to {staffpin.MAX_DIGITS} digits): "
    pin = read_secret(asked, sys.stdin, getpass.getpass)
    try:
        stored = staffpin.hash_pin(pin)
    except staffpin.PinError as exc:
        raise ConfigError(str(exc)) from None
    save_config(with_value(config, "staff.pin_hash", stored), path)
    print(f"The staff PIN is set (saved to {path}).")
    return 0


def _set_secret(args: argparse.Namespace) -> int:
    path = _file(args)
    _load(path)  # a broken file is reported before anything is kept
    value = read_secret(f"{args.name}: ", sys.stdin, getpass.getpass)
    vault = open_vault(path)
    try:
        vault.set(Secret(args.name), value)
    except VaultError as exc:
        raise ConfigError(str(exc)) from None
    print(f"{args.name} is kept in {vault.where}.")
    return 0


def read_secret(prompt: str, stdin: TextIO, ask: Prompt) -> str:
    """A secret typed twice without echo on a terminal; from a pipe, one line or two equal ones."""
    if stdin.isatty():
        first = ask(prompt)
        if ask("Again: ") != first:
            raise ConfigError("the two entries differ; nothing was changed")
        return first
    lines = [line.rstrip("\r\n") for line in stdin.readlines()]
    lines = [line for line in lines if line.strip()] if len(lines) > 1 else lines
    if not lines or not lines[0]:
        raise ConfigError("standard input was empty; nothing was changed")
    if len(lines) > 2 or (len(lines) == 2 and lines[0] != lines[1]):
        raise ConfigError("give one line, or two equal lines, on standard input")
    return lines[0]
