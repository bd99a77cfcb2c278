"""``kiosk session``: the kiosk fullscreen under cage, the Wayland kiosk compositor, as
kiosk.service starts it on tty1 at boot (packaging/systemd/kiosk.service).

    cage -d [-r …] -- python -P -m kiosk run [--config PATH] [--event-log PATH]

Qt draws on Wayland itself (through Xwayland only if its Wayland plugin cannot load); cage shows
the one window on the whole screen, never blanks it, and turns it as ``display.rotation`` says.
When the kiosk ends, cage ends, and systemd starts the session again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from kiosk.server.service import AdminError
from kiosk.settings.file import boot_config
from kiosk.settings.model import Config, Rotation, default_config_path

SESSION = "cage"
"""``KIOSK_SESSION`` in the kiosk's environment under this session."""
QUARTER_TURNS = {Rotation.NONE: 0, Rotation.RIGHT: 1, Rotation.UPSIDE_DOWN: 2, Rotation.LEFT: 3}


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``session`` to `sub`."""
    parser = sub.add_parser("session", help="the kiosk fullscreen under cage (kiosk.service)")
    parser.add_argument("--config", type=Path, help=f"default: {default_config_path()}")
    parser.add_argument("--event-log", type=Path, help="passed on to `kiosk run`")
    parser.add_argument("--cage", default="cage", help="the compositor (default: cage)")
    parser.set_defaults(handler=_session)


def cage_command(cage: str, config: Config, run: list[str]) -> list[str]:
    """cage's command line: no client decorations, turned as `config` says, running `run`."""
    turns = ["-r"] * QUARTER_TURNS[config.display.rotation]
    return [cage, "-d", *turns, "--", *run]


def session_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment cage and the kiosk run in: Qt on Wayland first, and cage starting even
    before a touchscreen is plugged in (a card reader alone is a way in)."""
    env = dict(environ)
    env.setdefault("QT_QPA_PLATFORM", "wayland;xcb")
    env.setdefault("QT_WAYLAND_DISABLE_WINDOWDECORATION", "1")
    env.setdefault("WLR_LIBINPUT_NO_DEVICES", "1")
    env.setdefault("XDG_SESSION_TYPE", "wayland")
    env["KIOSK_SESSION"] = SESSION
    return env


def _session(args: argparse.Namespace) -> int:
    path: Path = args.config or default_config_path()
    config = boot_config(path).config  # a broken file: the kiosk tells staff, the session runs
    cage = shutil.which(args.cage)
    if cage is None:
        raise AdminError(f"{args.cage} is not installed (apt install cage xwayland)")
    if not os.environ.get("XDG_RUNTIME_DIR"):
        raise AdminError(
            "XDG_RUNTIME_DIR is not set: start the session as kiosk.service does (a login "
            "session on a seat), or set it to a directory of this user's"
        )
    # -P: not the working directory's `kiosk` folder in the installed kiosk's place
    run = [sys.executable, "-P", "-m", "kiosk", "run", "--config", str(path)]
    if args.event_log:
        run += ["--event-log", str(args.event_log)]
    sys.stdout.flush()
    os.execve(cage, cage_command(cage, config, run), session_environment(os.environ))  # noqa: S606
