"""The board's device warnings, from a hall's reports over the last seconds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.profiles.health import NO_SIGNAL_DBFS, WARNINGS, Sample, assess


def _reports(n: int, **fields: object) -> list[Sample]:
    return [Sample(at=float(i), **fields) for i in range(n)]  # type: ignore[arg-type]


def test_a_healthy_hall_has_no_warning():
    reports = _reports(
        12,
        mic_level_db=-38.0,
        mic_clipping=0.0,
        mic_live=True,
        camera_fps=29.0,
        camera_live=True,
        speaker_playing=True,
    )
    assert assess(reports, 30) == []


def test_a_silent_microphone_is_warned_of_once_the_reports_span_the_window():
    silent = _reports(12, mic_level_db=-120.0)
    assert assess(silent[:8], 30) == []  # 7 s: not yet
    assert assess(silent[:9], 30) == ["mic_no_signal"]  # 8 s
    assert assess(silent, 30) == ["mic_no_signal"]


def test_one_second_of_sound_clears_no_signal_and_a_quiet_room_is_not_dead():
    reports = _reports(12, mic_level_db=-120.0)
    reports[6] = Sample(at=6.0, mic_level_db=-40.0)
    assert assess(reports, 30) == []
    assert assess(_reports(12, mic_level_db=NO_SIGNAL_DBFS + 10), 30) == []


def test_a_microphone_that_is_off_is_said_so_rather_than_silent():
    reports = _reports(12, mic_level_db=-120.0, mic_live=False)
    assert assess(reports, 30) == ["mic_off"]


def test_clipping_needs_two_of_the_last_five_reports():
    clean = _reports(5, mic_level_db=-10.0, mic_clipping=0.0)
    assert assess(clean, 30) == []
    one = [*clean[:4], Sample(at=4.0, mic_level_db=-3.0, mic_clipping=0.3)]
    assert assess(one, 30) == []
    two = [*clean[:3], Sample(at=3.0, mic_clipping=0.05), Sample(at=4.0, mic_clipping=0.3)]
    assert assess(two, 30) == ["mic_clipping"]


def test_a_slow_or_stopped_camera():
    assert assess(_reports(3, camera_fps=12.0), 30) == ["camera_slow"]  # under half of 30
    assert assess(_reports(3, camera_fps=12.0), 15) == []  # a 15 frames/s profile
    assert assess(_reports(3, camera_fps=3.0), 5) == ["camera_slow"]  # under the floor
    assert assess(_reports(2, camera_fps=1.0), 30) == []  # two reports are not enough
    assert assess(_reports(3, camera_fps=0.0, camera_live=False), 30) == ["camera_off"]


def test_a_loudspeaker_that_does_not_play():
    assert assess(_reports(3, speaker_playing=False), 30) == ["speaker_silent"]
    assert assess(_reports(3, speaker_playing=None), 30) == []  # not reported: not judged


@given(
    st.lists(
        st.builds(
            Sample,
            at=st.floats(0, 100),
            mic_level_db=st.none() | st.floats(-200, 20),
            mic_clipping=st.none() | st.floats(0, 1),
            mic_live=st.none() | st.booleans(),
            camera_fps=st.none() | st.floats(0, 240),
            camera_live=st.none() | st.booleans(),
            speaker_playing=st.none() | st.booleans(),
        ),
        max_size=16,
    ).map(lambda s: sorted(s, key=lambda x: x.at)),
    st.integers(1, 60),
)
def test_any_reports_give_known_warnings_in_order_and_never_both_off_and_silent(samples, rate):
    warnings = assess(samples, rate)
    assert warnings == [w for w in WARNINGS if w in warnings]
    assert not {"mic_off", "mic_no_signal"} <= set(warnings)
    assert not {"camera_off", "camera_slow"} <= set(warnings)
