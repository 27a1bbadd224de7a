"""Recurring bookings: a rule ("every Monday", "monthly, on the first working day after the
20th", "monthly, on the second Tuesday"), a first day, a time and a length, bounded by an
end day or a count, with exceptions — a day skipped, or moved to another time.

Why rules of their own rather than RFC 5545 RRULEs: "the first working day after the 20th"
depends on the office's calendar (Tết, declared days), which no RRULE can say; and three
rules are what an office's standing meetings are.

A weekly or nth-weekday occurrence that falls on a day off (a public holiday, a declared
day) is left out by default (``on_days_off="skip"``): the office does not meet on Tết, and
it moves such a meeting with an exception when it wants one. "The first working day
after" is a working day by construction.

Bounded: at most ``MAX_OCCURRENCES`` occurrences and ``MAX_YEARS`` years; a series without
an end or a count is refused. Rules are JSON-serialisable (``to_json`` /
``rule_from_json``) and say themselves in Vietnamese and English (``describe``). Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo

from bridge.bookings.calendar import OfficeCalendar

MAX_OCCURRENCES = 200
MAX_YEARS = 3
MAX_DAYS = MAX_YEARS * 366  # the horizon after the first day, in days
MAX_DURATION = timedelta(hours=24)
OnDaysOff = Literal["skip", "keep"]

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# MonthlyNthWeekday's n: the 1st to 4th of the month, or -1 for the last (every month has
# four of each weekday; a "5th" would skip months, which no office wants).
NTH = (1, 2, 3, 4, -1)
_NTH_VI = {1: "đầu tiên", 2: "thứ hai", 3: "thứ ba", 4: "thứ tư", -1: "cuối cùng"}
_NTH_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


class SeriesError(ValueError):
    """A series that cannot be: ``field`` the one at fault (``rule.weekday``, ``until``,
    ``count``, ``skip``, ``moved``, ``duration``, ``start_time``), ``problem`` a signaling
    ``Problem`` word, ``params`` the bound it crossed, ``vi``/``en`` the message."""

    def __init__(
        self, field: str, problem: str, vi: str, en: str, limit: object | None = None
    ) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.problem = problem
        self.vi = vi
        self.en = en
        self.params: dict[str, object] = {} if limit is None else {"limit": limit}

    def text(self, lang: str = "vi") -> str:
        return self.en if lang.lower().startswith("en") else self.vi


def _int_in(field: str, value: object, choices: tuple[int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SeriesError(field, "wrong_type", "phải là một số nguyên", "must be an integer")
    if value not in choices:
        listed = ", ".join(map(str, choices))
        raise SeriesError(
            field, "not_allowed", f"phải là một trong: {listed}", f"must be one of: {listed}"
        )
    return value


def _ordinal_en(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _months_from(first: date) -> Iterator[tuple[int, int]]:
    """(year, month) from ``first``'s month on, over the horizon and one month more (a
    "first working day after the 28th" may fall in the next month)."""
    year, month = first.year, first.month
    for _ in range(MAX_YEARS * 12 + 2):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Weekly:
    """Every week on ``weekday`` (0 = Monday … 6 = Sunday)."""

    weekday: int
    kind: ClassVar[str] = "weekly"

    def __post_init__(self) -> None:
        _int_in("rule.weekday", self.weekday, tuple(range(7)))

    def days(self, first: date, calendar: OfficeCalendar) -> Iterator[date]:
        day = first + timedelta(days=(self.weekday - first.weekday()) % 7)
        while True:
            yield day
            day += timedelta(days=7)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "weekday": self.weekday}

    def describe(self, lang: str = "vi") -> str:
        if lang.lower().startswith("en"):
            return f"every {WEEKDAYS_EN[self.weekday]}"
        return f"{WEEKDAYS_VI[self.weekday]} hằng tuần"


@dataclass(frozen=True)
class MonthlyFirstWorkingDayAfter:
    """Every month on the first working day strictly after its ``day``-th (1-28, so that
    every month has it): "the first working day after the 20th"."""

    day: int
    kind: ClassVar[str] = "monthly_first_working_day_after"

    def __post_init__(self) -> None:
        _int_in("rule.day", self.day, tuple(range(1, 29)))

    def days(self, first: date, calendar: OfficeCalendar) -> Iterator[date]:
        for year, month in _months_from(first):
            found = calendar.next_working_day(date(year, month, self.day))
            if found >= first:
                yield found

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "day": self.day}

    def describe(self, lang: str = "vi") -> str:
        if lang.lower().startswith("en"):
            return f"monthly, on the first working day after the {_ordinal_en(self.day)}"
        return f"hằng tháng, vào ngày làm việc đầu tiên sau ngày {self.day}"


@dataclass(frozen=True)
class MonthlyNthWeekday:
    """Every month on its ``n``-th ``weekday`` (n = 1-4, or -1 for the last)."""

    n: int
    weekday: int
    kind: ClassVar[str] = "monthly_nth_weekday"

    def __post_init__(self) -> None:
        _int_in("rule.n", self.n, NTH)
        _int_in("rule.weekday", self.weekday, tuple(range(7)))

    def in_month(self, year: int, month: int) -> date:
        if self.n > 0:
            first = date(year, month, 1)
            return first + timedelta(days=(self.weekday - first.weekday()) % 7 + 7 * (self.n - 1))
        nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        last = nxt - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - self.weekday) % 7)

    def days(self, first: date, calendar: OfficeCalendar) -> Iterator[date]:
        for year, month in _months_from(first):
            found = self.in_month(year, month)
            if found >= first:
                yield found

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "n": self.n, "weekday": self.weekday}

    def describe(self, lang: str = "vi") -> str:
        if lang.lower().startswith("en"):
            return f"monthly, on the {_NTH_EN[self.n]} {WEEKDAYS_EN[self.weekday]}"
        return f"hằng tháng, vào {WEEKDAYS_VI[self.weekday]} {_NTH_VI[self.n]} của tháng"


Rule = Weekly | MonthlyFirstWorkingDayAfter | MonthlyNthWeekday
RULES: dict[str, type[Rule]] = {
    Weekly.kind: Weekly,
    MonthlyFirstWorkingDayAfter.kind: MonthlyFirstWorkingDayAfter,
    MonthlyNthWeekday.kind: MonthlyNthWeekday,
}
_FIELDS: dict[str, tuple[str, ...]] = {
    Weekly.kind: ("weekday",),
    MonthlyFirstWorkingDayAfter.kind: ("day",),
    MonthlyNthWeekday.kind: ("n", "weekday"),
}


def rule_from_json(data: object) -> Rule:
    """The rule ``to_json`` wrote; anything else raises ``SeriesError`` naming the field
    (``rule``, ``rule.kind``, ``rule.<name>``)."""
    if not isinstance(data, Mapping):
        raise SeriesError("rule", "wrong_type", "phải là một đối tượng JSON", "must be an object")
    kind = data.get("kind")
    if kind not in RULES:
        listed = ", ".join(RULES)
        raise SeriesError(
            "rule.kind",
            "missing" if kind is None else "not_allowed",
            f"phải là một trong: {listed}",
            f"must be one of: {listed}",
        )
    names = _FIELDS[str(kind)]
    for key in data:
        if key != "kind" and key not in names:
            raise SeriesError(
                f"rule.{key}", "unknown_field", "trường không có trong quy tắc", "not in the rule"
            )
    for name in names:
        if name not in data:
            raise SeriesError(f"rule.{name}", "missing", "bắt buộc", "required")
    return RULES[str(kind)](**{name: data[name] for name in names})


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series. ``day`` is the rule's day (office time), the key of its
    exceptions; ``starts_at``/``ends_at`` are UTC and, when ``moved``, elsewhere."""

    day: date
    starts_at: datetime
    ends_at: datetime
    moved: bool = False


def occurrences(
    rule: Rule,
    first_day: date,
    start_time: time,
    duration: timedelta,
    tz: str,
    calendar: OfficeCalendar,
    until: date | None = None,
    count: int | None = None,
    skip: set[date] | frozenset[date] = frozenset(),
    moved: Mapping[date, datetime] | None = None,
    on_days_off: OnDaysOff = "skip",
) -> list[Occurrence]:
    """The series' meetings from ``first_day`` (inclusive) to ``until`` (inclusive) or the
    ``count``-th rule day, whichever comes first, sorted by start.

    ``count`` counts the rule's days (a skipped one included, as RFC 5545's EXDATE does),
    so "10 meetings, one skipped" is 9. ``skip`` drops a day, ``moved`` starts it at
    another (aware) time with the same length; each must name a day of the series.
    """
    moved = dict(moved or {})
    horizon = first_day + timedelta(days=MAX_DAYS)
    _check_bounds(first_day, start_time, duration, until, count, horizon)
    both = set(skip) & set(moved)
    if both:
        named = min(both).isoformat()
        raise SeriesError(
            "moved",
            "duplicate",
            f"ngày {named} vừa bỏ vừa dời",
            f"{named} is both skipped and moved",
        )
    for day, when in moved.items():
        if when.utcoffset() is None:
            raise SeriesError(
                "moved", "invalid", "giờ phải có múi giờ", f"{day}: a time needs its UTC offset"
            )
    last = min(until, horizon) if until is not None else horizon
    zone = ZoneInfo(tz)
    rule_days: list[date] = []
    for day in rule.days(first_day, calendar):
        if day > last or (count is not None and len(rule_days) >= count):
            break
        if on_days_off == "skip" and not calendar.is_working_day(day):
            continue
        rule_days.append(day)
    if count is not None and until is None and len(rule_days) < count:
        raise SeriesError(
            "count",
            "too_large",
            f"chuỗi không được kéo dài quá {MAX_YEARS} năm",
            f"a series cannot last more than {MAX_YEARS} years",
            len(rule_days),
        )
    if len(rule_days) > MAX_OCCURRENCES:
        raise SeriesError(
            "until",
            "too_large",
            f"chuỗi không được quá {MAX_OCCURRENCES} lần họp",
            f"a series cannot have more than {MAX_OCCURRENCES} meetings",
            MAX_OCCURRENCES,
        )
    known = set(rule_days)
    for name, days in (("skip", set(skip)), ("moved", set(moved))):
        stray = sorted(days - known)
        if stray:
            named = stray[0].isoformat()
            raise SeriesError(
                name,
                "not_found",
                f"ngày {named} không thuộc chuỗi",
                f"{named} is not a day of the series",
            )
    found: list[Occurrence] = []
    for day in rule_days:
        if day in skip:
            continue
        if day in moved:
            starts = moved[day].astimezone(UTC)
            found.append(Occurrence(day, starts, starts + duration, moved=True))
            continue
        starts = datetime.combine(day, start_time, tzinfo=zone).astimezone(UTC)
        found.append(Occurrence(day, starts, starts + duration))
    return sorted(found, key=lambda o: (o.starts_at, o.day))


def _check_bounds(
    first_day: date,
    start_time: time,
    duration: timedelta,
    until: date | None,
    count: int | None,
    horizon: date,
) -> None:
    if start_time.tzinfo is not None:
        raise SeriesError(
            "start_time",
            "invalid",
            "giờ bắt đầu là giờ văn phòng, không kèm múi giờ",
            "the start time is office time, without an offset",
        )
    if not timedelta(0) < duration <= MAX_DURATION:
        raise SeriesError(
            "duration",
            "too_small" if duration <= timedelta(0) else "too_large",
            "thời lượng phải lớn hơn 0 và không quá 24 giờ",
            "the length must be more than 0 and at most 24 hours",
        )
    if until is None and count is None:
        raise SeriesError(
            "until",
            "missing",
            "cần ngày kết thúc hoặc số lần họp",
            "an end day or a number of meetings is needed",
        )
    if until is not None and until < first_day:
        raise SeriesError(
            "until",
            "too_small",
            "ngày kết thúc phải sau ngày bắt đầu",
            "the end day must not be before the first day",
            first_day.isoformat(),
        )
    if until is not None and until > horizon:
        raise SeriesError(
            "until",
            "too_large",
            f"chuỗi không được kéo dài quá {MAX_YEARS} năm",
            f"a series cannot last more than {MAX_YEARS} years",
            horizon.isoformat(),
        )
    if count is not None and (isinstance(count, bool) or not 1 <= count <= MAX_OCCURRENCES):
        raise SeriesError(
            "count",
            "too_small" if count < 1 else "too_large",
            f"số lần họp phải từ 1 đến {MAX_OCCURRENCES}",
            f"the number of meetings must be 1-{MAX_OCCURRENCES}",
            1 if count < 1 else MAX_OCCURRENCES,
        )


def exceptions_to_json(
    skip: set[date] | frozenset[date], moved: Mapping[date, datetime]
) -> dict[str, object]:
    """A series' exceptions as stored: ``{"skip": [day…], "moved": {day: RFC 3339}}``."""
    return {
        "skip": sorted(d.isoformat() for d in skip),
        "moved": {d.isoformat(): moved[d].isoformat() for d in sorted(moved)},
    }


def exceptions_from_json(data: object) -> tuple[set[date], dict[date, datetime]]:
    """What ``exceptions_to_json`` wrote (``SeriesError`` on anything else)."""
    if not isinstance(data, Mapping):
        raise SeriesError("skip", "wrong_type", "phải là một đối tượng JSON", "must be an object")
    try:
        skip = {date.fromisoformat(str(d)) for d in data.get("skip", [])}
        moved_raw = data.get("moved", {})
        moved = {
            date.fromisoformat(str(k)): datetime.fromisoformat(str(v))
            for k, v in dict(moved_raw).items()
        }
    except (TypeError, ValueError) as exc:
        raise SeriesError("skip", "invalid", "ngày không hợp lệ", "an invalid day") from exc
    return skip, moved
