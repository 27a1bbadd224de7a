"""A hall's microphone, from what it sent during a connection test: level, clipping and
noise floor (``analyse``).

Counted per 20 ms frame (960 samples at 48 kHz) of the decoded audio, in dBFS as amplitude
(a full-scale sine is 0 dBFS, as tests/audio_analysis.py counts):
- **level**: the 90th percentile of the frames' RMS — what the room sounds like when
  something happens in it, without one cough deciding it;
- **noise floor**: the 10th percentile — the room between sounds (a fan, a projector, hum);
- **clipping**: the share of frames with a sample at or above 0.99 of full scale.
A frame of digital silence reads −120 dBFS, so a dead microphone reads far below the
verdict's −85 dBFS bound (bridge/readiness/verdict.py, ``mic_no_signal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FRAME = 960
FLOOR_DBFS = -120.0
CLIP_LEVEL = 0.99
#: +3.01 dB: a full-scale sine's RMS is 1/√2, and it reads 0 dBFS.
SINE_CORRECTION_DB = 20.0 * float(np.log10(np.sqrt(2.0)))


@dataclass(frozen=True)
class Microphone:
    level_db: float
    noise_floor_db: float
    clipping: float  # share of frames, 0–1
    frames: int


def analyse(samples: npt.NDArray[np.floating]) -> Microphone | None:
    """The microphone's figures from its decoded audio; None for under 0.2 s of it."""
    count = len(samples) // FRAME
    if count < 10:
        return None
    frames = np.asarray(samples[: count * FRAME], dtype=np.float64).reshape(count, FRAME)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    db = np.maximum(20.0 * np.log10(np.maximum(rms, 1e-12)) + SINE_CORRECTION_DB, FLOOR_DBFS)
    clipped = np.max(np.abs(frames), axis=1) >= CLIP_LEVEL
    return Microphone(
        level_db=round(float(np.percentile(db, 90)), 1),
        noise_floor_db=round(float(np.percentile(db, 10)), 1),
        clipping=round(float(np.mean(clipped)), 4),
        frames=count,
    )
