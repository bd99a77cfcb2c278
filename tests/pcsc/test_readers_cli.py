"""`kiosk readers` on the real PC/SC stack: the readers, then each tap in every format."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO

import pytest

from tests.helpers import cards
from tests.helpers.pcscd import Pcscd
from tests.helpers.vpcd import VirtualCard


class Lines:
    """A process's stdout, line by line, with a deadline per line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        threading.Thread(target=_pump, args=(stdout, self._queue), daemon=True).start()

    def until(self, text: str, seconds: float = 10.0) -> list[str]:
        """Lines up to the first one containing `text`."""
        got = []
        while True:
            line = self._queue.get(timeout=seconds).rstrip("\n")
            self.seen.append(line)
            got.append(line)
            if text in line:
                return got


@pytest.fixture
def readers(pcscd: Pcscd) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "readers", "--count", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield proc, Lines(proc)
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def test_readers_lists_readers_and_prints_every_format(
    readers: tuple[subprocess.Popen[str], Lines],
) -> None:
    proc, lines = readers
    assert lines.until("Tap a card") == [
        "Readers:",
        "  Virtual PCD 00 00",
        "  Virtual PCD 00 01",
        "Tap a card or phone (Ctrl-C stops).",
    ]
    with VirtualCard(cards.card(bytes.fromhex("04A1B2C3"))):
        lines.until("Virtual PCD 00 00: card")
        assert lines.until("dec13") == [
            "  hex           04A1B2C3   ← reader.uid_format",
            "  hex_reversed  C3B2A104",
            "  dec_le        3283263748",
            "  dec_be        0077705923",
            "  wiegand26     161:45763",
            "  wiegand34     01185:45763",
            "  dec8          10597059",
            "  dec13         0000077705923",
        ]
    with VirtualCard(cards.phone("7E3A91C4D2B85F06")):
        line = lines.until("phone")[-1]
    assert line == "Virtual PCD 00 00: phone with the member app, token of 16 chars"
    with VirtualCard(cards.phone_without_app()):
        line = lines.until("phone")[-1]
    assert "a phone without the member app open (random UID 08 " in line
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "7E3A91C4D2B85F06" not in "\n".join(lines.seen) + out + err


@pytest.mark.parametrize("ignored", [False, True], ids=["", "started-with-sigint-ignored"])
def test_readers_stops_cleanly_on_ctrl_c_and_sigterm(pcscd: Pcscd, ignored: bool) -> None:
    """Also when started as a background job of a script, which starts with SIGINT ignored
    (how CI once ran it, and it never stopped)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        command = [sys.executable, "-X", "faulthandler", "-m", "kiosk", "readers",
                   "--name-filter", "00 01"]  # fmt: skip
        if ignored:  # the shell's `trap '' INT` is inherited through exec, as `&` does
            command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            lines = Lines(proc)
            assert lines.until("Tap a card")[1:-1] == ["  Virtual PCD 00 01"]
            proc.send_signal(sig)
            try:
                _, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
                _, err = proc.communicate(timeout=10)
                pytest.fail(f"kiosk readers did not stop on {sig.name}:\n{err}")
            assert proc.returncode == 0, err
            assert "Traceback" not in err
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Every line of `stream` into `lines`, until it ends."""
    for line in stream:
        lines.put(line)
