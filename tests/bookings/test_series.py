"""Recurring bookings: "every Monday" and "monthly, on the first working day after the
20th" (and the nth weekday), with a day skipped or moved, bounded, in JSON, and said in
Vietnamese and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.bookings.calendar import VIETNAM_OFFICE, OfficeCalendar
from bridge.bookings.series import (
    MAX_DAYS,
    MAX_OCCURRENCES,
    MonthlyFirstWorkingDayAfter,
    MonthlyNthWeekday,
    Occurrence,
    Rule,
    SeriesError,
    Weekly,
    exceptions_from_json,
    exceptions_to_json,
    occurrences,
    rule_from_json,
)
from tests.bookings.oracle import library_year, tet, works

TZ = "Asia/Ho_Chi_Minh"
ICT = ZoneInfo(TZ)
TWO_HOURS = timedelta(hours=2)


def series(
    rule: Rule,
    first: date,
    *,
    office: OfficeCalendar = VIETNAM_OFFICE,
    until: date | None = None,
    count: int | None = None,
    skip: frozenset[date] = frozenset(),
    moved: dict[date, datetime] | None = None,
    on_days_off: str = "skip",
) -> list[Occurrence]:
    return occurrences(
        rule,
        first,
        time(8, 0),
        TWO_HOURS,
        TZ,
        office,
        until=until,
        count=count,
        skip=skip,
        moved=moved,
        on_days_off=on_days_off,  # type: ignore[arg-type]
    )


def test_every_monday() -> None:
    found = series(Weekly(0), date(2026, 12, 2), count=4)
    assert [o.day for o in found] == [date(2026, 12, d) for d in (7, 14, 21, 28)]
    first = found[0]
    assert first.starts_at == datetime(2026, 12, 7, 1, tzinfo=UTC)  # 08:00 in Hà Nội
    assert first.ends_at - first.starts_at == TWO_HOURS and not first.moved


def test_every_monday_leaves_out_tet_unless_kept() -> None:
    # Tết 2027 (the library's dates) takes Monday 8 February.
    monday = next(d for d in tet(2027) if d.weekday() == 0)
    found = series(Weekly(0), date(2027, 1, 25), until=date(2027, 2, 22))
    assert monday not in [o.day for o in found]
    assert [o.day for o in found] == [date(2027, 1, 25), date(2027, 2, 1), *_after(monday)]
    kept = series(Weekly(0), date(2027, 1, 25), until=date(2027, 2, 22), on_days_off="keep")
    assert monday in [o.day for o in kept]


def _after(monday: date) -> list[date]:
    return [monday + timedelta(days=7), monday + timedelta(days=14)]


def test_a_weekend_rule_keeps_its_weekends_but_not_holidays() -> None:
    # Every Saturday: kept, but not Saturday 6 February 2027 (Tết) nor 1 May 2027.
    found = series(Weekly(5), date(2027, 1, 30), until=date(2027, 5, 8))
    days = [o.day for o in found]
    assert date(2027, 1, 30) in days and date(2027, 2, 13) in days
    assert date(2027, 2, 6) not in days and date(2027, 5, 1) not in days
    assert len(days) == 15 - 2


def test_until_is_inclusive_and_count_stops_first() -> None:
    found = series(Weekly(2), date(2026, 12, 2), until=date(2026, 12, 16))
    assert [o.day for o in found] == [date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16)]
    found = series(Weekly(2), date(2026, 12, 2), until=date(2026, 12, 30), count=2)
    assert len(found) == 2


def test_monthly_on_the_first_working_day_after_the_20th() -> None:
    rule = MonthlyFirstWorkingDayAfter(20)
    found = series(rule, date(2026, 11, 1), count=6)
    assert [o.day for o in found] == [
        date(2026, 11, 23),  # the 21st is a Saturday: Monday the 23rd
        date(2026, 12, 21),
        date(2027, 1, 21),
        date(2027, 2, 22),  # the 21st is a Sunday
        date(2027, 3, 22),
        date(2027, 4, 21),
    ]
    # A compensatory day off the office declares on 21 December moves that one along.
    office = OfficeCalendar(days_off=frozenset({date(2026, 12, 21)}))
    found = series(rule, date(2026, 12, 1), office=office, count=1)
    assert found[0].day == date(2026, 12, 22)


def test_monthly_first_working_day_after_skips_tet() -> None:
    # Tết 2028 falls late January (the library's dates): after the 20th of January the
    # first working day lies beyond it.
    days = tet(2028)
    rule = MonthlyFirstWorkingDayAfter(20)
    [found] = series(rule, date(2028, 1, 1), count=1)
    assert found.day > date(2028, 1, 20) and works(found.day)
    if date(2028, 1, 21) in days:
        assert found.day > days[-1]


def test_the_first_day_of_a_monthly_series() -> None:
    # From the 25th, this month's occurrence has passed: the series starts next month.
    [found] = series(MonthlyFirstWorkingDayAfter(20), date(2026, 12, 25), count=1)
    assert found.day == date(2027, 1, 21)


def test_monthly_on_the_nth_weekday() -> None:
    found = series(MonthlyNthWeekday(2, 1), date(2026, 12, 1), count=3)
    assert [o.day for o in found] == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 3, 9)]
    # February 2027's 2nd Tuesday is Tết (the 9th): left out.
    assert date(2027, 2, 9) in tet(2027)
    last = series(MonthlyNthWeekday(-1, 4), date(2026, 12, 1), count=2)
    assert [o.day for o in last] == [date(2026, 12, 25), date(2027, 1, 29)]


def test_a_day_skipped_and_a_day_moved() -> None:
    moved_to = datetime(2026, 12, 15, 14, tzinfo=ICT)
    found = series(
        Weekly(0),
        date(2026, 12, 7),
        count=4,
        skip=frozenset({date(2026, 12, 21)}),
        moved={date(2026, 12, 14): moved_to},
    )
    # count counts the rule's days, the skipped one included (RFC 5545's EXDATE).
    assert [o.day for o in found] == [date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 28)]
    moved = found[1]
    assert moved.moved and moved.starts_at == moved_to.astimezone(UTC)
    assert moved.ends_at == moved.starts_at + TWO_HOURS


def test_occurrences_are_sorted_by_start_even_when_moved() -> None:
    found = series(
        Weekly(0),
        date(2026, 12, 7),
        count=3,
        moved={date(2026, 12, 21): datetime(2026, 12, 8, 9, tzinfo=ICT)},
    )
    assert [o.day for o in found] == [date(2026, 12, 7), date(2026, 12, 21), date(2026, 12, 14)]
    assert found == sorted(found, key=lambda o: o.starts_at)


@pytest.mark.parametrize(
    ("kwargs", "field", "problem"),
    [
        ({}, "until", "missing"),
        ({"until": date(2026, 12, 1)}, "until", "too_small"),
        ({"until": date(2026, 12, 7) + timedelta(days=MAX_DAYS + 1)}, "until", "too_large"),
        ({"count": 0}, "count", "too_small"),
        ({"count": MAX_OCCURRENCES + 1}, "count", "too_large"),
        # 200 Mondays are almost four years: more than three.
        ({"count": MAX_OCCURRENCES}, "count", "too_large"),
        ({"count": 3, "skip": frozenset({date(2026, 12, 8)})}, "skip", "not_found"),
        ({"count": 3, "skip": frozenset({date(2027, 1, 4)})}, "skip", "not_found"),
        (
            {"count": 3, "moved": {date(2026, 12, 9): datetime(2026, 12, 9, 9, tzinfo=ICT)}},
            "moved",
            "not_found",
        ),
        (
            {"count": 3, "moved": {date(2026, 12, 14): datetime(2026, 12, 15, 9)}},
            "moved",
            "invalid",
        ),
        (
            {
                "count": 3,
                "skip": frozenset({date(2026, 12, 14)}),
                "moved": {date(2026, 12, 14): datetime(2026, 12, 15, 9, tzinfo=ICT)},
            },
            "moved",
            "duplicate",
        ),
    ],
)
def test_a_series_that_cannot_be_is_refused(
    kwargs: dict[str, object], field: str, problem: str
) -> None:
    with pytest.raises(SeriesError) as caught:
        series(Weekly(0), date(2026, 12, 7), **kwargs)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.problem) == (field, problem)
    assert caught.value.text("vi") and caught.value.text("en")


@pytest.mark.parametrize(
    ("start_time", "duration", "field"),
    [
        (time(8, tzinfo=UTC), TWO_HOURS, "start_time"),
        (time(8), timedelta(0), "duration"),
        (time(8), timedelta(hours=25), "duration"),
    ],
)
def test_a_bad_time_or_length_is_refused(start_time: time, duration: timedelta, field: str) -> None:
    with pytest.raises(SeriesError) as caught:
        occurrences(Weekly(0), date(2026, 12, 7), start_time, duration, TZ, VIETNAM_OFFICE, count=1)
    assert caught.value.field == field


def test_the_longest_series_fit_the_bounds() -> None:
    # Three years of Mondays, every month for three years: within 200 meetings.
    weekly = series(
        Weekly(0), date(2026, 12, 7), until=date(2026, 12, 7) + timedelta(days=MAX_DAYS)
    )
    monthly = series(MonthlyFirstWorkingDayAfter(20), date(2026, 12, 1), count=36)
    assert 140 < len(weekly) <= MAX_OCCURRENCES
    assert len(monthly) == 36


@pytest.mark.parametrize(
    ("rule", "vi", "en"),
    [
        (Weekly(0), "Thứ Hai hằng tuần", "every Monday"),
        (Weekly(6), "Chủ nhật hằng tuần", "every Sunday"),
        (
            MonthlyFirstWorkingDayAfter(20),
            "hằng tháng, vào ngày làm việc đầu tiên sau ngày 20",
            "monthly, on the first working day after the 20th",
        ),
        (
            MonthlyFirstWorkingDayAfter(1),
            "hằng tháng, vào ngày làm việc đầu tiên sau ngày 1",
            "monthly, on the first working day after the 1st",
        ),
        (
            MonthlyFirstWorkingDayAfter(22),
            "hằng tháng, vào ngày làm việc đầu tiên sau ngày 22",
            "monthly, on the first working day after the 22nd",
        ),
        (
            MonthlyFirstWorkingDayAfter(11),
            "hằng tháng, vào ngày làm việc đầu tiên sau ngày 11",
            "monthly, on the first working day after the 11th",
        ),
        (
            MonthlyNthWeekday(1, 0),
            "hằng tháng, vào Thứ Hai đầu tiên của tháng",
            "monthly, on the first Monday",
        ),
        (
            MonthlyNthWeekday(-1, 4),
            "hằng tháng, vào Thứ Sáu cuối cùng của tháng",
            "monthly, on the last Friday",
        ),
    ],
)
def test_a_rule_says_itself(rule: Rule, vi: str, en: str) -> None:
    assert rule.describe() == rule.describe("vi") == vi
    assert rule.describe("en") == en


rules = st.one_of(
    st.builds(Weekly, st.integers(0, 6)),
    st.builds(MonthlyFirstWorkingDayAfter, st.integers(1, 28)),
    st.builds(MonthlyNthWeekday, st.sampled_from([1, 2, 3, 4, -1]), st.integers(0, 6)),
)


@given(rule=rules)
def test_a_rule_survives_json(rule: Rule) -> None:
    import json

    assert rule_from_json(json.loads(json.dumps(rule.to_json()))) == rule


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ([], "rule", "wrong_type"),
        ({}, "rule.kind", "missing"),
        ({"kind": "daily"}, "rule.kind", "not_allowed"),
        ({"kind": "weekly"}, "rule.weekday", "missing"),
        ({"kind": "weekly", "weekday": 7}, "rule.weekday", "not_allowed"),
        ({"kind": "weekly", "weekday": "0"}, "rule.weekday", "wrong_type"),
        ({"kind": "weekly", "weekday": True}, "rule.weekday", "wrong_type"),
        ({"kind": "weekly", "weekday": 0, "day": 3}, "rule.day", "unknown_field"),
        ({"kind": "monthly_first_working_day_after", "day": 29}, "rule.day", "not_allowed"),
        ({"kind": "monthly_nth_weekday", "n": 5, "weekday": 0}, "rule.n", "not_allowed"),
        ({"kind": "monthly_nth_weekday", "n": 0, "weekday": 0}, "rule.n", "not_allowed"),
    ],
)
def test_a_bad_rule_is_refused(data: object, field: str, problem: str) -> None:
    with pytest.raises(SeriesError) as caught:
        rule_from_json(data)
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_exceptions_survive_json() -> None:
    skip = {date(2026, 12, 21)}
    moved = {date(2026, 12, 14): datetime(2026, 12, 15, 14, tzinfo=ICT)}
    assert exceptions_from_json(exceptions_to_json(skip, moved)) == (skip, moved)
    with pytest.raises(SeriesError):
        exceptions_from_json({"skip": ["not a day"]})
    with pytest.raises(SeriesError):
        exceptions_from_json([])


@settings(max_examples=150, deadline=None)
@given(
    rule=rules,
    first=st.dates(date(2015, 1, 1), date(2035, 12, 31)),
    # at most 24: a monthly rule whose day is often a holiday (the first Monday from
    # January 2034 loses 7 in 3 years) may rightly need more than the 3 years a series may
    # last for 30 meetings
    count=st.integers(1, 24),
    data=st.data(),
)
def test_occurrences_follow_their_rule(
    rule: Rule, first: date, count: int, data: st.DataObject
) -> None:
    found = series(rule, first, count=count)
    days = [o.day for o in found]
    assert len(found) == count and days == sorted(set(days))
    assert all(first <= d <= first + timedelta(days=MAX_DAYS) for d in days)
    # Holidays are left out (the default); a plain weekend day is the rule's choice.
    assert all(works(d) or (d.weekday() >= 5 and d not in library_year(d.year)[0]) for d in days)
    for day in days:
        if isinstance(rule, Weekly):
            assert day.weekday() == rule.weekday
        elif isinstance(rule, MonthlyNthWeekday):
            assert day.weekday() == rule.weekday
            if rule.n > 0:
                assert (day.day - 1) // 7 == rule.n - 1
            else:
                assert (day + timedelta(days=7)).month != day.month
        else:
            # The first working day after the rule's day: nothing worked in between.
            anchor = day.replace(day=rule.day)
            if anchor >= day:  # it fell into the next month (after a long run of days off)
                anchor = (day.replace(day=1) - timedelta(days=1)).replace(day=rule.day)
            between = [anchor + timedelta(days=i) for i in range(1, (day - anchor).days)]
            assert not any(works(d) for d in between)
    # A skipped day is gone, the others unchanged.
    dropped = data.draw(st.sampled_from(days))
    fewer = series(rule, first, count=count, skip=frozenset({dropped}))
    assert [o.day for o in fewer] == [d for d in days if d != dropped]
