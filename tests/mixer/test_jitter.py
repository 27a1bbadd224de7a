"""Behaviour of the per-site jitter buffer (bridge/mixer/jitter.py)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.mixer.jitter import (
    SKIP_WINDOW_POPS,
    TARGET_SHRINK_POPS,
    JitterBuffer,
    Playout,
)

SPF = 960
TICK = 0.02


def payload(i: int) -> bytes:
    return i.to_bytes(8, "big", signed=True)


def frame_index(p: Playout) -> int:
    assert p.payload is not None
    return int.from_bytes(p.payload, "big", signed=True)


@dataclass
class Run:
    """What a simulated stream did: every playout in tick order, and the buffer."""

    buffer: JitterBuffer
    playouts: list[Playout] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)
    depths: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)  # arrival -> pop of played frames

    @property
    def kinds(self) -> Counter[str]:
        return Counter(p.kind for p in self.playouts)

    @property
    def played(self) -> list[int]:
        return [frame_index(p) for p in self.playouts if p.kind == "frame"]


def simulate(
    frames: int,
    delay: Callable[[random.Random, int], float | None] = lambda rng, i: 0.0,
    *,
    phase: float = 0.007,
    rate: float = 1.0,
    seq0: int = 1000,
    ts0: int = 5_000_000,
    seed: int = 1,
    extra_ticks: int = 10,
    buffer: JitterBuffer | None = None,
) -> Run:
    """Packet i is sent at i × 20 ms / rate and arrives ``delay`` later (None: lost); the
    mixer pops every 20 ms at ``phase`` into each tick."""
    rng = random.Random(seed)
    arrivals = []
    for i in range(frames):
        d = delay(rng, i)
        if d is not None:
            arrivals.append((i * TICK / rate + d, i))
    arrivals.sort()
    run = Run(buffer or JitterBuffer())
    jb = run.buffer
    j = 0
    for tick in range(int(frames / rate) + extra_ticks):
        now = tick * TICK + phase
        while j < len(arrivals) and arrivals[j][0] <= now:
            at, i = arrivals[j]
            jb.push((seq0 + i) & 0xFFFF, (ts0 + i * SPF) & 0xFFFFFFFF, payload(i), at)
            j += 1
        run.depths.append(jb.depth)
        p = jb.pop(now)
        run.playouts.append(p)
        run.targets.append(jb.target)
        if p.kind == "frame":
            assert p.arrival is not None
            run.delays.append(now - p.arrival)
    return run


def lockstep(jb: JitterBuffer, indices: Iterable[int], ahead: int = 0) -> list[Playout]:
    """Push packets (in the given order) and pop once per packet, ``ahead`` packets late."""
    indices = list(indices)
    out = []
    for n, i in enumerate(indices):
        jb.push(i & 0xFFFF, (i * SPF) & 0xFFFFFFFF, payload(i), n * TICK)
        if n >= ahead:
            out.append(jb.pop(n * TICK + 0.001))
    return out


def test_an_in_order_stream_plays_every_frame_with_a_shallow_buffer():
    jb = JitterBuffer()
    out = []
    for i in range(500):
        jb.push(i, i * SPF, payload(i), i * TICK)
        assert jb.depth <= jb.target + 1
        out.append(jb.pop(i * TICK + 0.001))
        assert jb.depth <= jb.target + 1
    assert [frame_index(p) for p in out] == list(range(500))
    stats = jb.stats
    assert stats.played == 500 and stats.concealed == 0 and stats.lost == 0
    assert jb.target == 1


def test_the_first_pops_are_silent_until_target_frames_are_buffered():
    jb = JitterBuffer(min_target=3)
    assert jb.pop(0.0).kind == "silent"
    jb.push(0, 0, payload(0), 0.0)
    jb.push(1, SPF, payload(1), 0.02)
    assert jb.pop(0.021).kind == "silent"
    jb.push(2, 2 * SPF, payload(2), 0.04)
    assert [frame_index(jb.pop(0.041 + k * TICK)) for k in range(3)] == [0, 1, 2]


def test_duplicates_are_counted_and_ignored():
    jb = JitterBuffer(min_target=2)
    jb.push(0, 0, payload(0), 0.0)
    jb.push(0, 0, b"copy", 0.001)  # while buffered
    jb.push(1, SPF, payload(1), 0.02)
    assert frame_index(jb.pop(0.021)) == 0
    jb.push(0, 0, b"copy", 0.03)  # after it was played
    assert frame_index(jb.pop(0.041)) == 1
    assert jb.stats.duplicates == 2 and jb.stats.late == 0 and jb.stats.played == 2


def test_reordering_within_the_window_is_put_right():
    jb = JitterBuffer(min_target=3)
    order = [0, 2, 1, 3, 5, 4, 6, 8, 7, 9, 10, 11]
    out = lockstep(jb, order, ahead=2)
    out += [jb.pop(1.0 + k * TICK) for k in range(2)]
    assert [frame_index(p) for p in out if p.kind == "frame"] == list(range(12))
    assert jb.stats.reordered == 3 and jb.stats.lost == 0  # 1, 4 and 7 came after a later one


def test_a_packet_after_its_playout_point_is_late_dropped_and_counted():
    jb = JitterBuffer()
    out = lockstep(jb, [0, 1, 3, 4])  # 2 is missing when its tick comes
    jb.push(2, 2 * SPF, payload(2), 0.1)
    assert [p.kind for p in out] == ["frame", "frame", "lost", "frame"]
    assert jb.stats.late == 1
    assert frame_index(jb.pop(0.1)) == 4  # the late packet was not buffered
    assert jb.pop(0.12).kind == "lost"


@pytest.mark.parametrize(
    ("seq0", "ts0"),
    [(2**16 - 20, 5_000), (100, 2**32 - 20 * SPF), (2**16 - 7, 2**32 - 13 * SPF)],
)
def test_sequence_and_timestamp_wrap_around_plays_continuously(seq0: int, ts0: int):
    run = simulate(60, seq0=seq0, ts0=ts0)
    assert run.played == list(range(60))
    assert run.buffer.stats.resyncs == 0 and run.buffer.stats.late == 0


@settings(max_examples=60, deadline=None)
@given(
    seq0=st.integers(0, 2**16 - 1),
    ts0=st.integers(0, 2**32 - 1),
    swaps=st.sets(st.integers(0, 29), max_size=10),
)
def test_any_start_near_or_across_the_wrap_plays_every_frame_in_order(
    seq0: int, ts0: int, swaps: set[int]
):
    order = list(range(60))
    for k in swaps:  # disjoint adjacent swaps: no packet moves by more than one
        order[2 * k], order[2 * k + 1] = order[2 * k + 1], order[2 * k]
    jb = JitterBuffer(min_target=2)
    out = []
    for n, i in enumerate(order):
        jb.push((seq0 + i) & 0xFFFF, (ts0 + i * SPF) & 0xFFFFFFFF, payload(i), n * TICK)
        if n >= 2:
            out.append(jb.pop(n * TICK))
    out += [jb.pop(2.0 + k * TICK) for k in range(2)]
    assert [frame_index(p) for p in out] == list(range(60))


def test_a_single_loss_gives_one_lost_with_the_next_payload_as_fec():
    jb = JitterBuffer()
    out = lockstep(jb, [i for i in range(40) if i != 20], ahead=1)
    lost = [p for p in out if p.kind == "lost"]
    assert lost == [Playout("lost", fec=payload(21))]
    assert [frame_index(p) for p in out if p.kind == "frame"] == [i for i in range(38) if i != 20]
    assert out.index(lost[0]) == 20  # no drift: frame k still plays on tick k
    assert jb.stats.lost == 1 and jb.stats.fec_candidates == 1


def test_a_loss_at_depth_one_deepens_the_buffer_by_one_frame_so_fec_helps_next_time():
    # Nothing is buffered when frame 30 is due: hold (PLC), then give it up with 31 as fec.
    run = simulate(100, lambda rng, i: None if i in (30, 60) else 0.0)
    first = run.playouts[30:33]
    assert [p.kind for p in first] == ["lost", "lost", "frame"]
    assert first[0].fec is None and first[1].fec == payload(31)
    assert frame_index(first[2]) == 31
    # One frame deeper from then on: the second loss is one "lost" with fec, no hold.
    assert [p.kind for p in run.playouts[60:63]] == ["frame", "lost", "frame"]
    assert run.playouts[61] == Playout("lost", fec=payload(61))
    assert run.played == [i for i in range(100) if i not in (30, 60)]
    stats = run.buffer.stats
    assert stats.lost == 2 and stats.fec_candidates == 2 and stats.skipped == 0


def test_a_lossy_clean_link_uses_fec_for_almost_every_loss_at_low_latency():
    run = simulate(3000, lambda rng, i: None if rng.random() < 0.05 else rng.uniform(0, 0.001))
    stats = run.buffer.stats
    assert stats.fec_candidates >= 0.9 * stats.lost  # not when the next one is lost too
    assert stats.concealed - stats.lost <= 30  # holds before a loss is given up: 1 %
    assert sum(run.delays) / len(run.delays) <= 0.040


def test_burst_loss_beyond_max_conceal_goes_silent_then_rebuffers():
    jb = JitterBuffer(min_target=2, max_conceal=5)
    run = simulate(100, lambda rng, i: None if 40 <= i < 60 else 0.0, buffer=jb)
    kinds = "".join(p.kind[0] for p in run.playouts[:100])
    assert "f" + "l" * 5 + "s" in kinds
    resumed = kinds.index("f", 45)
    assert kinds[resumed - 1] == "s"
    assert run.played == [i for i in range(100) if not 40 <= i < 60]
    assert jb.stats.underruns >= 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.integers(0, 2**16 - 1), st.integers(0, 2**32 - 1)),
            st.tuples(st.integers(-5, 80), st.none()),
        ),
        max_size=300,
    ),
    st.integers(2, 20),
)
def test_the_capacity_bound_holds_for_any_sequence_of_pushes_and_pops(
    events: list[tuple[int, int | None]], capacity: int
):
    jb = JitterBuffer(capacity=capacity, max_target=capacity - 1)
    now = 0.0
    for a, b in events:
        now += 0.003
        if a < 0:
            jb.pop(now)
        elif b is None:  # a nearby packet: the interesting cases are close together
            jb.push(a, a * SPF, payload(a), now)
        else:
            jb.push(a, b, payload(a), now)
        assert jb.depth >= 0
        assert len(jb._packets) <= capacity
        assert len(jb._order) == len(jb._packets)
    stats = jb.stats
    assert stats.received == len([e for e in events if e[0] >= 0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 45), max_size=300))
def test_every_pushed_packet_is_played_dropped_counted_or_still_buffered(events: list[int]):
    jb = JitterBuffer(capacity=50, max_target=8)  # jumps stay under capacity: no resync
    now = 0.0
    for a in events:
        now += 0.007
        if a < 0:
            jb.pop(now)
        else:
            jb.push(a, a * SPF, payload(a), now)
    s = jb.stats
    accounted = s.played + s.duplicates + s.late + s.overflow_drops + s.skipped
    assert s.received == accounted + len(jb._packets)
    assert s.resyncs == 0


def test_a_stalled_mixer_overflows_the_oldest_packets_then_plays_on():
    jb = JitterBuffer(capacity=50)
    for i in range(60):
        jb.push(i, i * SPF, payload(i), i * TICK)
    assert jb.stats.overflow_drops == 10 and jb.depth == 50
    out = [jb.pop(1.2 + k * TICK) for k in range(50)]
    assert [frame_index(p) for p in out if p.kind == "frame"][:3] == [10, 11, 12]
    assert jb.stats.late == 0


def test_jitter_raises_the_target_quickly_with_few_underruns():
    run = simulate(1500, lambda rng, i: rng.uniform(0, 0.060), seed=7)  # 30 s
    stats = run.buffer.stats
    assert max(run.targets[: 3 * 50]) >= 3  # within 3 s
    assert min(run.targets[3 * 50 : 1500]) >= 3
    assert stats.underruns <= 5
    assert stats.concealed <= 20  # 1.3 % of 1500, including the 5 after the stream ends
    assert stats.lost <= 5
    assert 14 < stats.jitter_ms < 35  # E|X - Y| = 20 ms for X, Y uniform over 60 ms


def test_when_the_jitter_goes_away_the_target_and_delay_fall_back():
    run = simulate(2000, lambda rng, i: rng.uniform(0, 0.060) if i < 500 else 0.0)
    assert run.targets[499] >= 3
    # Slowly: one frame per TARGET_SHRINK_POPS pops, not at once.
    assert run.targets[500 + TARGET_SHRINK_POPS // 2] >= 3
    assert run.targets[1500] == 1
    late_delays = run.delays[-200:]
    assert sum(late_delays) / len(late_delays) < 0.040
    assert run.buffer.stats.skipped >= 1


@pytest.mark.parametrize("phase", [0.0001, 0.005, 0.013, 0.0199])
def test_a_fast_sender_is_caught_up_by_skipping(phase: float):
    run = simulate(6000, rate=1.01, phase=phase)  # 1 % more packets than ticks, 2 minutes
    stats = run.buffer.stats
    assert max(run.depths) <= run.buffer.target + 3
    assert stats.skipped >= 50
    assert stats.overflow_drops == 0 and stats.late == 0
    assert stats.played + stats.skipped == 6000


def test_a_skip_prefers_a_quiet_frame():
    jb = JitterBuffer()
    # Each packet waits two and a half ticks: one frame more than a clean link needs, so
    # one skip is due, and it waits for a quiet frame.
    for i in range(2):
        jb.push(i, i * SPF, payload(i), 0.0)
    skipped_level = None
    for n in range(2, 2 + 3 * SKIP_WINDOW_POPS):
        level = 127 if n % 10 == 0 else 30  # a quiet frame every 10
        jb.push(n, n * SPF, payload(n), n * TICK - 0.01, audio_level=level)
        before = jb.stats.skipped
        p = jb.pop(n * TICK)
        if jb.stats.skipped > before:
            skipped_level = 127 if (frame_index(p) - 1) % 10 == 0 else 30
            break
    assert skipped_level == 127


@pytest.mark.parametrize("phase", [0.0001, 0.004, 0.010, 0.016, 0.0199])
def test_clean_stream_latency_from_arrival_to_playout_averages_under_40_ms(phase: float):
    run = simulate(1000, lambda rng, i: rng.uniform(0, 0.001), phase=phase, seed=3)
    assert sum(run.delays) / len(run.delays) <= 0.040
    assert max(run.targets) <= 2
    assert run.buffer.stats.jitter_ms < 1.0


def test_a_timestamp_jump_restarts_the_timeline():
    jb = JitterBuffer()
    lockstep(jb, range(10))
    for n in range(5):  # the same SSRC restarts far ahead
        jb.push(500 + n, 10**8 + n * SPF, payload(100 + n), 0.2 + n * TICK)
    out = [jb.pop(0.3 + k * TICK) for k in range(5)]
    assert [frame_index(p) for p in out if p.kind == "frame"] == [100, 101, 102, 103, 104]
    assert jb.stats.resyncs == 1


def test_settings_are_checked():
    with pytest.raises(ValueError):
        JitterBuffer(min_target=3, max_target=2)
    with pytest.raises(ValueError):
        JitterBuffer(max_target=50, capacity=50)


def test_a_backlog_after_a_stall_is_drained_within_about_a_second():
    jb = JitterBuffer()
    # A 600 ms stall on the way: 30 frames arrive at once, then the stream goes on in time.
    for i in range(30):
        jb.push(i, i * SPF, payload(i), 0.0)
    waits = []
    for n in range(30, 30 + 4 * SKIP_WINDOW_POPS):
        jb.push(n, n * SPF, payload(n), n * TICK)
        p = jb.pop(n * TICK + 0.001)
        if p.kind == "frame" and p.arrival is not None:
            waits.append(n * TICK + 0.001 - p.arrival)
    assert jb.stats.skipped >= 25
    assert max(waits[-SKIP_WINDOW_POPS:]) <= 0.045, "the backlog's latency was not won back"
