"""The speech benchmark's scoring (benchmarks/speech_quality.py) and the mix defaults it chose.

Plain tests, not timings: ``pytest benchmarks/test_speech_quality.py`` (``make bench`` runs
them). They need the bench extra (pesq, scipy) and espeak-ng, and are skipped without them.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("pesq")
pytest.importorskip("scipy")
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed", allow_module_level=True)

from benchmarks.speech_quality import (
    SAMPLE_RATE,
    SENDER,
    Encoding,
    MixPlan,
    active_level_dbfs,
    align,
    encode,
    opus_round_trip,
    score,
    speech,
    through_mix,
)
from bridge.mixer.mixer import EncodingConfig


@pytest.fixture(scope="module")
def english() -> np.ndarray:
    return speech("en")


def test_speech_is_long_enough_and_at_the_levelling_target(english: np.ndarray) -> None:
    assert len(english) / SAMPLE_RATE >= 8.0
    assert active_level_dbfs(english) == pytest.approx(-23.0, abs=0.1)
    assert np.abs(english).max() < 1.0


def test_align_finds_the_delay_either_way() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(48_000).astype(np.float32)
    late = np.concatenate([np.zeros(1234, np.float32), x])
    aligned, lag = align(x, late, max_lag=4800)
    assert lag == 1234
    np.testing.assert_array_equal(aligned, x)
    early = x[500:]
    aligned, lag = align(x, early, max_lag=4800)
    assert lag == -500
    np.testing.assert_array_equal(aligned[500:], x[500:])


def test_pesq_tells_clean_from_degraded_speech(english: np.ndarray) -> None:
    delayed = np.concatenate([np.zeros(7000, np.float32), english])
    clean, lag = score(english, delayed)
    assert clean > 4.4  # P.862.2's ceiling is 4.64
    assert lag == pytest.approx(7000 / SAMPLE_RATE)
    noisy = english + np.float32(0.02) * np.random.default_rng(1).standard_normal(len(english))
    assert score(english, noisy.astype(np.float32))[0] < clean - 1.0


def test_the_mix_defaults_keep_speech_within_0_2_of_the_senders_encode(
    english: np.ndarray,
) -> None:
    # The mix is speech's second Opus encode; the bridge's defaults were chosen so that it
    # costs no more than 0.2 PESQ-WB (docs/performance.md, "Speech through the mix").
    own = score(english, opus_round_trip(english, SENDER))[0]
    payloads = encode(english, SENDER)
    d = EncodingConfig()
    default = Encoding(d.bitrate, complexity=d.complexity, bandwidth=d.max_bandwidth)
    heard = score(english, through_mix(payloads, default, MixPlan(halls=4)))[0]
    old = score(english, through_mix(payloads, Encoding(32_000, complexity=1), MixPlan(halls=4)))
    assert heard >= own - 0.2
    assert old[0] < heard - 0.5
