"""The acoustic loop's signal processing (bridge/probe/chirp.py): the chirp, and loops found
in recordings with noise, a tone, speech-like noise and a band-limited, phase-shifting path
(an Opus round trip's stand-in), or rightly not found."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.probe.chirp import MIN_CONFIDENCE, chirp, find_loop

SR = 48_000
F64 = npt.NDArray[np.float64]


def noise(seconds: float, dbfs: float, seed: int) -> F64:
    """White noise of RMS ``dbfs``."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(round(seconds * SR)) * 10 ** (dbfs / 20)


def speech_like(seconds: float, dbfs: float, seed: int) -> F64:
    """Noise with speech's slope (-3 dB/octave above 100 Hz, little above 4 kHz) and its
    syllable rhythm (4 Hz), RMS ``dbfs``."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SR)
    spectrum /= np.sqrt(np.maximum(freqs, 100.0))
    spectrum[freqs > 4000] *= 0.1
    x = np.fft.irfft(spectrum, n)
    t = np.arange(n) / SR
    x *= 0.2 + np.sin(2 * np.pi * 4 * t + rng.uniform(0, 2 * np.pi)) ** 2
    return x * 10 ** (dbfs / 20) / np.sqrt(np.mean(x**2))


def tone(seconds: float, hz: float, amplitude: float) -> F64:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * SR)) / SR)


def biquad(kind: str, hz: float) -> tuple[F64, F64]:
    """A 2nd-order Butterworth high- or low-pass (RBJ cookbook): (b, a) with a[0] = 1."""
    w = 2 * np.pi * hz / SR
    alpha = np.sin(w) / (2 * np.sqrt(0.5))
    c = np.cos(w)
    b = (
        np.array([1 + c, -2 * (1 + c), 1 + c]) / 2
        if kind == "high"
        else np.array([1 - c, 2 * (1 - c), 1 - c]) / 2
    )
    a = np.array([1 + alpha, -2 * c, 1 - alpha])
    return b / a[0], a / a[0]


def band_pass(x: F64, low: float = 300.0, high: float = 4000.0) -> F64:
    """A 4th-order band-pass (a high-pass and a low-pass biquad in cascade) with its real phase:
    the biquads' transfer function applied in the frequency domain, zero-padded by far more
    than their impulse response lasts, so it equals running the recursion sample by sample."""
    n = x.size + SR // 10
    z = np.exp(-1j * 2 * np.pi * np.fft.rfftfreq(n, 1 / SR) / SR)
    response = np.ones_like(z)
    for kind, hz in (("high", low), ("low", high)):
        b, a = biquad(kind, hz)
        response *= (b[0] + b[1] * z + b[2] * z**2) / (a[0] + a[1] * z + a[2] * z**2)
    return np.fft.irfft(np.fft.rfft(x, n) * response, n)[: x.size]


def played_signal(seconds: float = 2.0) -> F64:
    """What the bridge plays: the chirp, then silence while the loop is listened for."""
    played = np.zeros(round(seconds * SR))
    c = chirp()
    played[: c.size] = c
    return played


def through_loop(played: F64, delay_ms: float, return_db: float) -> F64:
    d = round(delay_ms * SR / 1000)
    heard = np.zeros_like(played)
    heard[d:] = played[: played.size - d] * 10 ** (return_db / 20)
    return heard


def test_the_chirp_is_a_faded_log_sweep_at_its_level() -> None:
    c = chirp()
    assert c.dtype == np.float32
    assert c.size == SR // 2
    assert np.array_equal(c, chirp())
    assert float(np.abs(c).max()) == pytest.approx(10 ** (-12 / 20), rel=1e-3)
    assert abs(float(c[0])) < 1e-6 and abs(float(c[-1])) < 1e-3  # faded, no click
    # Instantaneous frequency from zero crossings: 300 Hz at the start, 6 kHz at the end, the
    # middle at the geometric mean (a log sweep), not the arithmetic one.
    crossings = np.flatnonzero(np.diff(np.signbit(c)))
    rate = np.diff(crossings)
    mid = rate[np.searchsorted(crossings, c.size // 2)]
    assert SR / (2 * mid) == pytest.approx(np.sqrt(300 * 6000), rel=0.05)
    assert SR / (2 * rate[1]) == pytest.approx(300, rel=0.1)
    assert SR / (2 * rate[-2]) == pytest.approx(6000, rel=0.1)
    with pytest.raises(ValueError):
        chirp(f0=6000, f1=300)


@pytest.mark.parametrize(("delay_ms", "return_db"), [(30, -20), (5, -6), (200, -30), (800, -25)])
def test_a_loop_is_found_under_white_noise(delay_ms: float, return_db: float) -> None:
    played = played_signal()
    recorded = through_loop(played, delay_ms, return_db) + noise(2.0, -50, seed=delay_ms)
    loop = find_loop(played, recorded)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(delay_ms, abs=1)
    assert loop.echo_return_db == pytest.approx(return_db, abs=1)
    assert loop.confidence > MIN_CONFIDENCE


@pytest.mark.parametrize(("delay_ms", "return_db"), [(30, -20), (5, -6), (200, -30), (800, -25)])
def test_a_loop_is_found_through_a_band_pass_path(delay_ms: float, return_db: float) -> None:
    played = played_signal()
    heard = band_pass(through_loop(played, delay_ms, return_db))
    recorded = heard + noise(2.0, -50, seed=1)
    loop = find_loop(played, recorded)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(delay_ms, abs=5)
    assert loop.echo_return_db == pytest.approx(return_db, abs=3)


def test_the_issues_loop_is_found_through_a_codec_like_path_with_a_talker() -> None:
    # Issue 12's case, 30 ms / -20 dB, with what a hall adds: a person talking, hiss, and a
    # codec's band and phase, the level changed a little on the way.
    played = played_signal()
    heard = 0.9 * band_pass(through_loop(played, 30, -20), 200, 7000)
    recorded = heard + speech_like(2.0, -26, seed=3) + noise(2.0, -45, seed=4)
    loop = find_loop(played, recorded)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(30, abs=5)
    assert loop.echo_return_db == pytest.approx(-20 + 20 * np.log10(0.9), abs=3)


def test_a_loop_is_found_beside_a_steady_tone() -> None:
    played = played_signal()
    recorded = through_loop(played, 120, -20) + tone(2.0, 1000, 0.1) + noise(2.0, -50, seed=5)
    loop = find_loop(played, recorded)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(120, abs=1)
    assert loop.echo_return_db == pytest.approx(-20, abs=1)


@pytest.mark.parametrize(
    "recorded",
    [
        pytest.param(noise(2.0, -50, seed=6), id="hiss"),
        pytest.param(noise(2.0, -20, seed=7), id="loud-noise"),
        pytest.param(tone(2.0, 1000, 0.3) + noise(2.0, -60, seed=8), id="tone"),
        pytest.param(tone(2.0, 440, 0.5), id="pure-tone"),
        pytest.param(speech_like(2.0, -20, seed=9), id="speech"),
        pytest.param(np.zeros(2 * SR), id="silence"),
    ],
)
def test_no_loop_is_found_where_there_is_none(recorded: F64) -> None:
    assert find_loop(played_signal(), recorded) is None


def test_a_silent_playback_finds_nothing() -> None:
    assert find_loop(np.zeros(SR), noise(1.0, -20, seed=10)) is None


def test_a_loop_beyond_the_longest_delay_searched_is_not_reported() -> None:
    played = played_signal()
    recorded = through_loop(played, 600, -10) + noise(2.0, -50, seed=11)
    assert find_loop(played, recorded, max_delay_ms=400) is None


@pytest.mark.parametrize("offset_ms", [-250.0, -20.0, 0.0, 15.0, 73.3])
def test_the_delay_is_counted_from_the_start_of_playback(offset_ms: float) -> None:
    # The recording started before (negative) or after playback: it is the loop's signal
    # shifted, and the delay found is still the loop's own.
    played = played_signal()
    heard = through_loop(np.concatenate((np.zeros(SR // 2), played)), 30, -20)
    start = round((500 + offset_ms) * SR / 1000)
    recorded = heard[start : start + int(1.5 * SR)] + noise(1.5, -50, seed=12)
    loop = find_loop(played, recorded, recording_offset_ms=offset_ms)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(30, abs=1)
    assert loop.echo_return_db == pytest.approx(-20, abs=1)


def test_integer_samples_are_read_as_16_bit() -> None:
    played = played_signal()
    recorded = through_loop(played, 40, -12) + noise(2.0, -50, seed=13)
    loop = find_loop(
        np.rint(played * 32767).astype(np.int16), np.rint(recorded * 32767).astype(np.int16)
    )
    assert loop is not None
    assert loop.delay_ms == pytest.approx(40, abs=1)
    assert loop.echo_return_db == pytest.approx(-12, abs=1)


@settings(max_examples=40, deadline=None)
@given(
    delay_ms=st.floats(0.0, 1000.0),
    return_db=st.floats(-40.0, 0.0),
    seed=st.integers(0, 2**16),
)
def test_any_loop_in_range_is_found(delay_ms: float, return_db: float, seed: int) -> None:
    # Down to -40 dB under -50 dBFS hiss the chirp is still ~30 dB above the noise after the
    # matched filter's gain (0.5 s × 5.7 kHz); the delay is then exact to the sample.
    played = played_signal(2.0)
    recorded = through_loop(played, delay_ms, return_db) + noise(2.0, -50, seed=seed)
    loop = find_loop(played, recorded)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(round(delay_ms * SR / 1000) * 1000 / SR, abs=1)
    assert loop.echo_return_db == pytest.approx(return_db, abs=1)
