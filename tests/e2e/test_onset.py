"""A talk onset from digital silence, heard through a real bridge by a silent hall."""

from __future__ import annotations

import asyncio
import math

import numpy as np

from endpoints.audio import FULL_SCALE, PacedAudioTrack, Samples
from endpoints.session import SiteClient
from tests.e2e.test_audio import AMPLITUDE, PROVINCES

# Longer than the mixer's talk hangover, so every onset is a new talker; not whole 20 ms
# frames, so each tone starts somewhere else in its frame (561, 162, 723, 324 samples in).
SILENCE_SAMPLES = 72_561
TONE_SAMPLES = 48_000
ONSETS = 4


class AbruptTalker(PacedAudioTrack):
    """Digital silence, then a 440 Hz tone that starts at full level mid-cycle, in turn."""

    def __init__(self) -> None:
        super().__init__()
        self._sent = 0
        self._step = 2 * math.pi * 440 / 48_000

    def next_samples(self, count: int) -> Samples:
        n = self._sent + np.arange(count)
        self._sent += count
        talking = (n % (SILENCE_SAMPLES + TONE_SAMPLES)) >= SILENCE_SAMPLES
        # The phase runs on in the silence, so each tone starts with a step, not at zero.
        tone = np.sin(self._step * n + 1.0) * (AMPLITUDE * FULL_SCALE)
        return np.round(np.where(talking, tone, 0.0)).astype(np.int16)


async def test_a_silent_hall_hears_an_abrupt_onset_no_louder_than_the_steady_tone(bridge):
    talker = SiteClient(bridge.links[PROVINCES[0]], record_seconds=30)
    listener = SiteClient(bridge.links[PROVINCES[1]], record_seconds=30)
    await talker.join()
    await listener.join()
    try:
        await asyncio.gather(talker.start_media(AbruptTalker()), listener.start_media())
        await asyncio.sleep(0.5 + ONSETS * (SILENCE_SAMPLES + TONE_SAMPLES) / 48_000)
        heard = listener.received_audio().astype(np.float64) / FULL_SCALE
    finally:
        await talker.close()
        await listener.close()
    frames = heard[: len(heard) // 960 * 960].reshape(-1, 960)
    peaks = np.abs(frames).max(axis=1)
    loud = np.sqrt(np.mean(frames**2, axis=1)) > AMPLITUDE / 4
    onsets = np.nonzero(np.diff(loud.astype(int)) == 1)[0] + 1
    assert len(onsets) >= ONSETS - 1, "every onset is heard"
    steady = float(np.median(peaks[loud]))
    assert steady > AMPLITUDE / 2, "the tone is heard"
    for onset in onsets:
        first = float(peaks[max(onset - 2, 0) : onset + 8].max())
        assert 20 * math.log10(first / steady) <= 1.0, (onset, first, steady)
