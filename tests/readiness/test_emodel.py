"""The E-model (ITU-T G.107, simplified): its terms in their units, a table computed by
hand, and the shape of the curve (more loss or delay never sounds better)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.readiness.emodel import (
    OPUS_FULLBAND,
    OPUS_WIDEBAND,
    delay_impairment,
    estimate,
    mos,
    one_way_delay_ms,
    r_factor,
)

# Reference points, worked by hand from G.107 (not from the module):
#
# A. RTT 0, buffer 0, loss 0: Ta = 0 + 0 + 20 + 6.5 = 26.5 ms ≤ 100 → Id = 0; Ie_eff = 0;
#    R = 93.2; MOS = 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6 = 1 + 3.262 + 0.14729 = 4.4093.
# B. RTT 267, buffer 40, loss 0: Ta = 133.5 + 40 + 26.5 = 200 ms; X = log2(2) = 1;
#    2^(1/6) = 1.122462, (1 + 1/729)^(1/6) = 1.0002285;
#    Id = 25·(1.122462 − 3·1.0002285 + 2) = 25·0.121777 = 3.0444; R = 90.1556;
#    MOS = 1 + 3.15545 + 90.1556·30.1556·9.8444·7e-6 = 4.15545 + 0.18735 = 4.3428.
# C. RTT 667, buffer 40, loss 0: Ta = 333.5 + 66.5 = 400 ms; X = 2;
#    65^(1/6) = 2.00517, (1 + 64/729)^(1/6) = 1.014124;
#    Id = 25·(2.00517 − 3.04237 + 2) = 25·0.96280 = 24.070; R = 69.130;
#    MOS = 1 + 2.41955 + 69.130·9.130·30.870·7e-6 = 3.41955 + 0.13639 = 3.5559.
# D. RTT 0, buffer 0, loss 2 %: Ie_eff = 95·2 / (2/1 + 25.1) = 190 / 27.1 = 7.0111;
#    R = 86.1889; MOS = 1 + 3.01661 + 86.1889·26.1889·13.8111·7e-6 = 4.01661 + 0.21822
#    = 4.2348.
# E. RTT 0, buffer 0, loss 10 %, bursty (BurstR 2): Ie_eff = 950 / (5 + 25.1) = 31.5615;
#    R = 61.6385; MOS = 1 + 2.15735 + 61.6385·1.6385·38.3615·7e-6 = 3.15735 + 0.02712
#    = 3.1845.
REFERENCE = [
    # rtt, buffer, loss, burst ratio, Ta, Id, Ie_eff, R, MOS
    (0.0, 0.0, 0.0, 1.0, 26.5, 0.0, 0.0, 93.2, 4.4093),
    (267.0, 40.0, 0.0, 1.0, 200.0, 3.0444, 0.0, 90.1556, 4.3428),
    (667.0, 40.0, 0.0, 1.0, 400.0, 24.070, 0.0, 69.130, 3.5559),
    (0.0, 0.0, 2.0, 1.0, 26.5, 0.0, 7.0111, 86.1889, 4.2348),
    (0.0, 0.0, 10.0, 2.0, 26.5, 0.0, 31.5615, 61.6385, 3.1845),
]


@pytest.mark.parametrize(
    ("rtt", "buffer", "loss", "burst", "ta", "id_", "ie", "r", "score"), REFERENCE
)
def test_the_estimate_matches_the_hand_computed_table(
    rtt, buffer, loss, burst, ta, id_, ie, r, score
):
    found = estimate(rtt, buffer, loss, burst_ratio=burst)
    assert found.ta_ms == pytest.approx(ta, abs=1e-9)
    assert found.id == pytest.approx(id_, abs=2e-3)
    assert found.ie_eff == pytest.approx(ie, abs=2e-3)
    assert found.r == pytest.approx(r, abs=2e-3)
    assert found.mos == pytest.approx(score, abs=2e-4)
    assert r_factor(rtt, buffer, loss, burst_ratio=burst) == found.r


def test_the_estimate_keeps_its_inputs_for_a_report():
    found = estimate(120.0, 60.0, 1.5, OPUS_FULLBAND)
    assert (found.rtt_ms, found.jitter_buffer_ms, found.loss_pct) == (120.0, 60.0, 1.5)
    assert found.codec is OPUS_FULLBAND
    assert found.ta_ms == 60.0 + 60.0 + 26.5  # RTT halved: Ta is one way


def test_the_round_trip_counts_half_and_the_buffer_whole():
    assert one_way_delay_ms(200.0, 0.0) == one_way_delay_ms(0.0, 100.0) == 126.5


def test_no_delay_impairment_up_to_100_ms_one_way():
    assert delay_impairment(100.0) == 0.0
    assert delay_impairment(100.5) > 0.0


def test_mos_is_clamped_and_g107s_ends_hold():
    assert mos(-10.0) == mos(0.0) == mos(3.0) == 1.0  # the polynomial dips under 1 there
    assert mos(100.0) == mos(120.0) == 4.5
    assert mos(60.0) == pytest.approx(1 + 0.035 * 60)  # the cubic term vanishes at 60
    assert mos(70.0) == pytest.approx(3.6, abs=0.01)  # G.107: R 70 ≈ MOS 3.6


def test_impossible_inputs_are_refused():
    with pytest.raises(ValueError):
        estimate(-1.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        estimate(0.0, 0.0, -0.1)
    with pytest.raises(ValueError):
        estimate(0.0, 0.0, 1.0, burst_ratio=0.5)


delays = st.floats(0.0, 5_000.0)
buffers = st.floats(0.0, 1_000.0)
losses = st.floats(0.0, 100.0)
bursts = st.floats(1.0, 8.0)
codecs = st.sampled_from([OPUS_WIDEBAND, OPUS_FULLBAND])


@given(delays, buffers, losses, bursts, codecs)
def test_mos_stays_within_one_and_four_and_a_half(rtt, buffer, loss, burst, codec):
    found = estimate(rtt, buffer, loss, codec, burst)
    assert 1.0 <= found.mos <= 4.5
    assert found.r <= 93.2


@given(delays, buffers, losses, losses, bursts)
def test_more_loss_never_raises_mos(rtt, buffer, a, b, burst):
    low, high = sorted((a, b))
    assert (
        estimate(rtt, buffer, high, burst_ratio=burst).mos
        <= estimate(rtt, buffer, low, burst_ratio=burst).mos
    )


@given(delays, delays, buffers, buffers, losses)
def test_more_delay_never_raises_mos(rtt_a, rtt_b, buf_a, buf_b, loss):
    less = estimate(min(rtt_a, rtt_b), min(buf_a, buf_b), loss)
    more = estimate(max(rtt_a, rtt_b), max(buf_a, buf_b), loss)
    assert more.id >= less.id
    assert more.mos <= less.mos


@given(delays, buffers, st.floats(0.0, 50.0), st.floats(1.0, 4.0), st.floats(0.0, 4.0))
def test_burstier_loss_never_raises_mos(rtt, buffer, loss, burst, more):
    assert (
        estimate(rtt, buffer, loss, burst_ratio=burst + more).mos
        <= estimate(rtt, buffer, loss, burst_ratio=burst).mos
    )


@given(st.floats(-50.0, 150.0), st.floats(-50.0, 150.0))
def test_mos_never_falls_as_r_rises(a, b):
    assert mos(min(a, b)) <= mos(max(a, b))
