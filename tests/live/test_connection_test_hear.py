"""The runner's analysis of a hall's recording (bridge/live/connection_test.py ``hear``),
which runs in a worker thread: the microphone's figures and the chirp's loop, counted from
when the chirp was played, out of a ``Recording`` placed by RTP timestamp."""

from __future__ import annotations

import numpy as np

from bridge.live.connection_test import FRAME_S, FRAME_SAMPLES, Recording, hear
from bridge.probe.chirp import SAMPLE_RATE, chirp


def recording_of(audio: np.ndarray, first_sent: float) -> Recording:
    """``audio`` as 20 ms frames, each arriving as soon as it was captured."""
    recording = Recording()
    for k in range(len(audio) // FRAME_SAMPLES):
        row = audio[k * FRAME_SAMPLES : (k + 1) * FRAME_SAMPLES]
        recording.add(row, first_sent + (k + 1) * FRAME_S, k * FRAME_SAMPLES)
    return recording


def test_the_chirp_is_found_from_when_it_was_played() -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal(4 * SAMPLE_RATE) * 10 ** (-50 / 20)).astype(np.float32)
    sweep = chirp()
    at = int(0.2 * SAMPLE_RATE)  # heard 200 ms into the recording, 20 dB down
    audio[at : at + len(sweep)] += 0.1 * sweep
    # the recording began 100 ms after the chirp was played: a 300 ms loop
    mic, loop = hear(recording_of(audio, first_sent=10.0), sweep, played_at=9.9)
    assert loop is not None
    assert abs(loop.delay_ms - 300.0) < 1.0
    assert abs(loop.echo_return_db - (-20.0)) < 1.0
    assert mic is not None and mic.level_db > -50


def test_without_a_chirp_only_the_microphone_is_judged() -> None:
    audio = np.full(2 * SAMPLE_RATE, 0.01, np.float32)
    mic, loop = hear(recording_of(audio, first_sent=0.0), chirp(), played_at=None)
    assert loop is None and mic is not None


def test_an_empty_recording_gives_nothing() -> None:
    assert hear(Recording(), chirp(), played_at=5.0) == (None, None)


def test_a_chirp_played_but_not_heard_is_no_loop() -> None:
    # played to a hall whose microphone only hears its room: searched for, not found
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal(4 * SAMPLE_RATE) * 10 ** (-50 / 20)).astype(np.float32)
    mic, loop = hear(recording_of(audio, first_sent=10.0), chirp(), played_at=9.9)
    assert loop is None
    # RMS −50 dB noise reads −47 dBFS: the level counts a full-scale sine as 0 dBFS
    assert mic is not None and abs(mic.level_db - (-47.0)) < 1.0
