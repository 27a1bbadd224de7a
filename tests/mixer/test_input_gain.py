"""A hall's input gain (its profile's ``microphone.gain_db``) is heard by exactly its amount:
applied on top of levelling, which would otherwise steer it back to the target."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.mixer.core import FRAME_SAMPLES, SAMPLE_RATE, MixerConfig, MixerState, mix


def _tone(level_dbfs: float, ticks: int) -> np.ndarray:
    t = np.arange(ticks * FRAME_SAMPLES) / SAMPLE_RATE
    amplitude = np.sqrt(2) * 10 ** (level_dbfs / 20)
    return (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def _heard_db(gain_db: float, levelling: bool, ticks: int = 400) -> float:
    """The shared mix's level over the last second of a talker's steady tone, dBFS."""
    state = MixerState(MixerConfig(levelling=levelling))
    tone = _tone(-30.0, ticks)
    gains = np.array([1.0, 1.0], np.float32)
    inputs = np.array([10 ** (gain_db / 20), 1.0], np.float32)
    out = []
    for i in range(ticks):
        block = np.zeros((2, FRAME_SAMPLES), np.float32)
        block[0] = tone[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
        result = mix(block, muted=[False, False], gains=gains, state=state, input_gains=inputs)
        out.append(result.shared.copy())
    last = np.concatenate(out[-50:])
    return float(10 * np.log10(np.mean(last.astype(np.float64) ** 2)))


@pytest.mark.parametrize("levelling", [True, False])
@pytest.mark.parametrize("gain_db", [-6.0, 3.0, 6.0])
def test_the_gain_is_heard_by_its_amount_with_and_without_levelling(levelling, gain_db):
    base = _heard_db(0.0, levelling)
    assert _heard_db(gain_db, levelling) - base == pytest.approx(gain_db, abs=0.2)


def test_levelling_still_brings_a_quiet_talker_to_the_target_before_the_gain():
    # The gain is on top: without it the tone is levelled toward -23 dBFS.
    assert _heard_db(0.0, True, ticks=600) == pytest.approx(-23.0, abs=1.5)


def test_the_gain_does_not_change_metering():
    state = MixerState(MixerConfig())
    block = np.zeros((1, FRAME_SAMPLES), np.float32)
    block[0] = _tone(-30.0, 1)
    plain = mix(block, muted=[False], gains=[1.0], state=state).levels_dbfs[0]
    state = MixerState(MixerConfig())
    boosted = mix(block, muted=[False], gains=[1.0], state=state, input_gains=[4.0])
    assert boosted.levels_dbfs[0] == pytest.approx(plain)
