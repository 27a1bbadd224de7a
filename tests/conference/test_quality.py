"""Link quality grades: the documented bounds, the worst measure wins, interval loss, and
"no media" after 2 s without a packet."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conference.quality import (
    NO_MEDIA_AFTER_S,
    Grade,
    IntervalLoss,
    LinkQuality,
    media_stopped,
)


def test_nothing_known_grades_unknown():
    assert LinkQuality().grade() is Grade.UNKNOWN


@pytest.mark.parametrize(
    ("quality", "grade"),
    [
        (LinkQuality(rtt_ms=20, loss_in_pct=0, loss_out_pct=0.5, jitter_in_ms=4), Grade.GOOD),
        (LinkQuality(rtt_ms=200, loss_in_pct=1, jitter_out_ms=30), Grade.GOOD),  # bounds
        (LinkQuality(rtt_ms=250), Grade.FAIR),
        (LinkQuality(rtt_ms=20, loss_out_pct=3), Grade.FAIR),
        (LinkQuality(rtt_ms=20, jitter_in_ms=45), Grade.FAIR),
        (LinkQuality(rtt_ms=401), Grade.POOR),
        (LinkQuality(rtt_ms=20, loss_in_pct=0, loss_out_pct=8), Grade.POOR),  # worse direction
        (LinkQuality(jitter_in_ms=5, jitter_out_ms=90), Grade.POOR),
        (LinkQuality(rtt_ms=300, loss_in_pct=6), Grade.POOR),  # the worst measure wins
    ],
)
def test_the_grade_is_the_worst_measure_against_the_documented_bounds(quality, grade):
    assert quality.grade() is grade


def test_interval_loss_follows_the_last_interval_not_the_whole_call():
    loss = IntervalLoss()
    assert loss.update(received=1000, lost=0) is None  # a first reading has no interval
    assert loss.update(received=1050, lost=0) == 0.0
    assert loss.update(received=1095, lost=5) == pytest.approx(10.0)  # 5 of 50
    assert loss.update(received=1145, lost=5) == 0.0  # the link recovered
    assert loss.update(received=1145, lost=5) == 0.0  # nothing arrived: keep the last figure


def test_no_media_grades_poor_whatever_the_last_figures_said():
    healthy = LinkQuality(rtt_ms=20, loss_in_pct=0, loss_out_pct=0, jitter_in_ms=2)
    assert healthy.grade() is Grade.GOOD
    assert LinkQuality(rtt_ms=20, loss_in_pct=0, no_media=True).grade() is Grade.POOR
    assert LinkQuality(no_media=True).grade() is Grade.POOR  # known to be bad: not unknown


def test_media_stops_after_the_documented_two_seconds_of_nothing():
    assert NO_MEDIA_AFTER_S == 2.0  # docs/protocol.md, "Link quality"
    assert not media_stopped(last_arrival=100.0, connected_since=50.0, now=102.0)
    assert media_stopped(last_arrival=100.0, connected_since=50.0, now=102.01)
    # A muted browser or one with DTX still sends every 20 ms / 400 ms: never "no media".
    assert not media_stopped(last_arrival=101.6, connected_since=50.0, now=102.0)


def test_a_site_just_connected_gets_the_same_two_seconds_to_start_sending():
    assert not media_stopped(last_arrival=None, connected_since=100.0, now=101.9)
    assert media_stopped(last_arrival=None, connected_since=100.0, now=102.1)
    # Media from a previous connection does not count against a new one.
    assert not media_stopped(last_arrival=10.0, connected_since=100.0, now=101.0)


@given(
    last=st.one_of(st.none(), st.floats(0, 1e6)),
    since=st.floats(0, 1e6),
    waited=st.floats(0, 1e3),
    later=st.floats(0, 1e3),
)
def test_no_media_is_exactly_more_than_two_seconds_since_the_latest_sign_of_life(
    last, since, waited, later
):
    latest = since if last is None else max(last, since)
    now = latest + waited
    assert media_stopped(last, since, now) is (waited > NO_MEDIA_AFTER_S)
    if media_stopped(last, since, now):  # once stopped, it stays so until something arrives
        assert media_stopped(last, since, now + later)
