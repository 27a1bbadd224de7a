"""From raw counts to the figures a verdict is judged on: units decided once (figures.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.readiness import emodel
from bridge.readiness.bitrate import Step
from bridge.readiness.figures import Counts, Raw, loss_pct, measure, speaker_loop


def test_loss_is_a_percentage_of_what_was_expected_between_two_readings() -> None:
    assert loss_pct(Counts(1000, 3), Counts(1490, 13)) == pytest.approx(2.0)
    # a hall testing the moment it connects: nothing received before is a reading too
    assert loss_pct(Counts(0, 0), Counts(475, 25)) == pytest.approx(5.0)
    assert loss_pct(None, Counts(475, 25)) is None  # not read: not measured
    assert loss_pct(Counts(10, 0), Counts(10, 0)) is None  # nothing arrived: no figure
    # packetsLost can fall (a late packet counted after all): never below no loss
    assert loss_pct(Counts(100, 5), Counts(600, 2)) == 0.0


@given(
    rtts=st.lists(st.floats(0, 800), min_size=1, max_size=20),
    buffer=st.floats(0, 200),
    lost_in=st.integers(0, 100),
    loss_out=st.one_of(st.none(), st.floats(0, 30)),
    concealed=st.one_of(st.none(), st.floats(0, 30)),
)
def test_the_mos_is_the_e_model_of_the_figures_it_carries(
    rtts: list[float],
    buffer: float,
    lost_in: int,
    loss_out: float | None,
    concealed: float | None,
) -> None:
    raw = Raw(
        media_connected=True,
        rtts_ms=rtts,
        in_before=Counts(0, 0),
        in_after=Counts(500 - lost_in, lost_in),
        loss_out_pct=loss_out,
        concealed_in_pct=concealed,
        jitter_buffer_ms=buffer,
    )
    measured, extra = measure(raw)
    assert measured.loss_in_pct == pytest.approx(100 * lost_in / 500, abs=0.01)
    # the worse direction is scored, after FEC: the mixer's concealment for the uplink
    uplink = concealed if concealed is not None else 100 * lost_in / 500
    assert extra["emodel_loss_pct"] == pytest.approx(max(uplink, loss_out or 0.0), abs=0.01)
    found = emodel.estimate(measured.rtt_ms or 0.0, buffer, extra["emodel_loss_pct"])
    assert measured.mos == pytest.approx(found.mos, abs=0.011)
    assert extra["emodel_delay_ms"] == pytest.approx(found.ta_ms, abs=0.1)


def test_a_clean_downlink_alone_is_enough_for_a_mos() -> None:
    # the uplink unread (a bridge peer with no statistics), the hall's report says 0 % lost
    raw = Raw(media_connected=True, rtts_ms=[20.0], loss_out_pct=0.0, jitter_buffer_ms=20.0)
    measured, extra = measure(raw)
    assert measured.mos is not None and measured.mos > 4.3
    assert extra["emodel_loss_pct"] == 0.0


def test_no_media_no_mos_and_no_capacity() -> None:
    measured, extra = measure(Raw(media_connected=False, signaling_rtts_ms=[30.0, 40.0]))
    assert measured.mos is None and extra["r_factor"] is None
    assert measured.uplink_kbps is None and measured.signaling_rtt_ms == 35.0
    assert measured.speaker_loop_verified is None  # no media: not a loudspeaker fault


def test_a_capped_step_gives_the_capacity_and_says_it_is_not_a_floor() -> None:
    steps = [
        Step(sent_kbps=700, received_kbps=690, sent=100, received=99, media_kbps=60),
        Step(sent_kbps=1400, received_kbps=740, sent=200, received=110, media_kbps=60),
    ]
    measured, extra = measure(Raw(media_connected=True, up_steps=steps))
    assert measured.uplink_kbps == 800.0 and extra["uplink_at_least"] is False
    assert extra["up_steps"][1]["loss_pct"] == 45.0


def test_the_loudspeaker_loop_is_never_assumed() -> None:
    assert speaker_loop(True, None, False) is True
    assert speaker_loop(True, None, False, acoustic_delay_ms=12.0) is True
    assert speaker_loop(False, True, False) is None  # echo cancellation removes the chirp
    assert speaker_loop(False, None, True) is None  # a file or a fake device
    assert speaker_loop(False, False, False) is False  # a real microphone heard nothing


def test_a_chirp_that_never_left_the_machine_proves_no_loudspeaker() -> None:
    # Chromium's echo canceller leaking its loudspeaker reference into a fake microphone
    # on a loaded machine: found at −45 dB, "0 ms" after it was played out
    assert speaker_loop(True, True, True, acoustic_delay_ms=0.0) is None
    assert speaker_loop(True, True, False, acoustic_delay_ms=1.0) is None  # too soon
    assert speaker_loop(True, False, False, acoustic_delay_ms=0.5) is None  # a "stereo mix"
    raw = Raw(
        media_connected=True,
        loop_found=True,
        acoustic_delay_ms=0.0,
        echo_return_db=-45.4,
        echo_cancellation=True,
        synthetic_microphone=True,
    )
    measured, _ = measure(raw)
    assert measured.speaker_loop_verified is None
    assert measured.acoustic_delay_ms is None and measured.echo_return_db is None
    room = Raw(media_connected=True, loop_found=True, acoustic_delay_ms=30.0, echo_return_db=-20)
    measured, _ = measure(room)
    assert measured.speaker_loop_verified is True and measured.acoustic_delay_ms == 30.0
