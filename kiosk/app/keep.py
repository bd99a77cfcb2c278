"""The kiosk's outbox on disk, sealed with a key from its vault.

    outbox, known = open_outbox(config_path, secrets)   # <config>.outbox.db beside the settings

The key is made on first use and kept in the vault (never beside the outbox). When the vault
or the file cannot be used the kiosk still keeps attempts, in memory, and tells staff why
(`Outbox.problem`): they survive an outage but not a restart.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.app.backend import Secrets
from kiosk.outbox.known import Known
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import Outbox, OutboxError
from kiosk.settings.vault import Secret, VaultError

log = logging.getLogger(__name__)


def outbox_path(config_path: Path) -> Path:
    """``kiosk.toml`` → ``kiosk.outbox.db`` beside it."""
    return config_path.with_name(f"{config_path.stem}.outbox.db")


def open_outbox(config_path: Path | None, secrets: Secrets) -> tuple[Outbox, Known]:
    """The outbox beside `config_path` and what the kiosk knows offline, in the same file (in
    memory without a path: a kiosk built by a test)."""
    try:
        sealer = Sealer(_key(secrets))
    except (VaultError, ValueError) as exc:  # ValueError: the kept key is not a key
        log.error("the outbox key cannot be kept: %s", exc)
        return _in_memory(Sealer(Sealer.new_key()), str(exc))
    if config_path is None:
        return Outbox.memory(sealer), Known.memory(sealer)
    path = outbox_path(config_path)
    try:
        outbox = Outbox.open(path, sealer)
    except OutboxError as exc:
        log.error("%s", exc)
        return _in_memory(sealer, str(exc))
    try:
        return outbox, Known.open(path, sealer)
    except OutboxError as exc:
        log.error("%s", exc)
        return outbox, Known.memory(sealer)


def _in_memory(sealer: Sealer, why: str) -> tuple[Outbox, Known]:
    outbox = Outbox.memory(sealer)
    outbox.problem = f"kept in memory only (lost on restart): {why}"
    return outbox, Known.memory(sealer)


def _key(secrets: Secrets) -> bytes:
    """The vault's outbox key, made and kept on first use; raises `VaultError`."""
    vault = secrets.open()
    key = vault.get(Secret.OUTBOX_KEY)
    if not key:
        key = Sealer.new_key().decode()
        vault.set(Secret.OUTBOX_KEY, key)
    return key.encode()
