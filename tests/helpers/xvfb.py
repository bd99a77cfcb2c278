"""A real X display (Xvfb) for running the kiosk window as a member would meet it, and xdotool."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """A fresh Xvfb display of our own, e.g. ``":117"``; stopped on exit.

    Xvfb picks a free display number itself and writes it to a pipe (``-displayfd``), so two
    test runs at once never race for the same one."""
    if shutil.which("Xvfb") is None:
        raise RuntimeError("Xvfb is not installed (make setup installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        preexec_fn=_ahead,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read, encoding="ascii") as pipe:
            number = pipe.readline().strip()  # written once the display accepts clients
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not start (exit status {proc.poll()})")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _ahead() -> None:
    """In the child: run ahead of other work on a busy machine, where allowed (root). The
    kiosk tells a scanner's burst from typing by the X server's key times; an X server or an
    xdotool starved for a few hundred ms would split a scan that a real scanner sends whole."""
    with contextlib.suppress(OSError):
        os.nice(-10)


def xdotool(display: str, *args: str) -> str:
    """Run xdotool on `display`; its output."""
    env = {**os.environ, "DISPLAY": display}
    done = subprocess.run(
        ["xdotool", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=_ahead,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"xdotool {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def wait_for(check: Any, timeout: float, message: str) -> Any:
    """Poll `check()` until it returns something truthy (for other processes' files and sockets)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(message)


def read_events(path: Path) -> list[dict[str, Any]]:
    """The event-log lines written so far (a partly written last line is skipped)."""
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            lines.append(json.loads(line))
    return lines


def wait_event(path: Path, name: str, timeout: float = 20, after: int = 0) -> dict[str, Any]:
    """The first `name` event in the log at `path` past line `after`."""

    def find() -> dict[str, Any] | None:
        return next((e for e in read_events(path)[after:] if e["event"] == name), None)

    try:
        found: dict[str, Any] = wait_for(find, timeout, f"no {name!r} event in {path}")
    except TimeoutError as exc:
        seen = [e.get("name", e["event"]) for e in read_events(path)[after:]]
        raise TimeoutError(f"{exc}; after line {after} it has {seen}") from None
    return found
