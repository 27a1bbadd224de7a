"""Level arithmetic for the mixer: decibels, meters and the soft-limiter curve.

All levels are dBFS with full scale = ±1.0, so a full-scale sine reads −3 dBFS RMS and a
full-scale square wave 0 dBFS. Meters never return −inf: silence reads ``FLOOR_DBFS``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]

#: What silence reads on a meter; far below any codec's noise floor (Opus ≈ −100 dBFS).
FLOOR_DBFS = -120.0
_FLOOR_POWER = 10.0 ** (FLOOR_DBFS / 10.0)


def db_to_gain(db: float) -> float:
    """Linear amplitude gain for a gain in dB."""
    return float(10.0 ** (db / 20.0))


def gain_to_db(gain: float) -> float:
    """Gain in dB for a linear amplitude gain; a zero gain reads ``FLOOR_DBFS``."""
    return float(10.0 * np.log10(max(gain * gain, _FLOOR_POWER)))


def mean_square(block: F32) -> F32:
    """Mean power of each row of a ``(n, samples)`` block, without an ``(n, samples)`` temporary."""
    # vecdot reduces each row in one pass; np.square(block).mean(1) would allocate the block
    # again every tick.
    return np.vecdot(block, block) / np.float32(block.shape[1])


def power_to_dbfs(power: npt.NDArray[np.floating]) -> F32:
    """Mean power → dBFS, clamped at ``FLOOR_DBFS`` (so silence and zero gain are finite)."""
    db = np.float32(10.0) * np.log10(np.maximum(power, np.float32(_FLOOR_POWER)))
    return np.maximum(db, np.float32(FLOOR_DBFS)).astype(np.float32, copy=False)


def soft_clip(y: F32, threshold: float) -> F32:
    """Soft-clip ``y`` in place: identity up to ``threshold``, a tanh knee above it.

    The curve is continuous with slope 1 at the knee and tends to ±1.0, so it never wraps and
    never exceeds full scale (a final clip absorbs float32 rounding at the asymptote). It is
    memoryless: the same input gives the same output in every mix, which keeps a site's output
    continuous when it moves between the shared and its personal mix.
    """
    t = np.float32(threshold)
    mag = np.abs(y)
    if float(mag.max(initial=0.0)) > t:
        head = np.float32(1.0) - t
        if head > 0:
            over = mag > t
            knee = t + head * np.tanh((mag[over] - t) / head)
            y[over] = np.copysign(knee, y[over])
        np.clip(y, -1.0, 1.0, out=y)
    return y
