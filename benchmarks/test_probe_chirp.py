"""Cost of finding the acoustic loop (bridge/probe/chirp.py) in 2 s of a hall's microphone.

Run: ``.venv/bin/python -m pytest benchmarks/test_probe_chirp.py --benchmark-enable
--benchmark-only -q``. Without ``--benchmark-enable`` (the project default) it runs once, as a
smoke test. A connection test runs it once per hall, off the event loop when it is wired in.
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from bridge.probe.chirp import SAMPLE_RATE, chirp, find_loop


@pytest.mark.parametrize("max_delay_ms", [200.0, 1000.0])
def test_find_loop_in_two_seconds(benchmark: BenchmarkFixture, max_delay_ms: float) -> None:
    played = np.zeros(2 * SAMPLE_RATE, np.float32)
    c = chirp()
    played[: c.size] = c
    delay = round(0.030 * SAMPLE_RATE)
    rng = np.random.default_rng(0)
    recorded = (rng.standard_normal(played.size) * 10 ** (-50 / 20)).astype(np.float32)
    recorded[delay:] += 0.1 * played[: played.size - delay]
    loop = benchmark(find_loop, played, recorded, max_delay_ms=max_delay_ms)
    assert loop is not None
    assert loop.delay_ms == pytest.approx(30, abs=1)
