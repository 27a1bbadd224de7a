"""A session's test window: when it is *testing*, so halls may join early and run their
connection test by themselves.

By default the window opens at **14:00 office time on the working day before** the day the
session starts (in office time) and closes when it starts: today a central office phones
every province the afternoon before a briefing. A working day is Monday to Friday and not a
Vietnamese public holiday, and a Saturday or Sunday the government made a working day in
exchange for a bridge holiday counts as one (``holidays``' ``weekend_workdays``: an office
works that day). So a session on the Monday after Tết opens its window on the last working
day before Tết, and one on a Monday after an ordinary weekend on the Friday.

An explicit ``test_from`` or ``test_until`` replaces either end. Without a start there is no
window. Pure: dates in, a window out (the holiday tables are data of the ``holidays``
package, computed, not read from anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"
OPENS_AT = time(14, 0)  # office time, on the working day before the start
# The longest run of days off to look back over: Tết with its weekends is at most ~10.
MAX_DAYS_OFF = 31
# The years a schedule may name: the holiday tables are computed per year, and a typo such
# as year 20266 must be refused rather than computed.
FIRST_YEAR, LAST_YEAR = 2000, 2200


class Calendar(Protocol):
    """Which days an office works: ``HolidayCalendar`` the country's, ``bridge.bookings.
    calendar.OfficeCalendar`` that with the days an office declares (a compensatory day
    off, a working Saturday), so a window skips those too."""

    def is_working_day(self, day: date) -> bool: ...


@dataclass(frozen=True)
class HolidayCalendar:
    """Working days of a country's offices: Monday to Friday and the weekend days made
    working days, less the public holidays (Vietnam's by default)."""

    country: str = "VN"

    def is_working_day(self, day: date) -> bool:
        off, weekend_workdays = _year(self.country, day.year)
        if day in off:
            return False
        return day.weekday() < 5 or day in weekend_workdays


@lru_cache(maxsize=64)
def _year(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """One year's public holidays and weekend working days, computed once per year."""
    table = holidays.country_holidays(country, years=year)
    workdays = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return frozenset(table), workdays


VIETNAM = HolidayCalendar("VN")


@dataclass(frozen=True)
class TestWindow:
    """``opens`` ≤ now < ``closes``: the session is testing. ``default``: neither end was
    set explicitly."""

    opens: datetime
    closes: datetime
    default: bool

    __test__ = False  # not a pytest test class, whatever its name

    def contains(self, now: datetime) -> bool:
        return self.opens <= now < self.closes


class ScheduleError(ValueError):
    """A schedule that cannot be: ``field`` is the one at fault, ``problem`` a signaling
    ``Problem`` word, ``params`` the bound it crossed (``limit``, ``exclusive``), for the
    message."""

    def __init__(
        self,
        field: str,
        problem: str,
        message: str,
        limit: str | None = None,
        exclusive: bool = False,
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.problem = problem
        self.params: dict[str, object] = (
            {} if limit is None else {"limit": limit, "exclusive": exclusive}
        )


def previous_working_day(day: date, calendar: Calendar = VIETNAM) -> date:
    """The last working day strictly before ``day``."""
    candidate = day - timedelta(days=1)
    for _ in range(MAX_DAYS_OFF):
        if calendar.is_working_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return day - timedelta(days=1)  # no working day in a month: the day before, all the same


def default_opens(
    starts_at: datetime, calendar: Calendar = VIETNAM, tz: str = OFFICE_TIMEZONE
) -> datetime:
    """14:00 office time on the working day before the start's office-time date (UTC)."""
    zone = ZoneInfo(tz)
    day = previous_working_day(starts_at.astimezone(zone).date(), calendar)
    return datetime.combine(day, OPENS_AT, tzinfo=zone).astimezone(UTC)


def window(
    starts_at: datetime | None,
    test_from: datetime | None = None,
    test_until: datetime | None = None,
    calendar: Calendar = VIETNAM,
    tz: str = OFFICE_TIMEZONE,
) -> TestWindow | None:
    """The session's test window; None without a start. Every time is aware."""
    if starts_at is None:
        return None
    opens = test_from if test_from is not None else default_opens(starts_at, calendar, tz)
    closes = test_until if test_until is not None else starts_at
    default = test_from is None and test_until is None
    return TestWindow(opens.astimezone(UTC), closes.astimezone(UTC), default)


def check_schedule(
    starts_at: datetime | None,
    ends_at: datetime | None = None,
    test_from: datetime | None = None,
    test_until: datetime | None = None,
    calendar: Calendar = VIETNAM,
    tz: str = OFFICE_TIMEZONE,
) -> None:
    """Raise ``ScheduleError`` unless the schedule can be: aware times within the years a
    calendar knows, an end after the start, no test window without a start, and a window
    that opens before it closes."""
    named = {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "test_from": test_from,
        "test_until": test_until,
    }
    for field, value in named.items():
        if value is None:
            continue
        if value.tzinfo is None or value.utcoffset() is None:
            raise ScheduleError(field, "invalid", "a time needs its UTC offset")
        # The year as written: converting year 1 or 9999 to UTC could leave the calendar.
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            problem = "too_small" if value.year < FIRST_YEAR else "too_large"
            limit = str(FIRST_YEAR if problem == "too_small" else LAST_YEAR)
            raise ScheduleError(field, problem, f"the year must be {FIRST_YEAR}-{LAST_YEAR}", limit)
    if starts_at is None:
        for field in ("ends_at", "test_from", "test_until"):
            if named[field] is not None:
                raise ScheduleError(field, "invalid", "there is no start to go with it")
        return
    if ends_at is not None and ends_at <= starts_at:
        raise ScheduleError(
            "ends_at", "too_small", "it must be after the start", starts_at.isoformat(), True
        )
    found = window(starts_at, test_from, test_until, calendar, tz)
    assert found is not None
    if found.closes <= found.opens:
        field = "test_until" if test_until is not None else "test_from"
        bound = found.opens if field == "test_until" else found.closes
        problem = "too_small" if field == "test_until" else "too_large"
        message = "the test window must open before it closes"
        raise ScheduleError(field, problem, message, bound.isoformat(), True)
