"""``store.attendance`` (the roll call, the latest mark per hall) and ``store.quality``
(windows written once, read back per session and summed up per session and site)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bridge.attendance import RollCall, RollCallMark
from bridge.reports.quality import SiteQuality
from bridge.reports.windows import QualityWindow
from bridge.store import NotFound, SessionState, SiteLevel, Store
from tests.store.conftest import Clock

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def session(store: Store) -> tuple[int, list[int]]:
    host = store.sites.create("Hội trường Trung ương", SiteLevel.CENTRAL)
    halls = [store.sites.create(f"Tỉnh {i}", SiteLevel.PROVINCE, host.id) for i in range(2)]
    roster = [host.id, *(h.id for h in halls)]
    created = store.sessions.create("Giao ban", host.id, roster, SessionState.OPEN)
    return created.id, roster


def test_the_latest_mark_counts(store: Store, clock: Clock, session) -> None:
    session_id, roster = session
    assert store.attendance.roll_calls(session_id) == {}
    first = store.attendance.mark(
        session_id, RollCall(roster[1], RollCallMark.ABSENT, "Mất điện", by="account:op")
    )
    assert first.at == clock.now
    clock.advance(timedelta(minutes=3))
    store.attendance.mark(
        session_id,
        RollCall(roster[1], RollCallMark.ELSEWHERE, at_site_id=roster[0], by="account:op"),
    )
    store.attendance.mark(session_id, RollCall(roster[2], RollCallMark.PRESENT, by="account:op"))
    marks = store.attendance.roll_calls(session_id)
    assert sorted(marks) == [roster[1], roster[2]]
    assert marks[roster[1]] == RollCall(
        roster[1], RollCallMark.ELSEWHERE, "", roster[0], "account:op", clock.now
    )
    assert marks[roster[2]].mark is RollCallMark.PRESENT


def test_marking_an_unknown_session_is_refused(store: Store, session) -> None:
    _, roster = session
    with pytest.raises(NotFound):
        store.attendance.mark(999, RollCall(roster[0], RollCallMark.PRESENT))


def _window(session_id: int, site_id: int, k: int, grade: str, mos: float | None) -> QualityWindow:
    return QualityWindow(
        session_id,
        site_id,
        T0 + timedelta(seconds=20 * k),
        20.0,
        1.5,
        None,
        40.0,
        3.0,
        None,
        0.0,
        grade,
        mos,
    )


def test_windows_are_written_once_and_summed_per_site(store: Store, session) -> None:
    session_id, roster = session
    other = store.sessions.create("Khác", roster[0], roster, SessionState.OPEN).id
    a, b = roster[1], roster[2]
    store.quality.append(
        [
            _window(session_id, a, 0, "good", 4.3),
            _window(session_id, a, 1, "poor", 2.1),
            _window(session_id, b, 0, "fair", None),
            _window(other, a, 0, "poor", 1.0),
        ]
    )
    store.quality.append([_window(session_id, a, 0, "poor", 1.0)])  # the same window again
    got = store.quality.for_session(session_id)
    assert [(w.site_id, w.start, w.grade) for w in got] == [
        (a, T0, "good"),
        (a, T0 + timedelta(seconds=20), "poor"),
        (b, T0, "fair"),
    ]
    assert got[0] == _window(session_id, a, 0, "good", 4.3)
    assert store.quality.by_site([session_id, other]) == [
        SiteQuality(session_id, a, 2, 1, 0, 1, 3.2),
        SiteQuality(session_id, b, 1, 0, 1, 0, None),
        SiteQuality(other, a, 1, 0, 0, 1, 1.0),
    ]
    assert store.quality.by_site([]) == []
