"""Link quality grades: the documented bounds, the worst measure wins, interval loss."""

import pytest

from bridge.conference.quality import Grade, IntervalLoss, LinkQuality


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
