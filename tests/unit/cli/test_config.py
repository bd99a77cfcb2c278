"""`kiosk config`: path, show, set, set-staff-pin and set-secret, as a shell user meets them."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.config import read_secret
from kiosk.cli.main import main
from kiosk.settings import staffcard, staffpin
from kiosk.settings.model import ConfigError, load_config


class Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["config", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "kiosk.toml"


def test_path_and_defaults(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    assert run(capsys, "path", "--config", str(path)) == (0, f"{path}\n", "")
    code, out, _ = run(capsys, "show", "--config", str(path))
    assert code == 0
    assert out.startswith(f"# {path} (not written yet: these are the defaults)\n[kiosk]\n")
    assert 'mode = "toggle"  # toggle, in, out, or ask the member' in out
    secrets = path.with_name("kiosk.secrets.json")
    assert out.endswith(
        f"# secrets set: none\n# secrets live in {secrets}, NOT encrypted: this machine has no"
        " system keyring to keep a key in; only its owner can read it\n"
    )


def test_set_validates_saves_and_show_reads_back(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    code, out, _ = run(capsys, "set", "kiosk.mode", "ask", "--config", str(path))
    assert (code, out) == (0, f'kiosk.mode = "ask"  (saved to {path})\n')
    run(capsys, "set", "reader.uid_format", "wiegand26", "--config", str(path))
    _, out, _ = run(capsys, "set", "staff.cards", "04A1B2C3,0A0B0C0D", "--config", str(path))
    assert out == f'staff.cards = "(2 set, kept as hashes)"  (saved to {path})\n'
    text = path.read_text()
    assert text.startswith(
        '[kiosk]\nmode = "ask"\n\n[reader]\nuid_format = "wiegand26"\n\n'
        '[staff]\ncards = ["$argon2id$'
    )
    assert "04A1B2C3" not in text
    assert "0A0B0C0D" not in text
    cards = load_config(path).staff.cards
    assert staffcard.matches({"0a0b0c0d"}, cards)
    assert staffcard.matches({"04A1B2C3"}, cards)
    _, out, _ = run(capsys, "show", "--config", str(path))
    assert 'mode = "ask"' in out
    assert 'uid_format = "wiegand26"' in out
    assert 'cards = "(2 set, kept as hashes)"' in out


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("kiosk.moed", "ask", "unknown key kiosk.moed (known: kiosk.name, "),
        ("kiosk.mode", "sideways", "kiosk.mode = 'sideways' is not allowed; use one of toggle, in"),
        ("pin.length", "12", "pin.length = 12 is out of range; use a number from 4 to 8"),
        ("reader.enabled", "maybe", "reader.enabled = 'maybe' must be true or false"),
        ("staff.pin_hash", "x", "staff.pin_hash is set with `kiosk config set-staff-pin`"),
        ("backend.password", "x", "backend.password is a secret: set it with `kiosk config set"),
    ],
)
def test_set_refuses_bad_keys_and_values_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], path: Path, key: str, value: str, message: str
) -> None:
    run(capsys, "set", "kiosk.name", "Front desk", "--config", str(path))
    before = path.read_text()
    code, out, err = run(capsys, "set", key, value, "--config", str(path))
    assert (code, out) == (1, "")
    assert err.startswith(f"kiosk: error: {message}")
    assert path.read_text() == before


def test_set_refuses_to_overwrite_a_broken_file(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    path.parent.mkdir()
    path.write_text('[kiosk]\nmode = "sideways"\n')
    code, _, err = run(capsys, "set", "kiosk.name", "x", "--config", str(path))
    assert code == 1
    assert "kiosk.mode = 'sideways'" in err
    assert path.read_text() == '[kiosk]\nmode = "sideways"\n'


@pytest.mark.parametrize("text", ["246813\n", "246813\n246813\n", "246813"])
def test_set_staff_pin_from_a_script(
    capsys: pytest.CaptureFixture[str],
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
) -> None:
    monkeypatch.setattr("sys.stdin", Stdin(text))
    code, out, _ = run(capsys, "set-staff-pin", "--config", str(path))
    assert (code, out) == (0, f"The staff PIN is set (saved to {path}).\n")
    stored = load_config(path).staff.pin_hash
    assert staffpin.verify_pin("246813", stored)
    assert stored.startswith("$argon2id$")
    assert "246813" not in path.read_text()
    _, out, _ = run(capsys, "show", "--config", str(path))
    assert 'pin_hash = "(set)"' in out
    assert stored not in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2468\n1357\n", "give one line, or two equal lines"),
        ("", "standard input was empty"),
        ("\n", "standard input was empty"),
        ("2468\n", "a staff PIN has 6 to 8 digits"),
        ("2468\n2468\n2468\n", "give one line, or two equal lines"),
    ],
)
def test_set_staff_pin_refuses_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    message: str,
) -> None:
    monkeypatch.setattr("sys.stdin", Stdin(text))
    code, out, err = run(capsys, "set-staff-pin", "--config", str(path))
    assert (code, out) == (1, "")
    assert err.startswith(f"kiosk: error: {message}")
    assert not path.exists()


def test_on_a_terminal_the_pin_is_asked_twice_without_echo() -> None:
    asked: list[str] = []
    answers = iter(["2468", "2468"])

    def ask(prompt: str) -> str:  # getpass.getpass: no echo
        asked.append(prompt)
        return next(answers)

    assert read_secret("Staff PIN: ", Stdin("", tty=True), ask) == "2468"
    assert asked == ["Staff PIN: ", "Again: "]
    answers = iter(["2468", "1357"])
    with pytest.raises(ConfigError, match="the two entries differ"):
        read_secret("Staff PIN: ", Stdin("", tty=True), ask)


def test_set_secret_goes_to_the_vault_not_the_file(
    capsys: pytest.CaptureFixture[str], path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Stdin("hunter2\n"))
    code, out, _ = run(capsys, "set-secret", "backend.password", "--config", str(path))
    assert code == 0
    assert "hunter2" not in out
    secrets = path.with_name("kiosk.secrets.json")
    assert "hunter2" in secrets.read_text()
    assert not path.exists()
    _, out, _ = run(capsys, "show", "--config", str(path))
    assert "# secrets set: backend.password\n" in out
    assert "hunter2" not in out


def test_show_into_a_reader_that_stops_reading_ends_quietly(path: Path) -> None:
    """`kiosk config show | head`: the reader is gone before the settings are written."""
    reader, writer = os.pipe()
    os.close(reader)  # gone before a byte is written: every write finds the pipe broken
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk", "config", "show", "--config", str(path)],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)
    assert done.stderr == ""
    assert done.returncode == 128 + signal.SIGPIPE
