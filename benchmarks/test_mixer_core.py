"""Cost of one mixer tick (bridge/mixer/core.py) beside naive references.

Run: ``.venv/bin/python -m pytest benchmarks/test_mixer_core.py --benchmark-enable
--benchmark-only -q``. Without ``--benchmark-enable`` (the project default) every benchmark runs
once, as a smoke test. Results: docs/performance.md, "Mixer core".
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bridge.mixer.core import FRAME_SAMPLES, SAMPLE_RATE, MixerConfig, MixerState, mix

F32 = npt.NDArray[np.float32]
SITES = [10, 50, 100, 200]


def briefing_block(n: int, seed: int = 0) -> F32:
    """3 talking sites (a tone plus speech-like noise at about -23 dBFS), the rest quiet rooms
    at about -60 dBFS."""
    rng = np.random.default_rng(seed)
    block = (rng.standard_normal((n, FRAME_SAMPLES)) * 10 ** (-60 / 20)).astype(np.float32)
    t = np.arange(FRAME_SAMPLES) / SAMPLE_RATE
    for i, freq in enumerate((140.0, 210.0, 330.0)):
        voice = 0.06 * np.sin(2 * np.pi * freq * t) + 0.04 * rng.standard_normal(FRAME_SAMPLES)
        block[i * (n // 3)] = voice.astype(np.float32)
    return block


def naive_loop_mix(block: F32, muted: npt.NDArray[np.bool_], gains: F32) -> list[F32]:
    """The mix without the design: every site gets its own sum of all the others, in Python."""
    n = block.shape[0]
    out = []
    for i in range(n):
        acc = np.zeros(block.shape[1], np.float32)
        for j in range(n):
            if j != i and not muted[j]:
                acc += gains[j] * block[j]
        out.append(np.clip(acc, -1.0, 1.0))
    return out


def vectorised_n_minus_1_mix(block: F32, muted: npt.NDArray[np.bool_], gains: F32) -> F32:
    """Every site's N-1 mix, vectorised: the fast way to do the wrong amount of work."""
    scaled = block * np.where(muted, 0.0, gains).astype(np.float32)[:, None]
    return np.clip(scaled.sum(axis=0) - scaled, -1.0, 1.0)


def inputs(n: int) -> tuple[F32, npt.NDArray[np.bool_], F32]:
    return briefing_block(n), np.zeros(n, np.bool_), np.ones(n, np.float32)


@pytest.mark.parametrize("n", SITES)
def test_mix(benchmark: BenchmarkFixture, n: int) -> None:
    block, muted, gains = inputs(n)
    state = MixerState(MixerConfig())
    for _ in range(50):  # steady state: talkers chosen, levelling under way
        mix(block, muted=muted, gains=gains, state=state)
    result = benchmark(mix, block, muted=muted, gains=gains, state=state)
    assert result.talkers.size == 3


@pytest.mark.parametrize("n", SITES)
def test_naive_loop_reference(benchmark: BenchmarkFixture, n: int) -> None:
    block, muted, gains = inputs(n)
    out = benchmark(naive_loop_mix, block, muted, gains)
    assert len(out) == n


@pytest.mark.parametrize("n", SITES)
def test_vectorised_n_minus_1_reference(benchmark: BenchmarkFixture, n: int) -> None:
    block, muted, gains = inputs(n)
    out = benchmark(vectorised_n_minus_1_mix, block, muted, gains)
    assert out.shape == (n, FRAME_SAMPLES)
