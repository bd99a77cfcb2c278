"""Schemathesis against the running server: every check it has, a fixed seed, a few hundred
examples; nothing may be found (no 500, no answer the schema does not document, no request
the schema allows refused without a documented reason: tests/schemathesis.toml).

Two runs, as two callers: the check-in endpoints as a paired device, the rest as an admin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.server import device_token

CONFIG = Path(__file__).parents[1] / "schemathesis.toml"
PUBLIC = "^/api/public/(checkin|pair)"


def st(server: ServerThread, token: str, *where: str, tmp_path: Path) -> str:
    """`st run` on the server's schema; its output (asserted to find nothing)."""
    binary = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    done = subprocess.run(
        [binary, "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json",
         "--checks", "all", "--seed", "20261201", "--max-examples", "40", "--workers", "1",
         "-H", f"Authorization: Bearer {token}", "--no-color", *where],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("caller", ["device", "admin"])
def test_schemathesis_finds_nothing(server: ServerThread, tmp_path: Path, caller: str) -> None:
    if caller == "device":
        out = st(server, device_token(server), "--include-path-regex", PUBLIC, tmp_path=tmp_path)
    else:
        token = server.server.keys.admin_token
        out = st(server, token, "--exclude-path-regex", PUBLIC, tmp_path=tmp_path)
    assert "generated" in out
    assert "No issues found" in out or " 0 failures" in out or "failures" not in out, out[-3000:]
