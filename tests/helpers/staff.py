"""A staff controller over a memory vault, with the staff PIN set."""

from __future__ import annotations

from pathlib import Path

from kiosk.flows.staff import StaffController
from kiosk.settings.file import with_value
from kiosk.settings.model import Config
from tests.fakes.vault import MemoryVault
from tests.helpers.kiosk import HASH


def controller(tmp_path: Path, config: Config | None = None, **kw: object) -> StaffController:
    """A staff controller saving to `tmp_path`, the staff PIN set unless `config` says."""
    config = config or with_value(Config(), "staff.pin_hash", HASH)
    vault = MemoryVault()
    return StaffController(config, tmp_path / "kiosk.toml", lambda: vault, **kw)  # type: ignore[arg-type]
