"""A sound player that only remembers, for tests."""

from __future__ import annotations

from kiosk.ui.present import Tone


class FakePlayer:
    """Remembers what it was asked to play."""

    def __init__(self) -> None:
        self.played: list[Tone] = []
        self.prepared = False

    def prepare(self) -> None:
        """Nothing to load."""
        self.prepared = True

    def play(self, tone: Tone) -> None:
        """Note `tone`."""
        self.played.append(tone)

    def close(self) -> None:
        """Nothing to release."""
