"""The real PC/SC stack (pcscd + vpcd) for the whole test session, and a kiosk on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.pcscd import Pcscd
from tests.helpers.vpcd import VirtualCard


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """This test process's own pcscd with the vpcd readers, on a socket and ports of its own
    (libpcsclite reads the socket's name once per process: one per session); processes the
    tests start get its `env`."""
    service = Pcscd(tmp_path_factory.mktemp("pcscd")).start()
    yield service
    service.close()


@pytest.fixture(autouse=True)
def _cards_off() -> Iterator[None]:
    """No card stays on a reader after its test."""
    yield
    VirtualCard.remove_all()
