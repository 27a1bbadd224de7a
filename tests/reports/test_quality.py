"""Quality per 20 s window: a window's figures, grade and MOS; the live accumulator
against a brute-force grouping (hypothesis); the worst windows, the per-site summary and
the halls with repeated problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.readiness import emodel
from bridge.reports.quality import (
    EPOCH,
    Sample,
    SiteQuality,
    Windows,
    in_trouble,
    repeated_problems,
    sample_of,
    summarize,
    window,
    window_start,
    worst,
)
from bridge.reports.windows import QualityWindow

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # on the 20 s grid
S0 = int((T0 - EPOCH).total_seconds())


def entry(site_id: int, **figures: object) -> dict[str, object]:
    base = {
        "id": site_id,
        "grade": "good",
        "rtt_ms": 40.0,
        "loss_in_pct": 0.0,
        "loss_out_pct": 0.0,
        "jitter_in_ms": 2.0,
        "jitter_out_ms": 3.0,
        "no_media": False,
    }
    return base | figures


def test_a_window_is_the_means_of_its_seconds() -> None:
    samples = [Sample(S0 + i, 1.0 * i, None, 50.0 + i, 2.0, 4.0) for i in range(20)]
    w = window(7, 3, T0, samples)
    assert (w.session_id, w.site_id, w.start, w.seconds, w.no_media_s) == (7, 3, T0, 20, 0)
    assert w.loss_in_pct == 9.5 and w.loss_out_pct is None and w.rtt_ms == 59.5
    assert w.grade == "poor"  # 9.5 % loss
    assert w.mos == round(emodel.estimate(59.5, 2 * 4.0, 9.5).mos, 2)
    clean = window(7, 3, T0, [Sample(S0 + i, 0.0, 0.2, 30.0, 1.0, 1.0) for i in range(10)])
    assert clean.grade == "good" and clean.seconds == 10 and clean.mos > 4.0
    # Silent for more than half the window: poor, and unusable whatever the figures said.
    silent = window(7, 3, T0, [Sample(S0 + i, 0.0, 0.0, 30.0, no_media=i > 8) for i in range(20)])
    assert silent.no_media_s == 11 and silent.grade == "poor" and silent.mos == 1.0
    half = window(7, 3, T0, [Sample(S0 + i, 0.0, 0.0, 30.0, no_media=i > 9) for i in range(20)])
    assert half.grade == "good"
    unknown = window(7, 3, T0, [Sample(S0)])
    assert unknown.grade == "unknown" and unknown.mos is None


def test_samples_and_the_grid() -> None:
    s = sample_of(T0 + timedelta(seconds=3.7), entry(1, rtt_ms=None, loss_in_pct=float("nan")))
    assert s.second == S0 + 3 and s.rtt_ms is None and s.loss_in_pct is None
    assert window_start(S0 + 19) == T0 and window_start(S0 + 20) == T0 + timedelta(seconds=20)
    origin = T0 + timedelta(seconds=5)
    assert window_start(S0 + 4, origin) == T0 - timedelta(seconds=15)
    assert window_start(S0 + 5, origin) == origin


def test_the_accumulator_closes_windows_as_time_passes() -> None:
    log = Windows(9)
    assert log.add(T0, [entry(1), entry(2, loss_in_pct=5.0)]) == []
    assert log.add(T0 + timedelta(seconds=0.5), [entry(1, rtt_ms=60.0)]) == []  # same second
    assert [w.rtt_ms for w in log.peek()] == [60.0, 40.0]
    closed = log.add(T0 + timedelta(seconds=20), [entry(1)])
    assert [(w.site_id, w.start, w.seconds) for w in closed] == [(1, T0, 1.0), (2, T0, 1.0)]
    assert closed[0].rtt_ms == 60.0  # the latest reading of a second counts
    assert closed[1].grade == "fair"
    rest = log.close_all()
    assert [(w.site_id, w.start) for w in rest] == [(1, T0 + timedelta(seconds=20))]
    assert log.close_all() == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 200),  # tenth of a second since T0 (in time order after sorting)
            st.sampled_from([1, 2, 3]),
            st.floats(0, 30) | st.none(),
            st.floats(5, 400) | st.none(),
            st.booleans(),
        ),
        max_size=80,
    )
)
def test_the_accumulator_equals_a_brute_force_grouping(readings) -> None:
    readings = sorted(readings, key=lambda r: r[0])
    log = Windows(1)
    got: list[QualityWindow] = []
    for tenth, site_id, loss, rtt, silent in readings:
        at = T0 + timedelta(seconds=tenth / 10)
        got += log.add(at, [entry(site_id, loss_in_pct=loss, rtt_ms=rtt, no_media=silent)])
    got += log.close_all()
    # Brute force: the last reading of each (site, second), grouped by (site, window).
    last: dict[tuple[int, int], Sample] = {}
    for tenth, site_id, loss, rtt, silent in readings:
        at = T0 + timedelta(seconds=tenth / 10)
        s = sample_of(at, entry(site_id, loss_in_pct=loss, rtt_ms=rtt, no_media=silent))
        last[(site_id, s.second)] = s
    groups: dict[tuple[int, datetime], list[Sample]] = {}
    for (site_id, second), s in sorted(last.items()):
        groups.setdefault((site_id, window_start(second)), []).append(s)
    expected = [window(1, k[0], k[1], v) for k, v in groups.items()]
    key = lambda w: (w.site_id, w.start)  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    for w in got:
        assert 0 < w.seconds <= 20 and 0 <= w.no_media_s <= w.seconds


def _w(site_id: int, k: int, grade: str, mos: float | None, session_id: int = 1) -> QualityWindow:
    start = T0 + timedelta(seconds=20 * k)
    return QualityWindow(session_id, site_id, start, 20, 0, 0, 30, 1, 1, 0, grade, mos)


def test_worst_windows_and_the_summary() -> None:
    ws = [
        _w(1, 0, "good", 4.4),
        _w(1, 1, "poor", 2.0),
        _w(2, 0, "fair", 3.9),
        _w(2, 1, "poor", 1.0),
        _w(3, 0, "unknown", None),
    ]
    assert [(w.site_id, w.grade) for w in worst(ws, 3)] == [(2, "poor"), (1, "poor"), (2, "fair")]
    assert len(worst(ws)) == 5
    assert summarize(ws) == {
        1: SiteQuality(1, 1, 2, 1, 0, 1, 3.2),
        2: SiteQuality(1, 2, 2, 0, 1, 1, 2.45),
        3: SiteQuality(1, 3, 1, 0, 0, 0, None),
    }


def test_a_blip_is_not_trouble_but_a_minute_of_a_short_session_or_a_low_mos_is() -> None:
    hour = 180  # windows in a 1-hour briefing
    assert not in_trouble(SiteQuality(1, 10, hour, hour - 1, 0, 1, 4.3))  # one 20 s blip
    assert not in_trouble(SiteQuality(1, 10, hour, hour - 8, 0, 8, 4.2))  # 8 of 180: < 5 %
    assert in_trouble(SiteQuality(1, 10, hour, hour - 9, 0, 9, 4.1))  # 3 minutes: 5 %
    assert in_trouble(SiteQuality(1, 10, 30, 27, 0, 3, 4.2))  # a minute of a 10-minute call
    assert not in_trouble(SiteQuality(1, 10, 30, 28, 0, 2, 4.2))  # 40 s: under 3 windows
    assert in_trouble(SiteQuality(1, 10, hour, hour, 0, 0, 3.5))  # a low mean MOS
    assert not in_trouble(SiteQuality(1, 10, 0, 0, 0, 0, None))  # never measured


def test_repeated_problems_are_sites_in_trouble_in_several_sessions() -> None:
    rows = [
        SiteQuality(1, 10, 30, 26, 0, 4, 4.3),  # poor windows
        SiteQuality(2, 10, 30, 30, 0, 0, 3.5),  # a low mean MOS
        SiteQuality(3, 10, 30, 30, 0, 0, 4.4),
        SiteQuality(1, 11, 30, 30, 0, 0, 4.4),
        SiteQuality(2, 11, 30, 25, 0, 5, 4.0),
        SiteQuality(3, 12, 30, 25, 0, 5, 2.0),
        SiteQuality(4, 12, 30, 25, 0, 5, 2.0),
        SiteQuality(5, 12, 30, 25, 0, 5, 2.0),
        SiteQuality(1, 13, 30, 29, 0, 1, 4.3),  # a blip each time: never trouble
        SiteQuality(2, 13, 30, 29, 0, 1, 4.3),
    ]
    flagged = repeated_problems(rows)
    assert [(p.site_id, p.sessions, p.attended, p.poor_windows, p.mean_mos) for p in flagged] == [
        (12, (3, 4, 5), 3, 15, 2.0),  # most sessions first
        (10, (1, 2), 3, 4, 3.9),
    ]
    assert [p.site_id for p in repeated_problems(rows, min_sessions=1)] == [12, 10, 11]
    assert [p.site_id for p in repeated_problems(rows, min_poor=5, mos_below=3.0)] == [12]
    assert repeated_problems(rows, min_sessions=4) == []
    # Two bad sessions of the 9 it joined: not a quarter of them.
    steady = rows + [SiteQuality(s, 10, 30, 30, 0, 0, 4.4) for s in range(6, 12)]
    assert [p.site_id for p in repeated_problems(steady)] == [12]
    assert [p.site_id for p in repeated_problems(steady, session_share=0.2)] == [12, 10]
    with pytest.raises(AttributeError):
        repeated_problems([object()])  # type: ignore[list-item]
