"""A connection test's verdict: every reason, its absence, and the verdict's order."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conference.quality import THRESHOLDS
from bridge.readiness import verdict as v
from bridge.readiness.emodel import estimate
from bridge.readiness.verdict import CODES, Measured, Severity, State, judge, rank

W, F = Severity.WARNING, Severity.NOT_READY

# A hall that passes everything (a wired provincial hall on a good day).
GOOD = Measured(
    media_connected=True,
    signaling_rtt_ms=40.0,
    ice_type="srflx",
    ice_protocol="udp",
    turn_ok=True,
    rtt_ms=60.0,
    jitter_in_ms=5.0,
    jitter_out_ms=6.0,
    loss_in_pct=0.2,
    loss_out_pct=0.0,
    uplink_kbps=4000.0,
    downlink_kbps=8000.0,
    needed_kbps=1500.0,
    mic_level_db=-30.0,
    mic_clipping=0.0,
    mic_noise_floor_db=-62.0,
    speaker_loop_verified=True,
    acoustic_delay_ms=40.0,
    echo_return_db=-25.0,
    echo_cancellation=True,
    camera_fps=29.0,
    camera_width=1280,
    camera_height=720,
    wanted_fps=30.0,
    wanted_width=1280,
    wanted_height=720,
    mos=estimate(60.0, 40.0, 0.2).mos,
)

# (changes to GOOD, the one reason they give, its severity)
CASES = [
    ({"media_connected": False}, "no_media_path", F),
    ({"signaling_rtt_ms": 401.0}, "signaling_slow", W),
    ({"signaling_rtt_ms": 2001.0}, "signaling_slow", F),
    ({"ice_type": "relay", "ice_protocol": "tcp"}, "relay_over_tcp", W),
    ({"ice_protocol": "tcp"}, "media_over_tcp", W),
    ({"turn_ok": False}, "turn_unreachable", W),
    ({"rtt_ms": 201.0}, "rtt_high", W),
    ({"rtt_ms": 401.0}, "rtt_high", F),
    ({"jitter_in_ms": 31.0}, "uplink_jitter", W),
    ({"jitter_in_ms": 61.0}, "uplink_jitter", F),
    ({"jitter_out_ms": 31.0}, "downlink_jitter", W),
    ({"jitter_out_ms": 61.0}, "downlink_jitter", F),
    ({"loss_in_pct": 1.5}, "uplink_loss", W),
    ({"loss_in_pct": 5.5}, "uplink_loss", F),
    ({"loss_out_pct": 1.5}, "downlink_loss", W),
    ({"loss_out_pct": 5.5}, "downlink_loss", F),
    ({"uplink_kbps": 2000.0}, "uplink_tight", W),
    ({"uplink_kbps": 1400.0}, "uplink_too_slow", F),
    ({"downlink_kbps": 2249.0}, "downlink_tight", W),
    ({"downlink_kbps": 1499.0}, "downlink_too_slow", F),
    ({"mic_level_db": -85.0}, "mic_no_signal", F),
    ({"mic_clipping": 0.05}, "mic_clipping", W),
    ({"mic_noise_floor_db": -40.0}, "mic_noisy", W),
    ({"speaker_loop_verified": None}, "speaker_unverified", W),
    ({"speaker_loop_verified": False}, "speaker_no_sound", F),
    ({"acoustic_delay_ms": 250.0}, "acoustic_delay_high", W),
    ({"echo_return_db": -10.0, "echo_cancellation": False}, "echo_strong", W),
    ({"echo_return_db": -10.0, "echo_cancellation": None}, "echo_strong", W),
    ({"camera_fps": 0.0}, "camera_no_picture", F),
    ({"camera_fps": 12.0}, "camera_slow", W),
    ({"camera_fps": 4.0, "wanted_fps": None}, "camera_slow", W),
    ({"camera_width": 640, "camera_height": 360}, "camera_low_resolution", W),
    ({"camera_height": 480}, "camera_low_resolution", W),
    ({"mos": 3.5}, "audio_quality_low", W),
    ({"mos": 3.0}, "audio_quality_low", F),
]

# Changes near a bound that raise nothing: the bounds are "above", not "at".
PASSING = [
    {"signaling_rtt_ms": 400.0},
    {"ice_type": "relay", "ice_protocol": "udp"},
    {"rtt_ms": 200.0},
    {"jitter_in_ms": 30.0, "jitter_out_ms": 30.0},
    {"loss_in_pct": 1.0, "loss_out_pct": 1.0},
    {"uplink_kbps": 2250.0, "downlink_kbps": 2250.0},
    {"needed_kbps": None, "uplink_kbps": 10.0},  # nothing to compare with
    {"mic_level_db": -84.0},
    {"mic_clipping": 0.019},
    {"mic_noise_floor_db": -45.0},
    {"acoustic_delay_ms": 200.0},
    {"echo_return_db": -10.0, "echo_cancellation": True},  # strong, but cancelled
    {"echo_return_db": -15.0, "echo_cancellation": False},
    {"camera_fps": 15.0},
    {"camera_width": 1920, "camera_height": 1080},
    {"mos": 3.6},
]


def test_a_good_hall_is_ready():
    found = judge(GOOD)
    assert found.state is State.READY
    assert found.reasons == ()
    assert found.unmeasured == ()


@pytest.mark.parametrize(("changes", "code", "severity"), CASES)
def test_each_reason_is_given_alone(changes, code, severity):
    found = judge(replace(GOOD, **changes))
    assert found.codes == [code]
    reason = found.reasons[0]
    assert reason.severity is severity
    assert found.state.value == severity.value
    assert reason.field in {f.name for f in fields(Measured)}
    for text in (reason.vi, reason.en, reason.advice_vi, reason.advice_en):
        assert text and text == text.strip()
    assert reason.vi != reason.en and reason.advice_vi != reason.advice_en


@pytest.mark.parametrize("changes", PASSING)
def test_a_figure_at_its_bound_raises_nothing(changes):
    assert judge(replace(GOOD, **changes)).state is State.READY


def test_every_code_is_listed_and_reachable():
    assert sorted({code for _, code, _ in CASES}) == sorted(CODES)
    assert len(set(CODES)) == len(CODES)


def test_the_link_bounds_are_the_quality_grades():
    assert THRESHOLDS.rtt_ms == (v.RTT_WARN_MS, v.RTT_FAIL_MS)
    assert THRESHOLDS.loss_pct == (v.LOSS_WARN_PCT, v.LOSS_FAIL_PCT)
    assert THRESHOLDS.jitter_ms == (v.JITTER_WARN_MS, v.JITTER_FAIL_MS)


def test_a_dead_microphone_is_not_ready_with_advice_the_hall_can_act_on():
    found = judge(replace(GOOD, mic_level_db=-120.0))
    assert found.state is State.NOT_READY
    (reason,) = found.reasons
    assert f"{reason.vi}: {reason.advice_vi}" == (
        "micrô không có tín hiệu: kiểm tra cáp micrô và bộ trộn âm"
    )
    assert f"{reason.en}: {reason.advice_en}" == (
        "the microphone has no signal: check the microphone cable and the mixer"
    )


def test_an_unverified_loudspeaker_is_never_a_pass():
    found = judge(Measured())  # nothing measured at all
    assert found.state is State.WARNING
    assert found.codes == ["speaker_unverified"]
    assert "rtt_ms" in found.unmeasured and "mic_level_db" in found.unmeasured
    assert "speaker_loop_verified" not in found.unmeasured  # it has its reason


def test_numbers_are_written_the_vietnamese_way_in_vietnamese():
    (reason,) = judge(replace(GOOD, loss_in_pct=2.5)).reasons
    assert "2,5 %" in reason.vi and "2.5 %" in reason.en
    assert "đường lên" in reason.vi


def test_reasons_come_most_severe_first_then_in_check_order():
    found = judge(replace(GOOD, turn_ok=False, rtt_ms=500.0, mic_clipping=0.1, mos=2.0))
    assert found.codes == ["rtt_high", "audio_quality_low", "turn_unreachable", "mic_clipping"]
    assert found.state is State.NOT_READY


# Random measurements: each field either missing or anywhere in (and beyond) its range.
def _opt(strategy):
    return st.one_of(st.none(), strategy)


ms = st.floats(0.0, 3000.0)
pct = st.floats(0.0, 100.0)
kbps = st.floats(0.0, 20_000.0)
measurements = st.builds(
    Measured,
    media_connected=_opt(st.booleans()),
    signaling_rtt_ms=_opt(ms),
    ice_type=_opt(st.sampled_from(["host", "srflx", "relay"])),
    ice_protocol=_opt(st.sampled_from(["udp", "tcp"])),
    turn_ok=_opt(st.booleans()),
    rtt_ms=_opt(ms),
    jitter_in_ms=_opt(ms),
    jitter_out_ms=_opt(ms),
    loss_in_pct=_opt(pct),
    loss_out_pct=_opt(pct),
    uplink_kbps=_opt(kbps),
    downlink_kbps=_opt(kbps),
    needed_kbps=_opt(kbps),
    mic_level_db=_opt(st.floats(-140.0, 0.0)),
    mic_clipping=_opt(st.floats(0.0, 1.0)),
    mic_noise_floor_db=_opt(st.floats(-140.0, 0.0)),
    speaker_loop_verified=_opt(st.booleans()),
    acoustic_delay_ms=_opt(ms),
    echo_return_db=_opt(st.floats(-80.0, 10.0)),
    echo_cancellation=_opt(st.booleans()),
    camera_fps=_opt(st.floats(0.0, 60.0)),
    camera_width=_opt(st.integers(0, 3840)),
    camera_height=_opt(st.integers(0, 2160)),
    wanted_fps=_opt(st.floats(1.0, 60.0)),
    wanted_width=_opt(st.integers(1, 3840)),
    wanted_height=_opt(st.integers(1, 2160)),
    mos=_opt(st.floats(1.0, 4.5)),
)

# A failing value for a field (what a broken hall measures): setting it never helps.
FAILING = {
    "media_connected": False,
    "signaling_rtt_ms": 5000.0,
    "ice_protocol": "tcp",
    "turn_ok": False,
    "rtt_ms": 1000.0,
    "jitter_in_ms": 200.0,
    "jitter_out_ms": 200.0,
    "loss_in_pct": 20.0,
    "loss_out_pct": 20.0,
    "uplink_kbps": 0.0,
    "downlink_kbps": 0.0,
    "mic_level_db": -120.0,
    "mic_clipping": 0.5,
    "mic_noise_floor_db": -10.0,
    "speaker_loop_verified": False,
    "acoustic_delay_ms": 800.0,
    "echo_return_db": 0.0,
    "camera_fps": 0.0,
    "camera_width": 160,
    "camera_height": 120,
    "mos": 1.0,
}


@given(measurements)
def test_the_verdict_is_the_worst_reasons_severity(measured):
    found = judge(measured)
    severities = [r.severity for r in found.reasons]
    if F in severities:
        assert found.state is State.NOT_READY
    elif severities:
        assert found.state is State.WARNING
    else:
        assert found.state is State.READY
    assert severities == sorted(severities, key=lambda s: s is not F)
    assert set(found.codes) <= set(CODES)


@given(measurements, st.sampled_from(sorted(FAILING)))
def test_a_failing_measurement_never_improves_the_verdict(measured, name):
    worse = replace(measured, **{name: FAILING[name]})
    assert rank(judge(worse).state) >= rank(judge(measured).state)


@pytest.mark.parametrize("name", sorted(FAILING))
def test_each_failing_value_costs_a_good_hall_its_readiness(name):
    found = judge(replace(GOOD, **{name: FAILING[name]}))
    if name == "echo_return_db":  # a strong echo the hall cancels is no reason
        assert found.state is State.READY
    else:
        assert found.state is not State.READY
        assert name in {r.field for r in found.reasons} or name == "ice_protocol"


@given(measurements, st.floats(0.0, 2000.0), st.floats(0.0, 50.0))
def test_more_delay_or_loss_never_improves_the_verdict(measured, more_ms, more_pct):
    def add(value, extra):
        return None if value is None else value + extra

    worse = replace(
        measured,
        rtt_ms=add(measured.rtt_ms, more_ms),
        jitter_in_ms=add(measured.jitter_in_ms, more_ms),
        loss_out_pct=add(measured.loss_out_pct, more_pct),
        signaling_rtt_ms=add(measured.signaling_rtt_ms, more_ms),
    )
    assert rank(judge(worse).state) >= rank(judge(measured).state)
