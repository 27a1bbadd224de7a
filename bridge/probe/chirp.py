"""The loudspeaker chain, acoustically: a chirp played to a hall and found in its microphone.

The bridge plays ``chirp()`` (a logarithmic sweep) to the hall; what comes back in the hall's
microphone is searched for it with a matched filter (``find_loop``). The peak's lag is the
acoustic loop delay (loudspeaker → room → microphone, plus whatever the endpoint's audio
path adds), its height the echo return: the level of the chirp in the recording relative to
the level played. A log sweep spends equal time per octave, so it excites the low band a
loudspeaker is weakest in for long enough, and its autocorrelation is a single narrow peak:
the delay is found to a fraction of a millisecond.

Levels are amplitudes in dB (a full-scale sine is 0 dBFS, as tests/audio_analysis.py counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

SAMPLE_RATE = 48_000
#: Raised-cosine fade at each end of the sweep: no click at the start and stop (a click is
#: broadband, and a loudspeaker's protection or a codec may treat it badly).
FADE_SECONDS = 0.010
#: A loop is credible when its correlation peak stands this many times above the median of the
#: correlation over the searched lags. Noise alone, a steady tone or speech-like noise give
#: 2–6 (the largest of some thousand Rayleigh-distributed values is about 3.5 × their median);
#: a loop at −40 dB under −50 dBFS white noise still gives several tens.
MIN_CONFIDENCE = 12.0
#: The spectral weighting's exponent: the cross spectrum is divided by its magnitude raised to
#: this power before the detection peak is searched (a partial phase transform). 0 is the
#: plain matched filter, which a steady tone in the room can swamp (the sweep crosses the
#: tone's frequency at every lag); 1 is the full phase transform, which gives noisy bins as
#: much weight as the chirp's. 0.8 keeps the peak narrow and a tone down to one bin's weight.
WEIGHT_EXPONENT = 0.8
#: Bins where the played signal is this far below its strongest bin carry no chirp and are
#: left out (the recording's hum, hiss and speech outside the sweep's band do not count).
BAND_FLOOR_DB = -30.0
#: The echo return is the plain matched filter's peak within this distance of the detection
#: peak: a band-limited path (a codec, a small loudspeaker) spreads the chirp's energy over a
#: few milliseconds and moves the plain filter's peak slightly.
LEVEL_SEARCH_SECONDS = 0.003


@dataclass(frozen=True)
class Loop:
    """An acoustic loop found: its delay from the start of playback, its echo return (the
    found chirp's level relative to the played one, e.g. −20.0 dB for an amplitude of 0.1) and
    how far its peak stands above the correlation's median (see ``MIN_CONFIDENCE``)."""

    delay_ms: float
    echo_return_db: float
    confidence: float


def chirp(
    seconds: float = 0.5,
    f0: float = 300.0,
    f1: float = 6000.0,
    sample_rate: int = SAMPLE_RATE,
    level_dbfs: float = -12.0,
) -> F32:
    """A logarithmic sweep from ``f0`` to ``f1`` Hz with raised-cosine fades, peak amplitude
    ``level_dbfs`` (its RMS is about 3 dB lower). Deterministic: the same arguments give the
    same samples, so the bridge can regenerate what it played instead of keeping it."""
    if not 0 < f0 < f1 <= sample_rate / 2:
        raise ValueError(f"need 0 < f0 < f1 <= {sample_rate / 2}, got {f0}, {f1}")
    n = round(seconds * sample_rate)
    if n < 2:
        raise ValueError(f"a chirp needs at least two samples, got {seconds} s")
    t = np.arange(n, dtype=np.float64) / sample_rate
    rate = np.log(f1 / f0) / seconds
    # The phase of a sweep whose instantaneous frequency is f0·e^(rate·t).
    phase = 2 * np.pi * f0 * np.expm1(rate * t) / rate
    sweep = np.sin(phase)
    fade = min(round(FADE_SECONDS * sample_rate), n // 2)
    if fade:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        sweep[:fade] *= ramp
        sweep[n - fade :] *= ramp[::-1]
    return (sweep * 10.0 ** (level_dbfs / 20.0)).astype(np.float32)


def find_loop(
    played: npt.NDArray[np.floating],
    recorded: npt.NDArray[np.floating],
    sample_rate: int = SAMPLE_RATE,
    max_delay_ms: float = 1000.0,
    recording_offset_ms: float = 0.0,
) -> Loop | None:
    """The loop from ``played`` (what went to the loudspeaker, its first sample at the start of
    playback; silence around the chirp is fine) to ``recorded`` (the microphone), or None when
    no credible loop with a delay in ``[0, max_delay_ms]`` is found.

    ``recording_offset_ms`` is when the recording's first sample was taken, relative to the
    start of playback (negative: it started before); the delay is counted from the start of
    playback whatever it is. Both signals are at ``sample_rate``, any dtype (integers are read
    as 16-bit, so their level is relative to full scale as well).
    """
    p = _as_float(played)
    r = _as_float(recorded)
    if p.size == 0 or r.size == 0:
        return None
    offset = recording_offset_ms * sample_rate / 1000.0
    # Lags (recording index of the played signal's first sample) whose delay is in range.
    lo = max(-(p.size - 1), int(np.ceil(-offset)))
    hi = min(r.size - 1, int(np.floor(max_delay_ms * sample_rate / 1000.0 - offset)))
    if hi < lo:
        return None
    n = _fft_size(p.size + r.size - 1)
    spectrum_p = np.fft.rfft(p, n)
    magnitude_p = np.abs(spectrum_p)
    strongest = float(magnitude_p.max())
    if strongest == 0.0:
        return None
    band = magnitude_p >= strongest * 10.0 ** (BAND_FLOOR_DB / 20.0)
    band[0] = False  # DC carries no delay, and a recording's offset would swamp it
    cross = np.fft.rfft(r, n) * np.conj(spectrum_p) * band
    # Parseval: the played signal's energy within the band, what a unit loop's peak reaches.
    energy = 2.0 * float(np.sum(magnitude_p[band] ** 2)) / n
    if energy == 0.0:
        return None

    lags = np.arange(lo, hi + 1)
    magnitude_x = np.abs(cross)
    weighted = cross / np.maximum(magnitude_x, np.finfo(np.float64).tiny) ** WEIGHT_EXPONENT
    detection = _envelope(weighted, n)[lags % n]
    median = float(np.median(detection))
    i = int(np.argmax(detection))
    peak = float(detection[i])
    if peak == 0.0:
        return None
    confidence = peak / median if median > 0.0 else float("inf")
    if confidence < MIN_CONFIDENCE:
        return None

    # The level: the plain matched filter's envelope, whose peak is g·energy for a loop of
    # gain g whatever the loop's phase (the envelope of an analytic signal ignores it).
    reach = max(1, round(LEVEL_SEARCH_SECONDS * sample_rate))
    near = lags[max(0, i - reach) : i + reach + 1]
    level = float(_envelope(cross, n)[near % n].max()) / energy
    lag = float(lags[i]) + _parabolic(detection, i)
    return Loop(
        delay_ms=(lag + offset) * 1000.0 / sample_rate,
        echo_return_db=20.0 * float(np.log10(max(level, 1e-12))),
        confidence=confidence,
    )


def _as_float(samples: npt.NDArray[np.generic]) -> F64:
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"expected mono samples, got shape {x.shape}")
    if np.issubdtype(x.dtype, np.integer):
        return x.astype(np.float64) / 32768.0
    return x.astype(np.float64, copy=False)


def _fft_size(n: int) -> int:
    """The smallest 2^a·3^b·5^c at least ``n``: numpy's FFT is fast on these, and a power of two
    alone may nearly double the work."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _envelope(half_spectrum: npt.NDArray[np.complex128], n: int) -> F64:
    """The magnitude of the analytic signal of the real signal whose rfft is ``half_spectrum``
    (length ``n``): positive frequencies doubled, negative ones dropped."""
    full = np.zeros(n, dtype=np.complex128)
    full[: half_spectrum.size] = half_spectrum
    full[1 : (n + 1) // 2] *= 2.0
    return np.abs(np.fft.ifft(full))


def _parabolic(values: F64, i: int) -> float:
    """The sub-sample offset of the peak at ``i``, from a parabola through it and its
    neighbours (0 at an edge)."""
    if i == 0 or i == values.size - 1:
        return 0.0
    a, b, c = float(values[i - 1]), float(values[i]), float(values[i + 1])
    curve = a - 2.0 * b + c
    return 0.0 if curve >= 0.0 else 0.5 * (a - c) / curve
