"""The result sounds: real WAV files, soft at both ends, one per kind of result."""

from __future__ import annotations

import io
import struct
import wave

from kiosk.domain import Outcome, Status
from kiosk.flows.checkin import Screen, View
from kiosk.ui.present import Tone
from kiosk.ui.sounds import NOTE, NOTES, RATE, VOLUME, Chime, wav
from tests.fakes.sounds import FakePlayer


def test_each_tone_is_a_short_mono_wav_without_clicks() -> None:
    assert set(NOTES) == set(Tone)
    for tone, notes in NOTES.items():
        with wave.open(io.BytesIO(wav(notes))) as file:
            assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (1, 2, RATE)
            count = file.getnframes()
            samples = struct.unpack(f"<{count}h", file.readframes(count))
        assert count == len(notes) * round(NOTE * RATE), tone
        assert max(abs(s) for s in samples) <= VOLUME * 32767 + 1
        assert max(abs(s) for s in samples) > VOLUME * 32767 * 0.9
        assert abs(samples[0]) < 200
        assert abs(samples[-1]) < 200


def test_the_chime_sounds_only_results_and_only_while_on() -> None:
    player = FakePlayer()
    chime = Chime(player)
    welcome = View(Screen.RESULT, Outcome(Status.CHECKED_IN, member="Ada"))
    chime.show(welcome)
    assert (player.played, player.prepared) == ([], False)
    chime.set_enabled(True)
    assert player.prepared
    chime.show(View(Screen.IDLE))
    chime.show(View(Screen.BUSY))
    chime.show(welcome)
    assert player.played == [Tone.WELCOME]
