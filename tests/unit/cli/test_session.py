"""`kiosk session`: cage's command line and environment, and the exec into it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.session import cage_command, session_environment
from kiosk.settings.file import with_value
from kiosk.settings.model import Config

RUN = ["python3", "-m", "kiosk", "run"]


@pytest.mark.parametrize(("degrees", "turns"), [("0", 0), ("90", 1), ("180", 2), ("270", 3)])
def test_cage_turns_the_picture_a_quarter_at_a_time(degrees: str, turns: int) -> None:
    config = with_value(Config(), "display.rotation", degrees)
    assert cage_command("/usr/bin/cage", config, RUN) == [
        "/usr/bin/cage", "-d", *["-r"] * turns, "--", *RUN
    ]  # fmt: skip


def test_qt_draws_on_wayland_first_and_cage_starts_without_a_touchscreen() -> None:
    env = session_environment({"PATH": "/usr/bin", "QT_QPA_PLATFORM": "xcb"})
    assert env["QT_QPA_PLATFORM"] == "xcb"  # an operator's own choice stays
    assert env["PATH"] == "/usr/bin"
    env = session_environment({})
    assert env["QT_QPA_PLATFORM"] == "wayland;xcb"
    assert env["WLR_LIBINPUT_NO_DEVICES"] == "1"
    assert env["KIOSK_SESSION"] == "cage"


def _session(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    config.write_text('[display]\nrotation = "270"\n')
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "session", "--config", str(config),
         "--cage", str(tmp_path / "cage")],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_session_becomes_cage_running_the_kiosk(tmp_path: Path) -> None:
    fake = tmp_path / "cage"  # stands in for cage: says how it was started
    fake.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'session': os.environ.get('KIOSK_SESSION'),"
        " 'pid': os.getpid()}))\n"
    )
    fake.chmod(0o755)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}
    done = _session(tmp_path, env)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["argv"] == [
        "-d", "-r", "-r", "-r", "--", sys.executable, "-P", "-m", "kiosk", "run",
        "--config", str(tmp_path / "kiosk.toml"),
    ]  # fmt: skip
    assert seen["session"] == "cage"


def test_without_cage_or_a_login_session_it_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    done = _session(tmp_path, env)
    assert (done.returncode, done.stdout) == (1, "")
    assert "cage is not installed (apt install cage xwayland)" in done.stderr
    (tmp_path / "cage").write_text("#!/bin/sh\n")
    (tmp_path / "cage").chmod(0o755)
    done = _session(tmp_path, env)
    assert done.returncode == 1
    assert "XDG_RUNTIME_DIR is not set" in done.stderr
    assert "Traceback" not in done.stderr
