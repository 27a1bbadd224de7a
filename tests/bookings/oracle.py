"""An independent statement of the office's working days, straight from the ``holidays``
package, for the property tests to check ``OfficeCalendar`` and the lead time against: a
day is worked when the office declared it so, or, undeclared, when it is Monday to Friday
or a weekend day the government made a working day, and not a public holiday."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import holidays


def library_year(year: int) -> tuple[holidays.HolidayBase, set[date]]:
    table = holidays.country_holidays("VN", years=year)
    return table, set(getattr(table, "weekend_workdays", ()))


def works(day: date, days_off: Collection[date] = (), working_days: Collection[date] = ()) -> bool:
    if day in days_off:
        return False
    if day in working_days:
        return True
    table, weekend_workdays = library_year(day.year)
    if day in table:
        return False
    return day.weekday() < 5 or day in weekend_workdays


def worked_between(
    a: date, b: date, days_off: Collection[date] = (), working_days: Collection[date] = ()
) -> int:
    """Working days d with a < d ≤ b, one by one."""
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        count += works(day, days_off, working_days)
    return count


def tet(year: int) -> list[date]:
    """The days of Tết Nguyên Đán in ``year``, as the library names them (its Vietnamese
    names all say "Tết", New Year's Day's says "Dương lịch")."""
    table = holidays.country_holidays("VN", years=year, language="vi")
    return sorted(d for d, name in table.items() if "Tết" in name and "Dương lịch" not in name)
