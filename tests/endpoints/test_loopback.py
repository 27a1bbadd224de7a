"""The headless endpoint's acoustic loop (endpoints/loopback.py)."""

from __future__ import annotations

import numpy as np
import pytest

from endpoints.loopback import AcousticLoop, acoustic_loop

BLOCK = 960


def test_a_signal_comes_back_delayed_and_attenuated() -> None:
    x = np.arange(1.0, 11.0)
    assert acoustic_loop(x, 3, 0.5).tolist() == [0, 0, 0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert acoustic_loop(x, 0, 1.0).tolist() == x.tolist()
    assert acoustic_loop(x, 20, 1.0).tolist() == [0.0] * 10
    with pytest.raises(ValueError):
        acoustic_loop(x, -1, 1.0)


def test_blocks_through_the_loop_equal_the_whole_signal_through_it() -> None:
    rng = np.random.default_rng(0)
    signal = rng.standard_normal(BLOCK * 50)
    loop = AcousticLoop(delay_ms=30, attenuation_db=20)
    heard = np.concatenate([loop.hear(b) for b in np.split(signal, 50)])
    assert loop.delay_samples == 1440
    np.testing.assert_allclose(heard, acoustic_loop(signal, 1440, 0.1), atol=1e-12)


def test_a_delay_longer_than_a_block_and_odd_block_sizes() -> None:
    signal = np.random.default_rng(1).standard_normal(20_000)
    loop = AcousticLoop(delay_ms=800, attenuation_db=6)
    pieces = np.split(signal, [7, 960, 3000, 3001, 12_345])
    heard = np.concatenate([loop.hear(p) for p in pieces])
    np.testing.assert_allclose(heard, acoustic_loop(signal, 38_400, 10 ** (-6 / 20)), atol=1e-12)


def test_memory_is_bounded_by_the_delay() -> None:
    loop = AcousticLoop(delay_ms=100, attenuation_db=0)
    block = np.ones(BLOCK, np.float32)
    for _ in range(500):
        loop.hear(block)
    assert loop.pending == 4800


def test_the_local_source_is_added_and_16_bit_blocks_saturate() -> None:
    loop = AcousticLoop(delay_ms=0, attenuation_db=0)
    played = np.full(BLOCK, 30_000, np.int16)
    local = np.full(BLOCK, 10_000, np.int16)
    heard = loop.hear(played, local)
    assert heard.dtype == np.int16
    assert heard.tolist() == [32767] * BLOCK
    quiet = AcousticLoop(delay_ms=0, attenuation_db=20).hear(np.full(4, 1000, np.int16))
    assert quiet.tolist() == [100] * 4
    with pytest.raises(ValueError):
        loop.hear(played, local[:10])


def test_the_chirp_detector_finds_the_loop_it_simulates() -> None:
    # Issue 12's acceptance case end to end through the endpoint's side: 30 ms / -20 dB.
    from bridge.probe.chirp import chirp, find_loop

    played = np.zeros(BLOCK * 50, np.float32)
    c = chirp()
    played[: c.size] = c
    loop = AcousticLoop(delay_ms=30, attenuation_db=20)
    talker = (np.random.default_rng(2).standard_normal(played.size) * 0.003).astype(np.float32)
    heard = np.concatenate(
        [loop.hear(p, t) for p, t in zip(np.split(played, 50), np.split(talker, 50), strict=True)]
    )
    found = find_loop(played, heard)
    assert found is not None
    assert found.delay_ms == pytest.approx(30, abs=1)
    assert found.echo_return_db == pytest.approx(-20, abs=1)


def test_out_of_range_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        AcousticLoop(delay_ms=-1, attenuation_db=0)
    with pytest.raises(ValueError):
        AcousticLoop(delay_ms=3000, attenuation_db=0)
    with pytest.raises(ValueError):
        AcousticLoop(delay_ms=10, attenuation_db=-3)
