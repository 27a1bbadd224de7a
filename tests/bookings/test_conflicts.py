"""Hall conflicts: a hall in two sessions whose times overlap, test windows included (then
flagged ``through_test_window``), never between disjoint halls nor with itself, and the
same seen from either side."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.bookings.calendar import OfficeCalendar
from bridge.bookings.conflicts import DEFAULT_LENGTH, Conflict, Occupancy, find_conflicts

ICT = ZoneInfo("Asia/Ho_Chi_Minh")


def ict(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ICT)


def occ(
    id: int,
    sites: set[int],
    starts: datetime,
    ends: datetime | None = None,
    test_from: datetime | None = None,
    test_until: datetime | None = None,
    kind: str = "session",
) -> Occupancy:
    return Occupancy(kind, id, f"Phiên {id}", frozenset(sites), starts, ends, test_from, test_until)  # type: ignore[arg-type]


def test_overlapping_times_in_a_shared_hall_conflict() -> None:
    a = occ(1, {1, 2, 3}, ict(2026, 12, 10, 8), ict(2026, 12, 10, 11))
    b = occ(2, {3, 4, 2}, ict(2026, 12, 10, 10), ict(2026, 12, 10, 12), kind="booking")
    assert find_conflicts(a, [b]) == [
        Conflict(
            "booking",
            2,
            "Phiên 2",
            (2, 3),
            ict(2026, 12, 10, 10).astimezone(UTC),
            ict(2026, 12, 10, 11).astimezone(UTC),
            False,
        )
    ]


def test_touching_times_do_not_conflict() -> None:
    a = occ(1, {1}, ict(2026, 12, 10, 8), ict(2026, 12, 10, 10))
    b = occ(2, {1}, ict(2026, 12, 10, 10), ict(2026, 12, 10, 12))
    assert find_conflicts(a, [b]) == []


def test_a_missing_end_is_four_hours() -> None:
    a = occ(1, {1}, ict(2026, 12, 10, 8))
    assert a.end - a.starts_at == DEFAULT_LENGTH == timedelta(hours=4)
    assert find_conflicts(a, [occ(2, {1}, ict(2026, 12, 10, 11, 59))])
    assert not find_conflicts(a, [occ(2, {1}, ict(2026, 12, 10, 12))])


def test_a_test_window_conflicts_too_and_says_so() -> None:
    # The morning session's halls test from 7:00; a session ending at 7:30 in one of them
    # overlaps only that test window.
    a = occ(1, {1, 2}, ict(2026, 12, 10, 8), ict(2026, 12, 10, 10), ict(2026, 12, 10, 7))
    b = occ(2, {2}, ict(2026, 12, 10, 6), ict(2026, 12, 10, 7, 30))
    [found] = find_conflicts(a, [b])
    assert found.through_test_window
    assert (found.overlap_from, found.overlap_until) == (
        ict(2026, 12, 10, 7).astimezone(UTC),
        ict(2026, 12, 10, 7, 30).astimezone(UTC),
    )
    # Without the window the same two do not conflict.
    assert find_conflicts(occ(1, {1, 2}, a.starts_at, a.ends_at), [b]) == []


def test_overlapping_sessions_with_windows_are_not_only_through_the_window() -> None:
    a = occ(1, {1}, ict(2026, 12, 10, 8), ict(2026, 12, 10, 10), ict(2026, 12, 9, 14))
    b = occ(2, {1}, ict(2026, 12, 10, 9), ict(2026, 12, 10, 11), ict(2026, 12, 9, 14))
    [found] = find_conflicts(a, [b])
    assert not found.through_test_window
    assert found.overlap_from == ict(2026, 12, 9, 14).astimezone(UTC)
    assert found.overlap_until == ict(2026, 12, 10, 10).astimezone(UTC)


def test_a_window_closing_before_the_start_leaves_the_hall_free_in_between() -> None:
    # Tested 14:00-16:00 the day before: the hall is free that evening.
    a = occ(
        1,
        {1},
        ict(2026, 12, 10, 8),
        ict(2026, 12, 10, 10),
        ict(2026, 12, 9, 14),
        ict(2026, 12, 9, 16),
    )
    assert a.occupied() == [
        (ict(2026, 12, 9, 14), ict(2026, 12, 9, 16)),
        (ict(2026, 12, 10, 8), ict(2026, 12, 10, 10)),
    ]
    evening = occ(2, {1}, ict(2026, 12, 9, 17), ict(2026, 12, 9, 19))
    assert find_conflicts(a, [evening]) == []
    [found] = find_conflicts(a, [occ(2, {1}, ict(2026, 12, 9, 15), ict(2026, 12, 9, 17))])
    assert found.through_test_window


def test_the_default_window_opens_the_working_day_before() -> None:
    # A Monday session: its default window opens on Friday 14:00, so a Friday afternoon
    # session in the same hall conflicts through it, a Friday morning one does not.
    a = Occupancy.scheduled("booking", 1, "Giao ban", [1], ict(2026, 12, 14, 8))
    assert a.test_from == ict(2026, 12, 11, 14).astimezone(UTC)
    assert a.test_until == ict(2026, 12, 14, 8).astimezone(UTC)
    friday_pm = occ(2, {1}, ict(2026, 12, 11, 15), ict(2026, 12, 11, 16))
    friday_am = occ(3, {1}, ict(2026, 12, 11, 9), ict(2026, 12, 11, 11))
    [found] = find_conflicts(a, [friday_pm, friday_am])
    assert found.id == 2 and found.through_test_window
    # With Friday declared off, the window opens on Thursday: neither Friday one is free.
    office = OfficeCalendar(days_off=frozenset({date(2026, 12, 11)}))
    b = Occupancy.scheduled("booking", 1, "Giao ban", [1], ict(2026, 12, 14, 8), calendar=office)
    assert [c.id for c in find_conflicts(b, [friday_pm, friday_am])] == [2, 3]


def test_a_candidate_never_conflicts_with_itself_nor_disjoint_halls() -> None:
    a = occ(1, {1}, ict(2026, 12, 10, 8), ict(2026, 12, 10, 10))
    assert find_conflicts(a, [a]) == []
    # The same id of the other kind is another thing: a booking and its own session are
    # told apart by the caller, not here.
    assert len(find_conflicts(a, [occ(1, {1}, a.starts_at, a.ends_at, kind="booking")])) == 1
    assert find_conflicts(a, [occ(2, {2}, a.starts_at, a.ends_at)]) == []


def test_the_conflict_names_the_other_session() -> None:
    a = occ(1, {1}, ict(2026, 12, 10, 8), ict(2026, 12, 10, 10))
    b = Occupancy("session", 2, "Hội nghị tổng kết", frozenset({1}), a.starts_at, a.ends_at)
    [found] = find_conflicts(a, [b])
    assert "«Hội nghị tổng kết»" in found.text()
    assert '"Hội nghị tổng kết"' in found.text("en")
    assert "Điểm cầu UBND huyện" in found.text("vi", {1: "UBND huyện"})
    assert found.to_json({1: "UBND huyện"}) == {
        "kind": "session",
        "id": 2,
        "title": "Hội nghị tổng kết",
        "sites": [{"id": 1, "name": "UBND huyện"}],
        "from": "2026-12-10T01:00:00+00:00",
        "until": "2026-12-10T03:00:00+00:00",
        "through_test_window": False,
    }


# Random occupancies over a fortnight, in quarter hours, among 5 halls.
BASE = ict(2026, 12, 7)
quarters = st.integers(0, 14 * 96)


@st.composite
def occupancies(draw: st.DrawFn, id: int | None = None) -> Occupancy:
    start = BASE + timedelta(minutes=15 * draw(quarters))
    length = draw(st.one_of(st.none(), st.integers(1, 48)))
    ends = None if length is None else start + timedelta(minutes=15 * length)
    test_from = test_until = None
    if draw(st.booleans()):
        test_from = start - timedelta(minutes=15 * draw(st.integers(1, 96)))
        if draw(st.booleans()):
            test_until = test_from + timedelta(minutes=15 * draw(st.integers(1, 120)))
    return Occupancy(
        draw(st.sampled_from(["session", "booking"])),
        draw(st.integers(1, 6)) if id is None else id,
        "x",
        draw(st.frozensets(st.integers(1, 5), min_size=1, max_size=3)),
        start,
        ends,
        test_from,
        test_until,
    )


@settings(max_examples=300, deadline=None)
@given(a=occupancies(), b=occupancies())
def test_conflicts_are_symmetric(a: Occupancy, b: Occupancy) -> None:
    ab, ba = find_conflicts(a, [b]), find_conflicts(b, [a])
    assert len(ab) == len(ba)
    for x, y in zip(ab, ba, strict=True):
        assert (x.site_ids, x.overlap_from, x.overlap_until) == (
            y.site_ids,
            y.overlap_from,
            y.overlap_until,
        )
        assert x.through_test_window == y.through_test_window
        assert x.overlap_from < x.overlap_until


@settings(max_examples=300, deadline=None)
@given(a=occupancies(), b=occupancies())
def test_a_conflict_is_a_shared_hall_at_a_shared_busy_moment(a: Occupancy, b: Occupancy) -> None:
    """Checked minute by minute (quarter hours: every bound is on one) over the fortnight."""
    found = find_conflicts(a, [b])
    if (a.kind, a.id) == (b.kind, b.id) or not a.site_ids & b.site_ids:
        assert found == []
        return

    def busy(o: Occupancy, t: datetime, with_window: bool = True) -> bool:
        in_session = o.starts_at <= t < o.end
        if not with_window or o.test_from is None:
            return in_session
        closes = o.test_until if o.test_until is not None else o.starts_at
        return in_session or o.test_from <= t < closes

    moments = [BASE - timedelta(days=2) + timedelta(minutes=15 * i) for i in range(18 * 96)]
    both = [t for t in moments if busy(a, t) and busy(b, t)]
    assert bool(found) == bool(both)
    if found:
        [conflict] = found
        assert conflict.overlap_from == both[0]
        assert conflict.overlap_until == both[-1] + timedelta(minutes=15)
        direct = any(busy(a, t, False) and busy(b, t, False) for t in moments)
        assert conflict.through_test_window == (not direct)


@settings(max_examples=200, deadline=None)
@given(a=occupancies(), others=st.lists(occupancies(), max_size=6))
def test_never_itself_never_disjoint_halls(a: Occupancy, others: list[Occupancy]) -> None:
    found = find_conflicts(a, [a, *others])
    assert all((c.kind, c.id) != (a.kind, a.id) for c in found)
    assert all(set(c.site_ids) <= a.site_ids and c.site_ids for c in found)
    lonely = Occupancy(a.kind, a.id, a.title, frozenset({99}), a.starts_at, a.ends_at)
    assert find_conflicts(lonely, others) == []
