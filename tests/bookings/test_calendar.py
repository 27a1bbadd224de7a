"""The office's working days: the holiday library's (weekends, Tết and the other public
holidays, the government's working weekend days) with the office's declared days on top —
checked on known days and, over random dates, against the library read directly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.bookings.calendar import (
    MAX_SPAN_DAYS,
    VIETNAM_OFFICE,
    DeclaredDay,
    OfficeCalendar,
)
from bridge.readiness.window import VIETNAM, default_opens
from tests.bookings.oracle import tet, worked_between, works

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
days = st.dates(date(2015, 1, 1), date(2035, 12, 31))


def test_an_undeclared_day_is_the_librarys() -> None:
    # Tết 2027 (the library's lunar dates): Thursday 4 to Wednesday 10 February.
    for day in tet(2027):
        assert not VIETNAM_OFFICE.is_working_day(day)
    assert VIETNAM_OFFICE.is_working_day(date(2027, 2, 11))
    assert not VIETNAM_OFFICE.is_working_day(date(2026, 12, 12))  # a Saturday
    # Saturday 22 August 2026 is worked in exchange for Monday 31 August.
    assert VIETNAM_OFFICE.is_working_day(date(2026, 8, 22))
    assert not VIETNAM_OFFICE.is_working_day(date(2026, 8, 31))


def test_a_declared_day_wins_over_the_library_either_way() -> None:
    friday, saturday, tet_day = date(2026, 12, 11), date(2026, 12, 12), tet(2027)[0]
    office = OfficeCalendar(days_off=frozenset({friday}), working_days=frozenset({saturday}))
    assert not office.is_working_day(friday)
    assert office.is_working_day(saturday)
    assert not office.is_working_day(tet_day)
    assert OfficeCalendar(working_days=frozenset({tet_day})).is_working_day(tet_day)
    assert office.declared_kind(friday) == "off"
    assert office.declared_kind(saturday) == "working"
    assert office.declared_kind(tet_day) is None


def test_a_day_cannot_be_declared_both_ways() -> None:
    day = date(2026, 12, 11)
    with pytest.raises(ValueError, match="both"):
        OfficeCalendar(days_off=frozenset({day}), working_days=frozenset({day}))


def test_holiday_names_come_from_the_library_or_the_office() -> None:
    office = OfficeCalendar.from_days(
        [
            DeclaredDay(date(2026, 12, 11), "off", "Nghỉ bù ngày thành lập tỉnh"),
            DeclaredDay(date(2026, 12, 12), "working"),
        ]
    )
    assert office.holiday_name(tet(2027)[2]) == "Tết Nguyên Đán"
    assert office.holiday_name(tet(2027)[2], "en") == "Lunar New Year"
    assert office.holiday_name(date(2027, 4, 16)) == "Ngày Giỗ Tổ Hùng Vương"
    assert office.holiday_name(date(2026, 12, 11)) == "Nghỉ bù ngày thành lập tỉnh"
    assert office.holiday_name(date(2026, 12, 12)) == "Ngày làm bù (văn phòng công bố)"
    assert office.holiday_name(date(2026, 12, 12), "en") == "Working day declared by the office"
    assert office.holiday_name(date(2026, 12, 10)) is None
    assert office.holiday_name(date(2026, 12, 13)) is None  # an ordinary Sunday


def test_a_day_of_the_api_calendar() -> None:
    office = OfficeCalendar.from_days([DeclaredDay(date(2026, 12, 11), "off", "Nghỉ bù")])
    assert office.day_json(date(2026, 12, 11)) == {
        "date": "2026-12-11",
        "working": False,
        "holiday": "Nghỉ bù",
        "declared": "off",
    }
    assert office.day_json(tet(2027)[0], "en") == {
        "date": "2027-02-04",
        "working": False,
        "holiday": "29 of Lunar New Year",
        "declared": None,
    }
    assert office.day_json(date(2026, 12, 10))["working"] is True


def test_from_days_keeps_the_last_word_on_a_day() -> None:
    day = date(2026, 12, 11)
    office = OfficeCalendar.from_days(
        [DeclaredDay(day, "off", "first"), DeclaredDay(day, "working")]
    )
    assert office.is_working_day(day)
    assert office.days_off == frozenset()
    assert office.holiday_name(day) == "Ngày làm bù (văn phòng công bố)"


@pytest.mark.parametrize(
    ("start", "n", "expected", "why"),
    [
        (date(2026, 12, 7), 0, date(2026, 12, 7), "n = 0: the day itself"),
        (date(2026, 12, 12), 0, date(2026, 12, 12), "n = 0 even on a Saturday"),
        (date(2026, 12, 7), 3, date(2026, 12, 10), "Monday + 3: Thursday"),
        (date(2026, 12, 11), 3, date(2026, 12, 16), "Friday + 3: Wednesday"),
        (date(2026, 12, 12), 1, date(2026, 12, 14), "Saturday + 1: Monday"),
        (date(2027, 2, 3), 1, date(2027, 2, 11), "the day before Tết 2027 + 1"),
        (date(2026, 8, 21), 1, date(2026, 8, 22), "the working Saturday counts"),
    ],
)
def test_add_working_days(start: date, n: int, expected: date, why: str) -> None:
    assert VIETNAM_OFFICE.add_working_days(start, n) == expected, why


def test_add_working_days_is_bounded() -> None:
    with pytest.raises(ValueError):
        VIETNAM_OFFICE.add_working_days(date(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        VIETNAM_OFFICE.add_working_days(date(2026, 1, 1), MAX_SPAN_DAYS + 1)
    month_off = frozenset(date(2026, 12, 1) + timedelta(days=i) for i in range(40))
    with pytest.raises(ValueError, match="no working day"):
        OfficeCalendar(days_off=month_off).add_working_days(date(2026, 11, 30), 1)
    with pytest.raises(ValueError, match="span"):
        VIETNAM_OFFICE.working_days_after(date(2000, 1, 1), date(2020, 1, 1))


def test_working_days_after_counts_a_excluded_b_included() -> None:
    assert VIETNAM_OFFICE.working_days_after(date(2026, 12, 7), date(2026, 12, 7)) == 0
    assert VIETNAM_OFFICE.working_days_after(date(2026, 12, 7), date(2026, 12, 1)) == 0
    assert VIETNAM_OFFICE.working_days_after(date(2026, 12, 7), date(2026, 12, 14)) == 5
    assert VIETNAM_OFFICE.working_days_after(date(2027, 2, 3), date(2027, 2, 10)) == 0


@st.composite
def declared(draw: st.DrawFn) -> tuple[frozenset[date], frozenset[date]]:
    """A few declared days off and working days, disjoint."""
    off = draw(st.frozensets(days, max_size=6))
    working = draw(st.frozensets(days, max_size=6)) - off
    return off, working


@settings(max_examples=200, deadline=None)
@given(day=days, chosen=declared())
def test_is_working_day_agrees_with_the_library(
    day: date, chosen: tuple[frozenset[date], frozenset[date]]
) -> None:
    off, working = chosen
    office = OfficeCalendar(days_off=off, working_days=working)
    assert office.is_working_day(day) == works(day, off, working)
    # Undeclared, it is the readiness calendar's answer.
    if day not in off | working:
        assert office.is_working_day(day) == VIETNAM.is_working_day(day)


@settings(max_examples=200, deadline=None)
@given(day=days, n=st.integers(0, 12), chosen=declared())
def test_add_working_days_is_the_nth_working_day_after(
    day: date, n: int, chosen: tuple[frozenset[date], frozenset[date]]
) -> None:
    off, working = chosen
    office = OfficeCalendar(days_off=off, working_days=working)
    found = office.add_working_days(day, n)
    assert worked_between(day, found, off, working) == n
    if n > 0:
        assert works(found, off, working)
        # No earlier day has n working days after ``day``.
        assert worked_between(day, found - timedelta(days=1), off, working) == n - 1
    assert office.working_days_after(day, found) == n


@settings(max_examples=100, deadline=None)
@given(a=days, span=st.integers(-10, 60), chosen=declared())
def test_working_days_after_agrees_with_the_library(
    a: date, span: int, chosen: tuple[frozenset[date], frozenset[date]]
) -> None:
    off, working = chosen
    b = a + timedelta(days=span)
    office = OfficeCalendar(days_off=off, working_days=working)
    assert office.working_days_after(a, b) == worked_between(a, b, off, working)


def test_the_default_test_window_skips_a_declared_day_off() -> None:
    # A session on Monday 14 December 2026: the window opens on Friday the 11th, unless
    # the office declared that Friday off — then on Thursday the 10th.
    starts = datetime(2026, 12, 14, 9, tzinfo=ICT)
    assert default_opens(starts, VIETNAM_OFFICE) == datetime(2026, 12, 11, 7, tzinfo=UTC)
    office = OfficeCalendar(days_off=frozenset({date(2026, 12, 11)}))
    assert default_opens(starts, office) == datetime(2026, 12, 10, 7, tzinfo=UTC)
    # A declared working Saturday opens it on the Saturday.
    office = OfficeCalendar(working_days=frozenset({date(2026, 12, 12)}))
    assert default_opens(starts, office) == datetime(2026, 12, 12, 7, tzinfo=UTC)
