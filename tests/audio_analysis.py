"""Measuring what arrived: the level of a tone in a recording, by FFT."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000


def as_float(samples: npt.NDArray[np.generic]) -> npt.NDArray[np.float64]:
    x = np.asarray(samples, dtype=np.float64)
    return x / 32768.0 if np.issubdtype(np.asarray(samples).dtype, np.integer) else x


def tone_level_db(samples: npt.NDArray[np.generic], hz: float) -> float:
    """The amplitude of a sine at ``hz`` in dBFS (a full-scale sine is 0 dB).

    A Hann window with its coherent gain corrected, and the peak searched ±3 bins around
    ``hz`` so a slight resampling offset does not hide a tone.
    """
    x = as_float(samples)
    if len(x) < 1024:
        return -200.0
    window = np.hanning(len(x))
    spectrum = np.abs(np.fft.rfft(x * window)) * 2 / window.sum()
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    i = int(np.argmin(np.abs(freqs - hz)))
    peak = float(spectrum[max(0, i - 3) : i + 4].max())
    return 20 * np.log10(max(peak, 1e-10))


def tone_present_per_window(
    samples: npt.NDArray[np.generic], hz: float, window_s: float = 0.1, floor_db: float = -50
) -> npt.NDArray[np.bool_]:
    """For each ``window_s`` slice: is the tone above ``floor_db``? (gaps show as False)."""
    x = as_float(samples)
    size = int(window_s * SAMPLE_RATE)
    return np.array(
        [tone_level_db(x[i : i + size], hz) > floor_db for i in range(0, len(x) - size + 1, size)]
    )
