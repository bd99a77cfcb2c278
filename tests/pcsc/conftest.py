"""The real PC/SC stack (pcscd + vpcd) for the whole test session, and a kiosk on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.pcscd import Pcscd
from tests.helpers.vpcd import VirtualCard


@pytest.fixture(scope="session")
def pcscd() -> Iterator[Pcscd]:
    """pcscd with the vpcd readers: reused when running, else started for the session."""
    service = Pcscd().ensure()
    yield service
    service.close()


@pytest.fixture(autouse=True)
def _cards_off() -> Iterator[None]:
    """No card stays on a reader after its test."""
    yield
    VirtualCard.remove_all()
