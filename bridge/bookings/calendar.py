"""The office's working days: the country's (``HolidayCalendar``, from the ``holidays``
package: weekends, public holidays with Tết and Hùng Kings' day on the lunar calendar, and
the weekend days the government made working days) corrected by the days the office itself
declares each year — a compensatory day off (``days_off``) or a working Saturday
(``working_days``).

Why declared days: the government announces bridge holidays late and a province may add its
own, so the library cannot know every day an office is closed; the office types them in.
A declared day wins over the library either way.

Pure: dates in, answers out. ``OfficeCalendar`` satisfies ``readiness.window.Calendar``, so a
session's default test window ("14:00 the working day before") skips declared days off too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import holidays

from bridge.readiness.window import MAX_DAYS_OFF, HolidayCalendar

DeclaredKind = Literal["off", "working"]
# The longest span ``working_days_after`` counts over, and the largest ``n`` of
# ``add_working_days``: ten years of days, far beyond any booking, small enough to compute.
MAX_SPAN_DAYS = 3660
# What a declared day without a note is called, per language.
_DECLARED_LABEL: dict[DeclaredKind, dict[str, str]] = {
    "off": {"vi": "Ngày nghỉ bù (văn phòng công bố)", "en": "Day off declared by the office"},
    "working": {
        "vi": "Ngày làm bù (văn phòng công bố)",
        "en": "Working day declared by the office",
    },
}
_LIBRARY_LANGUAGE = {"vi": "vi", "en": "en_US"}


@dataclass(frozen=True)
class DeclaredDay:
    """One day the office declares: ``off`` (a compensatory day off) or ``working`` (a
    working Saturday), with the note it gave (shown in the calendar)."""

    day: date
    kind: DeclaredKind
    note: str = ""


@dataclass(frozen=True)
class OfficeCalendar:
    """Working days of an office: the country's, less ``days_off``, plus ``working_days``.

    ``notes`` names a declared day (e.g. "Nghỉ bù Quốc khánh"); build the whole thing from
    stored rows with ``OfficeCalendar.from_days``.
    """

    country: str = "VN"
    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    notes: Mapping[date, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )

    def __post_init__(self) -> None:
        both = self.days_off & self.working_days
        if both:
            raise ValueError(f"a day cannot be declared both off and working: {min(both)}")

    @classmethod
    def from_days(cls, days: Iterable[DeclaredDay], country: str = "VN") -> OfficeCalendar:
        """The calendar an office's declared days make (the last word on a day wins)."""
        kinds: dict[date, DeclaredKind] = {}
        notes: dict[date, str] = {}
        for declared in days:
            kinds[declared.day] = declared.kind
            if declared.note:
                notes[declared.day] = declared.note
            else:
                notes.pop(declared.day, None)
        return cls(
            country=country,
            days_off=frozenset(d for d, k in kinds.items() if k == "off"),
            working_days=frozenset(d for d, k in kinds.items() if k == "working"),
            notes=MappingProxyType(notes),
        )

    @property
    def country_calendar(self) -> HolidayCalendar:
        return HolidayCalendar(self.country)

    def declared_kind(self, day: date) -> DeclaredKind | None:
        """``off`` / ``working`` when the office declared ``day``, else None."""
        if day in self.days_off:
            return "off"
        if day in self.working_days:
            return "working"
        return None

    def is_working_day(self, day: date) -> bool:
        declared = self.declared_kind(day)
        if declared is not None:
            return declared == "working"
        return self.country_calendar.is_working_day(day)

    def holiday_name(self, day: date, lang: str = "vi") -> str | None:
        """Why ``day`` is special: the declared note (or a label for a declared day), else
        the public holiday's name as the library gives it (Vietnamese by default), else
        None (an ordinary day, a weekend included)."""
        declared = self.declared_kind(day)
        if declared is not None:
            note = self.notes.get(day)
            return note if note else _DECLARED_LABEL[declared][_lang(lang)]
        return _names(self.country, day.year, _LIBRARY_LANGUAGE[_lang(lang)]).get(day)

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n`` = 0: ``day`` itself, working or
        not). Raises ``ValueError`` for a negative or absurd ``n``, or when the office
        declared more than a month off in a row (no answer worth giving)."""
        if not 0 <= n <= MAX_SPAN_DAYS:
            raise ValueError(f"n must be 0-{MAX_SPAN_DAYS}: {n}")
        current = day
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day
        for _ in range(MAX_DAYS_OFF):
            candidate += timedelta(days=1)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {MAX_DAYS_OFF} days after {day}")

    def working_days_after(self, a: date, b: date) -> int:
        """How many working days ``d`` there are with ``a`` < ``d`` ≤ ``b`` (0 when ``b`` ≤
        ``a``). Spans longer than ``MAX_SPAN_DAYS`` are refused (``ValueError``)."""
        span = (b - a).days
        if span <= 0:
            return 0
        if span > MAX_SPAN_DAYS:
            raise ValueError(f"a span of more than {MAX_SPAN_DAYS} days: {a} to {b}")
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, span + 1))


def _lang(lang: str) -> str:
    return "en" if lang.lower().startswith("en") else "vi"


@lru_cache(maxsize=64)
def _names(country: str, year: int, language: str) -> Mapping[date, str]:
    """One year's public holidays by name, in ``language`` (computed once per year)."""
    table = holidays.country_holidays(country, years=year, language=language)
    return MappingProxyType(dict(table.items()))


VIETNAM_OFFICE = OfficeCalendar()
