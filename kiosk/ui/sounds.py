"""A short sound with each result when `kiosk.sounds` is on: a rising chime for a welcome, a
falling one for goodbye, a low double tone for a refusal or a problem, one note for news.

    chime = Chime(QtPlayer())          # tests pass a fake player
    controller.view_changed.connect(chime.show)

The tones are made here (sine notes with soft edges, written once as WAV files into a private
temporary folder) and played by Qt's QSoundEffect. A kiosk without a working audio device stays
silent: that is logged once, and nothing else changes.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kiosk.flows.checkin import Screen, View
from kiosk.ui.present import Tone, tone_of

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

log = logging.getLogger(__name__)

RATE = 22050
NOTE = 0.11  # seconds per note
VOLUME = 0.35  # of full scale, before QSoundEffect's own volume
NOTES: dict[Tone, tuple[float, ...]] = {
    Tone.WELCOME: (659.3, 987.8),  # E5 → B5
    Tone.GOODBYE: (987.8, 659.3),
    Tone.INFO: (784.0,),
    Tone.REFUSED: (311.1, 311.1),
    Tone.PROBLEM: (311.1, 311.1),
}


def wav(frequencies: tuple[float, ...], note: float = NOTE, rate: int = RATE) -> bytes:
    """Mono 16-bit WAV of `frequencies` one after another, each faded in and out (no clicks)."""
    count, fade = round(note * rate), round(0.01 * rate)
    samples = []
    for frequency in frequencies:
        for i in range(count):
            edge = min(1.0, i / fade, (count - 1 - i) / fade)
            value = VOLUME * edge * math.sin(2 * math.pi * frequency * i / rate)
            samples.append(round(value * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()


class Player(Protocol):
    """Plays a result's sound."""

    def prepare(self) -> None:
        """Get ready to play at once (loading takes a moment)."""
        ...

    def play(self, tone: Tone) -> None:
        """Play `tone`'s sound now."""
        ...

    def close(self) -> None:
        """Release the sounds."""
        ...


class QtPlayer:
    """QSoundEffects over WAV files made on first use."""

    def __init__(self) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._effects: dict[Tone, QSoundEffect] = {}
        self._warned = False

    def prepare(self) -> None:
        """Make and load every sound."""
        for tone in Tone:
            self._effect(tone)

    def play(self, tone: Tone) -> None:
        """Play `tone`'s sound, or stay silent without a working audio device."""
        from PySide6.QtMultimedia import QSoundEffect

        effect = self._effect(tone)
        if effect.status() is QSoundEffect.Status.Error:
            if not self._warned:
                log.warning("sounds are on but cannot be played (no working audio device)")
                self._warned = True
            return
        effect.play()

    def _effect(self, tone: Tone) -> QSoundEffect:
        if tone not in self._effects:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QSoundEffect

            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="kiosk-sounds-")
            path = Path(self._folder.name) / f"{tone.value}.wav"
            path.write_bytes(wav(NOTES[tone]))
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[tone] = effect
        return self._effects[tone]

    def close(self) -> None:
        """Stop and forget the sounds and their files."""
        for effect in self._effects.values():
            effect.stop()
            effect.deleteLater()
        self._effects.clear()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


class Chime:
    """Plays each result's sound while sounds are on."""

    def __init__(self, player: Player, enabled: bool = False) -> None:
        self.player = player
        self.enabled = False
        self.wanted = False  # a member turned sounds on for their own check-in
        self.set_enabled(enabled)

    def set_enabled(self, enabled: bool) -> None:
        """Sounds on or off (`kiosk.sounds`)."""
        if enabled and not self.enabled:
            self.player.prepare()
        self.enabled = enabled

    def set_wanted(self, wanted: bool) -> None:
        """A member's speaker button: sounds for them, though they are off for everyone."""
        if wanted and not self.enabled and not self.wanted:
            self.player.prepare()
        self.wanted = wanted

    def show(self, view: View) -> None:
        """A new view: a result with an outcome sounds (once: not again when kept)."""
        loud = self.enabled or self.wanted
        if loud and view.screen is Screen.RESULT and view.outcome is not None and not view.kept:
            self.player.play(tone_of(view.outcome))
