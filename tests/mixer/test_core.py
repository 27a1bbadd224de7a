"""Behaviour of the pure mixer core (bridge/mixer/core.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bridge.mixer.core import FRAME_SAMPLES, SAMPLE_RATE, MixerConfig, MixerState, MixResult, mix

F32 = npt.NDArray[np.float32]
TICK_S = FRAME_SAMPLES / SAMPLE_RATE
QUIET = MixerConfig(levelling=False)


def rms_dbfs(x: npt.NDArray[np.floating]) -> float:
    return float(10 * np.log10(max(float(np.mean(np.square(x, dtype=np.float64))), 1e-12)))


def tick_times(tick: int) -> npt.NDArray[np.float64]:
    return (np.arange(FRAME_SAMPLES) + tick * FRAME_SAMPLES) / SAMPLE_RATE


def tone(
    freq: float, dbfs: float, tick: int, envelope: float | npt.NDArray[np.float64] = 1.0
) -> F32:
    """A phase-continuous sine at ``dbfs`` RMS for tick number ``tick``."""
    t = tick_times(tick)
    amp = np.sqrt(2) * 10 ** (dbfs / 20) * envelope
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(rng: np.random.Generator, n: int, dbfs: float) -> F32:
    return (rng.standard_normal((n, FRAME_SAMPLES)) * 10 ** (dbfs / 20)).astype(np.float32)


def run(
    state: MixerState,
    ticks: int,
    make_block: Callable[[int], F32],
    muted: Callable[[int], npt.NDArray[np.bool_]] | None = None,
    gains: F32 | None = None,
) -> list[tuple[F32, MixResult]]:
    out = []
    for k in range(ticks):
        block = make_block(k)
        n = block.shape[0]
        m = np.zeros(n, np.bool_) if muted is None else muted(k)
        g = np.ones(n, np.float32) if gains is None else gains
        out.append((block, mix(block, muted=m, gains=g, state=state)))
    return out


def heard_by(result: MixResult, site: int) -> F32:
    """What ``site`` hears on this tick: its personal mix if it is a talker, else the shared."""
    where = np.flatnonzero(result.talkers == site)
    return result.personal[where[0]] if where.size else result.shared


def briefing(
    rng: np.random.Generator, n: int, talkers: Mapping[int, float]
) -> Callable[[int], F32]:
    """Quiet rooms at -60 dBFS plus tones at the given dBFS for the talking rows."""

    def make(k: int) -> F32:
        block = noise(rng, n, -60.0)
        for i, db in talkers.items():
            block[i] = tone(100.0 + 50.0 * i, db, k)  # whole periods per tick
        return block

    return make


# --- interface ------------------------------------------------------------------------------


def test_result_has_the_documented_shapes_and_dtypes() -> None:
    rng = np.random.default_rng(1)
    (_, r), *_ = run(MixerState(MixerConfig()), 1, briefing(rng, 7, {0: -20, 4: -25}))
    assert r.shared.shape == (FRAME_SAMPLES,) and r.shared.dtype == np.float32
    assert r.talkers.dtype == np.int64 and list(r.talkers) == [0, 4]
    assert r.personal.shape == (2, FRAME_SAMPLES) and r.personal.dtype == np.float32
    assert r.levels_dbfs.shape == (7,) and r.levels_dbfs.dtype == np.float32
    assert r.talking.shape == (7,) and r.talking.dtype == np.bool_


def test_silence_meters_at_minus_120_not_minus_infinity() -> None:
    r = mix(
        np.zeros((3, FRAME_SAMPLES), np.float32),
        muted=np.zeros(3, bool),
        gains=np.array([1, 0, 1], np.float32),
        state=MixerState(MixerConfig()),
    )
    assert np.all(r.levels_dbfs == -120.0)
    assert r.talkers.size == 0 and not np.any(r.shared)


def test_empty_conference_gives_silence() -> None:
    r = mix(
        np.zeros((0, FRAME_SAMPLES), np.float32),
        muted=np.zeros(0, bool),
        gains=np.zeros(0, np.float32),
        state=MixerState(MixerConfig()),
    )
    assert r.shared.shape == (FRAME_SAMPLES,) and not np.any(r.shared)
    assert r.personal.shape == (0, FRAME_SAMPLES)


def test_levels_are_after_operator_gain_and_before_levelling() -> None:
    rng = np.random.default_rng(2)
    gains = np.array([1.0, 0.5, 2.0], np.float32)
    results = run(
        MixerState(MixerConfig()), 100, briefing(rng, 3, {0: -30, 1: -30, 2: -30}), None, gains
    )
    levels = results[-1][1].levels_dbfs
    np.testing.assert_allclose(levels, [-30.0, -30 - 6.02, -30 + 6.02], atol=0.1)


# --- a talker never hears itself; listeners hear the talkers ---------------------------------


def test_talker_never_hears_itself_personal_is_exactly_the_other_talkers() -> None:
    rng = np.random.default_rng(3)
    results = run(MixerState(QUIET), 20, briefing(rng, 12, {1: -30, 5: -28, 9: -32}))
    for block, r in results[1:]:  # from the second tick the fade-in is over
        assert list(r.talkers) == [1, 5, 9]
        for j, site in enumerate(r.talkers):
            others = [s for s in r.talkers if s != site]
            np.testing.assert_allclose(r.personal[j], block[others].sum(0), atol=1e-6)


def test_listeners_hear_exactly_the_sum_of_the_talkers() -> None:
    rng = np.random.default_rng(4)
    results = run(MixerState(QUIET), 20, briefing(rng, 50, {0: -30, 20: -28, 40: -32}))
    for block, r in results[1:]:
        np.testing.assert_allclose(r.shared, block[[0, 20, 40]].sum(0), atol=1e-6)


def test_talker_never_hears_itself_even_with_levelling_and_limiter_engaged() -> None:
    # Tones on exact DFT bins of the 960-sample frame: projection onto a talker's own bin
    # measures how much of it is in a mix.
    bins = {0: 5, 1: 9, 2: 14}
    freqs = {i: b * SAMPLE_RATE / FRAME_SAMPLES for i, b in bins.items()}
    state = MixerState(MixerConfig(limiter_threshold=0.5))

    def make(k: int) -> F32:
        return np.stack([tone(freqs[i], -6.0, k) for i in range(3)])

    results = run(state, 50, make)
    assert state.limiter_gain < 0.9  # the envelope is really working
    _, r = results[-1]
    spectrum = np.abs(np.fft.rfft(r.personal, axis=1))
    shared = np.abs(np.fft.rfft(r.shared))
    for j, site in enumerate(r.talkers):
        own = bins[int(site)]
        assert spectrum[j, own] < 1e-3 * shared[own]
        assert all(spectrum[j, bins[o]] > 0.2 * shared[bins[o]] for o in bins if o != site)


@settings(max_examples=60, deadline=None)
@given(
    data=hnp.arrays(np.float32, (5, FRAME_SAMPLES), elements=st.floats(-0.0625, 0.0625, width=32)),
    gains=hnp.arrays(np.float32, 5, elements=st.floats(0.5, 2.0, width=32)),
    flip=st.integers(0, 4),
)
def test_personal_mix_does_not_depend_on_the_talkers_own_signal(
    data: F32, gains: F32, flip: int
) -> None:
    # Flipping a talker's sign keeps every level, decision and limiter gain the same (the
    # limiter stays idle at these amplitudes); its own personal mix must not change at all.
    outs = []
    for sign in (1.0, -1.0):
        state = MixerState(MixerConfig())
        block = data.copy()
        for _ in range(3):
            mix(block, muted=np.zeros(5, bool), gains=gains, state=state)
        block[flip] *= sign
        outs.append(mix(block, muted=np.zeros(5, bool), gains=gains, state=state))
    a, b = outs
    np.testing.assert_array_equal(a.talkers, b.talkers)
    where = np.flatnonzero(a.talkers == flip)
    if where.size:
        # Only float32 rounding of total - self may differ: any trace of the talker would be
        # 2 * its amplitude (up to 0.25 here).
        np.testing.assert_allclose(a.personal[where[0]], b.personal[where[0]], atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    data=hnp.arrays(np.float32, (6, FRAME_SAMPLES), elements=st.floats(-8, 8, width=32)),
    gains=hnp.arrays(np.float32, 6, elements=st.floats(0, 4, width=32)),
)
def test_limiter_only_attenuates_never_inverts_or_adds(data: F32, gains: F32) -> None:
    state = MixerState(MixerConfig(levelling=False))
    muted = np.zeros(6, bool)
    for _ in range(3):
        r = mix(data, muted=muted, gains=gains, state=state)
    raw = (data[r.talkers] * gains[r.talkers, None]).sum(0)
    assert np.all(r.shared * raw >= 0)
    assert np.all(np.abs(r.shared) <= np.abs(raw) + 1e-6)


# --- full scale ------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 10),
    peak=st.sampled_from([1.0, 8.0]),
    seed=st.integers(0, 2**32 - 1),
    threshold=st.floats(0.1, 1.0),
    k=st.integers(1, 4),
)
def test_no_output_sample_exceeds_full_scale(
    n: int, peak: float, seed: int, threshold: float, k: int
) -> None:
    rng = np.random.default_rng(seed)
    state = MixerState(MixerConfig(max_talkers=k, limiter_threshold=threshold))
    for _ in range(4):
        block = rng.uniform(-peak, peak, (n, FRAME_SAMPLES)).astype(np.float32)
        block[rng.random(n) < 0.3] = np.sign(block[0]) * peak  # in-phase full-scale squares
        gains = rng.uniform(0, 4, n).astype(np.float32)
        r = mix(block, muted=rng.random(n) < 0.2, gains=gains, state=state)
        assert np.all(np.isfinite(r.shared)) and np.all(np.isfinite(r.personal))
        assert np.abs(r.shared).max() <= 1.0
        assert r.personal.size == 0 or np.abs(r.personal).max() <= 1.0


def test_many_loud_in_phase_talkers_do_not_wrap_around() -> None:
    block = np.tile(tone(200, 0.0, 0), (4, 1)) * 4
    state = MixerState(MixerConfig(max_talkers=4))
    for _ in range(5):
        r = mix(block, muted=np.zeros(4, bool), gains=np.full(4, 4, np.float32), state=state)
    assert np.abs(r.shared).max() <= 1.0
    assert np.all(np.sign(r.shared) == np.sign(block[0]))  # limited, not wrapped


# --- mute -----------------------------------------------------------------------------------


def test_muted_site_contributes_nothing_and_is_never_a_talker_but_is_metered() -> None:
    rng = np.random.default_rng(5)
    make = briefing(rng, 6, {0: -30, 3: -10})
    results = run(MixerState(QUIET), 30, make, muted=lambda k: np.arange(6) == 3)
    for block, r in results[1:]:
        assert 3 not in r.talkers and not r.talking[3]
        np.testing.assert_allclose(r.shared, block[0], atol=1e-6)
        assert r.levels_dbfs[3] == pytest.approx(-10.0, abs=0.1)


def test_muting_a_talker_fades_it_out_within_one_tick_without_hearing_itself() -> None:
    rng = np.random.default_rng(6)
    make = briefing(rng, 4, {0: -30, 1: -30})
    results = run(MixerState(QUIET), 20, make, muted=lambda k: np.array([False, k >= 10, 0, 0]))
    block, fading = results[10]
    assert list(fading.talkers) == [0, 1]  # its fade-out tick: still gets its personal mix
    assert abs(float(fading.shared[-1] - block[0, -1])) < 1e-6  # ends at zero contribution
    for block, r in results[11:]:
        assert list(r.talkers) == [0]
        np.testing.assert_allclose(r.shared, block[0], atol=1e-6)


# --- levelling ------------------------------------------------------------------------------


@pytest.mark.parametrize(("input_dbfs", "expected_dbfs"), [(-35.0, -23.0), (-13.0, -23.0)])
def test_levelling_brings_a_quiet_or_loud_site_to_target_over_seconds(
    input_dbfs: float, expected_dbfs: float
) -> None:
    results = run(
        MixerState(MixerConfig()),
        round(8 / TICK_S),
        briefing(np.random.default_rng(7), 3, {0: input_dbfs}),
    )
    first = rms_dbfs(results[2][1].shared)
    after_1s = rms_dbfs(results[round(1 / TICK_S)][1].shared)
    final = rms_dbfs(results[-1][1].shared)
    assert first == pytest.approx(input_dbfs, abs=0.5)  # slow: nothing jumps
    assert abs(after_1s - expected_dbfs) < abs(input_dbfs - expected_dbfs) * 0.8
    assert abs(after_1s - expected_dbfs) > 2.0  # ... but not done in one second either
    assert final == pytest.approx(expected_dbfs, abs=0.5)


@pytest.mark.parametrize(("input_dbfs", "expected_dbfs"), [(-42.0, -30.0), (-3.0, -15.0)])
def test_levelling_is_bounded_by_max_level_gain(input_dbfs: float, expected_dbfs: float) -> None:
    rng = np.random.default_rng(8)
    results = run(MixerState(MixerConfig()), round(15 / TICK_S), briefing(rng, 2, {0: input_dbfs}))
    assert rms_dbfs(results[-1][1].shared) == pytest.approx(expected_dbfs, abs=0.3)


def test_levelling_does_not_adapt_while_a_site_only_listens() -> None:
    state = MixerState(MixerConfig())
    run(state, 500, briefing(np.random.default_rng(9), 4, {0: -30}))
    assert state.level_gain_db[1:4].tolist() == [0.0, 0.0, 0.0]


# --- choosing talkers -----------------------------------------------------------------------


def test_more_than_k_talkers_the_k_loudest_win() -> None:
    levels = {0: -40, 1: -20, 2: -35, 3: -25, 4: -30, 5: -38}
    results = run(MixerState(MixerConfig()), 30, briefing(np.random.default_rng(10), 8, levels))
    for _, r in results:
        assert list(r.talkers) == [1, 3, 4]
        assert r.personal.shape[0] == 3


def test_hold_keeps_a_steady_talker_against_a_brief_louder_burst() -> None:
    rng = np.random.default_rng(11)
    steady = briefing(rng, 6, {0: -30, 1: -30, 2: -30})

    def make(k: int) -> F32:
        block = steady(k)
        if 50 <= k < 60:  # 200 ms, 6 dB louder: less than hold, less than the margin
            block[4] = tone(700, -24, k)
        return block

    for _, r in run(MixerState(MixerConfig()), 100, make)[1:]:
        assert list(r.talkers) == [0, 1, 2]


def test_a_newcomer_louder_for_longer_than_hold_takes_the_weakest_slot() -> None:
    rng = np.random.default_rng(12)
    steady = briefing(rng, 6, {0: -30, 1: -31, 2: -29})

    def make(k: int) -> F32:
        block = steady(k)
        if k >= 50:
            block[4] = tone(700, -24, k)
        return block

    results = run(MixerState(MixerConfig(talker_hold_ms=600)), 120, make)
    entered = next(k for k, (_, r) in enumerate(results) if 4 in r.talkers)
    assert 50 + 30 <= entered <= 50 + 45  # hold (30 ticks) plus the smoothing of the rank
    assert list(results[-1][1].talkers) == [0, 2, 4]  # site 1 was the weakest


def test_a_newcomer_louder_by_the_margin_displaces_at_once() -> None:
    rng = np.random.default_rng(13)
    steady = briefing(rng, 6, {0: -30, 1: -31, 2: -29})

    def make(k: int) -> F32:
        block = steady(k)
        if k >= 50:
            block[4] = tone(700, -12, k)
        return block

    results = run(MixerState(MixerConfig()), 70, make)
    entered = next(k for k, (_, r) in enumerate(results) if 4 in r.talkers)
    assert entered <= 50 + 5
    assert list(results[-1][1].talkers) == [0, 2, 4]


def test_never_more_than_k_talkers_while_slots_change_hands() -> None:
    rng = np.random.default_rng(14)

    def make(k: int) -> F32:
        block = noise(rng, 10, -60)
        for i in range(10):
            if (k // 7 + i) % 4 == 0:
                block[i] = tone(200 + 30 * i, -20 - 2 * ((k + i) % 5), k)
        return block

    for _, r in run(MixerState(MixerConfig(max_talkers=3)), 300, make):
        assert r.talkers.size <= 3 and r.personal.shape[0] == r.talkers.size


def test_non_talkers_room_noise_is_not_in_the_shared_mix() -> None:
    rng = np.random.default_rng(15)
    results = run(MixerState(QUIET), 10, briefing(rng, 100, {10: -25, 50: -28, 90: -30}))
    for block, r in results[1:]:
        assert not r.talking[[i for i in range(100) if i not in (10, 50, 90)]].any()
        np.testing.assert_allclose(r.shared, block[[10, 50, 90]].sum(0), atol=1e-6)


def test_sender_audio_level_of_silence_vetoes_talk_and_nan_falls_back_to_measurement() -> None:
    rng = np.random.default_rng(16)
    block = briefing(rng, 3, {0: -30, 1: -30, 2: -30})(0)
    header = np.array([-127.0, np.nan, -20.0], np.float32)
    r = mix(
        block,
        muted=np.zeros(3, bool),
        gains=np.ones(3, np.float32),
        state=MixerState(MixerConfig()),
        audio_level_dbov=header,
    )
    assert r.talking.tolist() == [False, True, True]


# --- hangover -------------------------------------------------------------------------------


def test_hangover_keeps_talk_state_for_talk_hangover_ms() -> None:
    rng = np.random.default_rng(17)
    talk = briefing(rng, 3, {0: -30})
    quiet = briefing(rng, 3, {})
    results = run(
        MixerState(MixerConfig(talk_hangover_ms=400)), 80, lambda k: talk(k) if k < 30 else quiet(k)
    )
    talking = [bool(r.talking[0]) for _, r in results]
    assert all(talking[:30])
    assert all(talking[30:50])  # 20 ticks = 400 ms after the energy drops
    assert not any(talking[50:])
    assert 0 in results[49][1].talkers and 0 not in results[51][1].talkers


# --- continuity -----------------------------------------------------------------------------


@pytest.mark.parametrize("tone_dbfs", [-20.0, -3.0])  # limiter idle / limiter engaged
def test_site_moving_between_personal_and_shared_mix_hears_no_click(tone_dbfs: float) -> None:
    freqs = {0: 110.0, 1: 170.0, 2: 230.0}

    def envelope(k: int) -> npt.NDArray[np.float64]:  # site 2 talks 0.4–1.4 s, 100 ms edges
        t = tick_times(k)
        edge = np.minimum(np.clip((t - 0.4) / 0.1, 0, 1), np.clip((1.4 - t) / 0.1, 0, 1))
        return np.sin(np.pi / 2 * edge) ** 2

    def make(k: int) -> F32:
        block = np.zeros((4, FRAME_SAMPLES), np.float32)
        block[0] = tone(freqs[0], tone_dbfs, k)
        block[1] = tone(freqs[1], tone_dbfs, k)
        block[2] = tone(freqs[2], tone_dbfs, k, envelope(k))
        return block

    results = run(MixerState(MixerConfig(levelling=False)), 120, make)
    assert any(2 in r.talkers for _, r in results) and 2 not in results[-1][1].talkers
    amp = np.sqrt(2) * 10 ** (tone_dbfs / 20)
    smooth_step = sum(2 * np.pi * f * amp / SAMPLE_RATE for f in freqs.values())
    for site in range(4):
        heard = np.concatenate([heard_by(r, site) for _, r in results[5:]])
        assert np.abs(np.diff(heard)).max() < 1.3 * smooth_step, site


# --- slots ----------------------------------------------------------------------------------


def test_state_grows_when_sites_join_and_keeps_existing_slots() -> None:
    rng = np.random.default_rng(18)
    state = MixerState(MixerConfig())
    run(state, 100, briefing(rng, 2, {0: -35}))
    gain = float(state.level_gain_db[0])
    assert gain > 3
    r = run(state, 1, briefing(rng, 40, {0: -35, 30: -30}))[0][1]
    assert float(state.level_gain_db[0]) >= gain
    assert list(r.talkers) == [0, 30] and r.levels_dbfs.shape == (40,)


def test_slots_past_a_shrunk_block_and_reset_slots_start_fresh() -> None:
    rng = np.random.default_rng(19)
    state = MixerState(MixerConfig())
    run(state, 100, briefing(rng, 3, {0: -35, 2: -35}))
    run(state, 1, briefing(rng, 2, {0: -35}))
    state.reset_slot(0)
    assert state._level_gain_db[:3].tolist() == [0.0, 0.0, 0.0]
    r = run(state, 1, briefing(rng, 3, {}))[0][1]
    assert not r.talking.any() and r.talkers.size == 0


def test_displaced_and_muted_talkers_leave_without_a_click() -> None:
    freqs = [110.0, 170.0, 230.0, 290.0]

    def make(k: int) -> F32:
        block = np.zeros((4, FRAME_SAMPLES), np.float32)
        for i in range(3):
            block[i] = tone(freqs[i], -26.0, k)
        if k >= 40:  # a much louder newcomer displaces at once
            block[3] = tone(freqs[3], -12.0, k, np.minimum(1, (tick_times(k) - 0.8) / 0.05))
        return block

    results = run(
        MixerState(MixerConfig(max_talkers=2, levelling=False)),
        100,
        make,
        muted=lambda k: np.array([False, k >= 70, False, False]),
    )
    assert 3 in results[50][1].talkers and 1 not in results[-1][1].talkers
    amp = np.sqrt(2) * 10 ** (np.array([-26.0, -26.0, -26.0, -12.0]) / 20)
    smooth_step = float(np.sum(2 * np.pi * np.array(freqs) * amp / SAMPLE_RATE))
    for site in range(4):
        heard = np.concatenate([heard_by(r, site) for _, r in results[2:]])
        assert np.abs(np.diff(heard)).max() < 1.2 * smooth_step, site


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 12), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 4),
)
def test_talkers_are_at_most_k_unique_ascending_and_never_muted_as_sites_come_and_go(
    sizes: list[int], seed: int, k: int
) -> None:
    rng = np.random.default_rng(seed)
    state = MixerState(MixerConfig(max_talkers=k))
    previous_members: set[int] = set()
    for n in sizes:
        block = noise(rng, n, -60)
        loud = rng.random(n) < 0.5
        block[loud] *= np.float32(10 ** (rng.uniform(20, 55) / 20))
        muted = rng.random(n) < 0.2
        r = mix(block, muted=muted, gains=np.ones(n, np.float32), state=state)
        talkers = r.talkers.tolist()
        assert len(talkers) <= k and talkers == sorted(set(talkers))
        assert all(0 <= t < n for t in talkers)
        assert r.personal.shape == (len(talkers), FRAME_SAMPLES)
        # A muted site is listed only on the one tick it fades out of the mix.
        assert all(t in previous_members for t in talkers if muted[t])
        assert not r.talking[muted].any()
        previous_members = {t for t in talkers if not muted[t]}


def test_a_broken_frame_is_treated_as_silence_and_never_reaches_any_mix() -> None:
    rng = np.random.default_rng(20)
    make = briefing(rng, 4, {0: -30, 1: -30})
    state = MixerState(MixerConfig())
    run(state, 10, make)
    block = make(10)
    block[1, 100] = np.nan
    block[2, 5] = np.inf
    r = mix(block, muted=np.zeros(4, bool), gains=np.ones(4, np.float32), state=state)
    assert np.all(np.isfinite(r.shared)) and np.all(np.isfinite(r.personal))
    assert np.all(np.isfinite(r.levels_dbfs)) and r.levels_dbfs[1] == -120.0
    after = run(state, 3, make)[-1][1]
    assert list(after.talkers) == [0, 1] and np.all(np.isfinite(after.shared))
