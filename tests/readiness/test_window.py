"""A session's test window: 14:00 office time on the working day before the start, weekends
and Vietnamese public holidays skipped (a weekend day made a working day counts), explicit
ends overriding either side; and the schedule checks that refuse what cannot be."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.readiness.window import (
    MAX_DAYS_OFF,
    OPENS_AT,
    VIETNAM,
    HolidayCalendar,
    ScheduleError,
    TestWindow,
    check_schedule,
    default_opens,
    previous_working_day,
    window,
)

ICT = ZoneInfo("Asia/Ho_Chi_Minh")


def ict(*args: int) -> datetime:
    return datetime(*args, tzinfo=ICT)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("starts", "opens", "why"),
    [
        (ict(2026, 12, 10, 9), ict(2026, 12, 9, 14), "a Thursday: Wednesday afternoon"),
        (ict(2026, 12, 14, 9), ict(2026, 12, 11, 14), "a Monday: the Friday before"),
        # Tết 2026: Monday 16 to Friday 20 February; the weekends around it are off too.
        (ict(2026, 2, 23, 8, 30), ict(2026, 2, 13, 14), "the Monday after Tết"),
        # Tết 2027: Thursday 4 to Wednesday 10 February.
        (ict(2027, 2, 11, 8), ict(2027, 2, 3, 14), "the day after Tết 2027"),
        # National Day 2026: 1-2 September, with Monday 31 August off in exchange for
        # Saturday 22 August, a working day.
        (ict(2026, 9, 3, 9), ict(2026, 8, 28, 14), "after National Day and its bridge"),
        (ict(2026, 8, 24, 9), ict(2026, 8, 22, 14), "the working Saturday counts"),
        # New Year's Day 2027 is a Friday.
        (ict(2027, 1, 4, 9), ict(2026, 12, 31, 14), "after New Year's Day"),
        # The start's date is the office's: 00:30 on the 10th is the 9th in UTC.
        (ict(2026, 12, 10, 0, 30), ict(2026, 12, 9, 14), "just after midnight, office time"),
        # A start in the afternoon still opens the day before, not the same day.
        (ict(2026, 12, 10, 15), ict(2026, 12, 9, 14), "an afternoon session"),
    ],
)
def test_the_default_window_opens_at_14_00_on_the_working_day_before(
    starts: datetime, opens: datetime, why: str
) -> None:
    found = window(starts)
    assert found == TestWindow(opens.astimezone(UTC), starts.astimezone(UTC), True), why
    assert found.opens.tzinfo is UTC and found.closes.tzinfo is UTC


def test_a_start_given_in_utc_is_the_same_start() -> None:
    starts = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)  # 09:00 on Monday, office time
    assert window(starts) == window(starts.astimezone(ICT))
    assert window(starts).opens == datetime(2026, 12, 11, 7, 0, tzinfo=UTC)  # type: ignore[union-attr]


def test_without_a_start_there_is_no_window() -> None:
    assert window(None) is None
    assert window(None, ict(2026, 12, 9, 8), ict(2026, 12, 9, 17)) is None


def test_explicit_ends_override_either_side() -> None:
    starts = ict(2026, 12, 14, 9)
    early = ict(2026, 12, 10, 8)
    late = ict(2026, 12, 14, 8, 45)
    assert window(starts, test_from=early) == TestWindow(
        early.astimezone(UTC), starts.astimezone(UTC), False
    )
    assert window(starts, test_until=late) == TestWindow(
        ict(2026, 12, 11, 14).astimezone(UTC), late.astimezone(UTC), False
    )
    both = window(starts, early, late)
    assert both is not None and (both.opens, both.closes, both.default) == (early, late, False)


def test_contains_from_the_opening_up_to_but_not_the_close() -> None:
    found = window(ict(2026, 12, 10, 9))
    assert found is not None
    second = timedelta(seconds=1)
    assert not found.contains(found.opens - second)
    assert found.contains(found.opens)
    assert found.contains(ict(2026, 12, 10, 8, 59))
    assert not found.contains(found.closes)
    assert not found.contains(found.closes + second)


def test_the_vietnamese_calendar() -> None:
    assert VIETNAM.is_working_day(date(2026, 12, 10))  # a Thursday
    assert not VIETNAM.is_working_day(date(2026, 12, 12))  # a Saturday
    assert not VIETNAM.is_working_day(date(2026, 2, 17))  # Tết
    assert not VIETNAM.is_working_day(date(2026, 9, 2))  # National Day
    assert VIETNAM.is_working_day(date(2026, 8, 22))  # a Saturday made a working day
    assert previous_working_day(date(2026, 2, 23)) == date(2026, 2, 13)


class Never:
    def is_working_day(self, day: date) -> bool:
        return False


def test_a_calendar_without_working_days_still_opens_the_day_before() -> None:
    assert default_opens(ict(2026, 12, 10, 9), Never()) == ict(2026, 12, 9, 14)


def test_another_countrys_calendar_can_be_given() -> None:
    # 25 December is a public holiday in the United Kingdom, a working day in Vietnam.
    starts = ict(2026, 12, 28, 9)  # a Monday
    assert window(starts).opens == ict(2026, 12, 25, 14)  # type: ignore[union-attr]
    assert window(starts, calendar=HolidayCalendar("GB")).opens == ict(2026, 12, 24, 14)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("schedule", "field", "problem"),
    [
        ({"starts_at": datetime(2026, 12, 10, 9)}, "starts_at", "invalid"),
        ({"starts_at": ict(1999, 12, 10, 9)}, "starts_at", "too_small"),
        ({"starts_at": ict(2026, 12, 10, 9), "ends_at": ict(9999, 1, 1)}, "ends_at", "too_large"),
        ({"starts_at": ict(2026, 12, 10, 9), "ends_at": ict(2026, 12, 10, 9)}, "ends_at",
         "too_small"),
        ({"starts_at": None, "test_from": ict(2026, 12, 9, 8)}, "test_from", "invalid"),
        ({"starts_at": None, "ends_at": ict(2026, 12, 9, 8)}, "ends_at", "invalid"),
        ({"starts_at": ict(2026, 12, 10, 9), "test_until": ict(2026, 12, 9, 13)}, "test_until",
         "too_small"),
        ({"starts_at": ict(2026, 12, 10, 9), "test_from": ict(2026, 12, 10, 9)}, "test_from",
         "too_large"),
    ],
)  # fmt: skip
def test_a_schedule_that_cannot_be_is_refused_naming_its_field(
    schedule: dict[str, datetime | None], field: str, problem: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        check_schedule(**schedule)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_a_schedule_that_can_be_passes() -> None:
    check_schedule(None)
    check_schedule(ict(2026, 12, 10, 9), ict(2026, 12, 10, 11), ict(2026, 12, 8, 8))
    with pytest.raises(ScheduleError) as error:
        check_schedule(ict(2026, 12, 10, 9), ict(2026, 12, 10, 9))
    assert error.value.params == {"limit": ict(2026, 12, 10, 9).isoformat(), "exclusive": True}


# ---- properties -------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2020, 1, 2), max_value=datetime(2040, 12, 31), timezones=st.just(ICT)
)


@given(starts)
def test_the_default_window_opens_on_the_last_working_day_before_the_start(s: datetime) -> None:
    found = window(s)
    assert found is not None and found.default
    opens = found.opens.astimezone(ICT)
    assert opens.time() == OPENS_AT
    assert VIETNAM.is_working_day(opens.date())
    assert opens.date() < s.date() <= opens.date() + timedelta(days=MAX_DAYS_OFF)
    day = opens.date() + timedelta(days=1)
    while day < s.date():  # every day in between is a day off
        assert not VIETNAM.is_working_day(day)
        day += timedelta(days=1)
    assert found.closes == s
    assert found.contains(found.opens) and not found.contains(s)
    check_schedule(s)


@given(starts, st.timedeltas(timedelta(0), timedelta(days=20)), st.timedeltas(timedelta(0)))
def test_explicit_ends_are_the_window_whatever_the_start(
    s: datetime, before: timedelta, after: timedelta
) -> None:
    test_from, test_until = s - before, s + min(after, timedelta(hours=6))
    found = window(s, test_from, test_until)
    assert found is not None and not found.default
    assert (found.opens, found.closes) == (test_from, test_until)
    assert found.contains(test_from) == (test_from < test_until)
