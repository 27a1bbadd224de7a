"""The lead time: a session may start at the earliest on the 3rd working day after the day
it was requested, across weekends, Tết (the library's lunar dates) and a compensatory day
the office declares — on known days and, over random dates, against the library."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.bookings.calendar import VIETNAM_OFFICE, OfficeCalendar
from bridge.bookings.lead_time import DEFAULT_LEAD_DAYS, LeadTime, check_lead_time
from bridge.readiness.window import OFFICE_TIMEZONE
from tests.bookings.oracle import tet, worked_between, works

ICT = ZoneInfo(OFFICE_TIMEZONE)


def ict(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ICT)


def earliest(requested: datetime, office: OfficeCalendar = VIETNAM_OFFICE) -> date:
    return check_lead_time(requested, requested, OFFICE_TIMEZONE, office).earliest_day


def test_the_default_is_three_working_days() -> None:
    assert DEFAULT_LEAD_DAYS == 3


@pytest.mark.parametrize(
    ("requested", "expected", "why"),
    [
        (ict(2026, 12, 7, 9), date(2026, 12, 10), "Monday: Thursday"),
        (ict(2026, 12, 7, 23, 59), date(2026, 12, 10), "late on Monday still counts Monday"),
        (ict(2026, 12, 10, 9), date(2026, 12, 15), "Thursday: over the weekend to Tuesday"),
        (ict(2026, 12, 11, 16), date(2026, 12, 16), "Friday: Wednesday"),
        (ict(2026, 12, 12, 10), date(2026, 12, 16), "Saturday: Wednesday"),
        (ict(2026, 12, 13, 10), date(2026, 12, 16), "Sunday: Wednesday"),
        # Tết 2027 is Thursday 4 to Wednesday 10 February: the 3rd working day after
        # Wednesday 3 February is Monday 15 February.
        (ict(2027, 2, 3, 9), date(2027, 2, 15), "the day before Tết 2027"),
        (ict(2027, 2, 2, 9), date(2027, 2, 12), "two days before Tết 2027"),
        (ict(2027, 2, 6, 9), date(2027, 2, 15), "during Tết 2027"),
        (ict(2026, 12, 31, 9), date(2027, 1, 6), "over New Year's Day (a Friday)"),
    ],
)
def test_the_earliest_day(requested: datetime, expected: date, why: str) -> None:
    assert earliest(requested) == expected, why


def test_tet_2027_is_where_the_library_puts_it() -> None:
    # Not a hand-written table: the library computes the lunar new year.
    days = tet(2027)
    assert days[0] == date(2027, 2, 4) and days[-1] == date(2027, 2, 10)
    before = days[0] - timedelta(days=1)
    found = earliest(datetime.combine(before, time(9), tzinfo=ICT))
    assert found > days[-1]
    assert worked_between(before, found) == 3


def test_the_request_day_is_the_offices() -> None:
    # 18:00 UTC on Sunday is 01:00 on Monday in Hà Nội: a Monday request.
    requested = datetime(2026, 12, 6, 18, tzinfo=UTC)
    assert earliest(requested) == date(2026, 12, 10)
    # And the start's day is the office's: 20:00 UTC on the 9th is 03:00 on the 10th.
    lead = check_lead_time(requested, datetime(2026, 12, 9, 20, tzinfo=UTC))
    assert lead.ok


def test_a_declared_compensatory_day_off_pushes_the_earliest_day() -> None:
    # Requested Tuesday 8 December 2026: Friday the 11th, unless the office declared
    # that Friday a day off — then Monday the 14th.
    requested = ict(2026, 12, 8, 9)
    assert earliest(requested) == date(2026, 12, 11)
    office = OfficeCalendar(days_off=frozenset({date(2026, 12, 11)}))
    assert earliest(requested, office) == date(2026, 12, 14)
    lead = check_lead_time(requested, ict(2026, 12, 11, 14), calendar=office)
    assert lead == LeadTime(False, date(2026, 12, 14), 3, 1)
    # A declared working Saturday pulls it nearer.
    office = OfficeCalendar(working_days=frozenset({date(2026, 12, 12)}))
    assert earliest(ict(2026, 12, 10, 9), office) == date(2026, 12, 14)


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (ict(2026, 12, 10, 8), LeadTime(True, date(2026, 12, 10), 3, 0)),
        (ict(2026, 12, 21, 8), LeadTime(True, date(2026, 12, 10), 3, 0)),
        (ict(2026, 12, 9, 8), LeadTime(False, date(2026, 12, 10), 3, 1)),
        (ict(2026, 12, 8, 8), LeadTime(False, date(2026, 12, 10), 3, 2)),
        (ict(2026, 12, 7, 15), LeadTime(False, date(2026, 12, 10), 3, 3)),
        (ict(2026, 12, 1, 8), LeadTime(False, date(2026, 12, 10), 3, 3)),
    ],
)
def test_short_by_counts_the_missing_working_days(starts: datetime, expected: LeadTime) -> None:
    assert check_lead_time(ict(2026, 12, 7, 9), starts) == expected


def test_other_lead_days_and_bad_input() -> None:
    requested = ict(2026, 12, 7, 9)
    assert check_lead_time(requested, requested, days=0) == LeadTime(True, requested.date(), 0, 0)
    yesterday = requested - timedelta(days=1)
    assert check_lead_time(requested, yesterday, days=0) == LeadTime(False, requested.date(), 0, 1)
    assert check_lead_time(requested, ict(2026, 12, 14, 9), days=5).ok
    with pytest.raises(ValueError):
        check_lead_time(datetime(2026, 12, 7, 9), requested)
    with pytest.raises(ValueError):
        check_lead_time(requested, requested, days=-1)


def test_the_verdict_says_itself_in_both_languages() -> None:
    lead = check_lead_time(ict(2026, 12, 7, 9), ict(2026, 12, 9, 9))
    assert "10/12/2026" in lead.text("vi") and "3 ngày làm việc" in lead.text("vi")
    assert "2026-12-10" in lead.text("en") and "3 working days" in lead.text("en")
    ok = check_lead_time(ict(2026, 12, 7, 9), ict(2026, 12, 10, 9))
    assert "Đủ" in ok.text() and "met" in ok.text("en")
    assert lead.to_json() == {"ok": False, "earliest_day": "2026-12-10", "days": 3, "short_by": 1}


# Random request times: any minute of 2015-2035, office time, and a Tết-heavy stream (the
# fortnight around each Tết the library knows) so the long holiday is met often.
request_times = st.datetimes(datetime(2015, 1, 1), datetime(2035, 12, 31), timezones=st.just(ICT))


@st.composite
def around_tet(draw: st.DrawFn) -> datetime:
    year = draw(st.integers(2015, 2035))
    start = tet(year)[0] + timedelta(days=draw(st.integers(-10, 10)))
    minute = draw(st.integers(0, 24 * 60 - 1))
    return datetime.combine(start, time(minute // 60, minute % 60), tzinfo=ICT)


@st.composite
def declared_days_near(draw: st.DrawFn, requested: datetime) -> frozenset[date]:
    """A few compensatory days off in the fortnight after the request."""
    offsets = draw(st.frozensets(st.integers(0, 14), max_size=3))
    return frozenset(requested.date() + timedelta(days=i) for i in offsets)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    requested=st.one_of(request_times, around_tet()),
    days=st.integers(0, 10),
    start_offset=st.integers(-3, 30),
)
def test_the_lead_time_against_the_library(
    data: st.DataObject, requested: datetime, days: int, start_offset: int
) -> None:
    off = data.draw(declared_days_near(requested))
    office = OfficeCalendar(days_off=off)
    request_day = requested.date()
    starts = requested + timedelta(days=start_offset, hours=data.draw(st.integers(-12, 12)))
    start_day = starts.astimezone(ICT).date()
    lead = check_lead_time(requested, starts, OFFICE_TIMEZONE, office, days)
    found = lead.earliest_day
    # The earliest day is a working day (unless days = 0: the request day itself), exactly
    # ``days`` working days after the request day, and no earlier day qualifies.
    assert worked_between(request_day, found, off) == days
    if days == 0:
        assert found == request_day
    else:
        assert works(found, off)
        assert worked_between(request_day, found - timedelta(days=1), off) < days
    assert lead.days == days
    assert lead.ok == (start_day >= found)
    if lead.ok:
        assert lead.short_by == 0
    else:
        have = worked_between(request_day, start_day, off)
        assert lead.short_by == max(days - have, 1)
    # The clock time of either moment does not matter, only the office's day.
    midnight = datetime.combine(request_day, time(0), tzinfo=ICT)
    assert check_lead_time(midnight, starts, OFFICE_TIMEZONE, office, days) == lead
