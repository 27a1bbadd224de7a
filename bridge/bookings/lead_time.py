"""The minimum lead time of a booking: the office needs ``days`` working days (3 by default)
to check the halls, prepare and send the invitations, so a session may start at the
earliest on the ``days``-th working day after the day it was requested.

Counted in office time and in the office's working days (``OfficeCalendar``: weekends,
public holidays, declared days): a request on Monday 2026-12-07 may start on Thursday
12-10; one on a Friday, on the Wednesday after; one just before Tết, a week or more later.
The time of day does not matter — a request at 16:55 counts its day, as an office's
register does. Pure: the request time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bridge.bookings.calendar import VIETNAM_OFFICE, OfficeCalendar
from bridge.readiness.window import OFFICE_TIMEZONE

DEFAULT_LEAD_DAYS = 3


@dataclass(frozen=True)
class LeadTime:
    """The verdict: ``ok`` when the start day is on or after ``earliest_day``; ``days`` the
    rule's number of working days; ``short_by`` how many working days are missing (0 when
    ``ok``, at least 1 otherwise): "2 working days short" tells an organiser more than
    "refused"."""

    ok: bool
    earliest_day: date
    days: int
    short_by: int

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "earliest_day": self.earliest_day.isoformat(),
            "days": self.days,
            "short_by": self.short_by,
        }

    def text(self, lang: str = "vi") -> str:
        """The verdict in a sentence, naming the earliest day (dd/mm/yyyy in Vietnamese)."""
        if lang.lower().startswith("en"):
            if self.ok:
                return f"The lead time of {self.days} working days is met."
            return (
                f"A booking needs {self.days} working days' notice: the session can start "
                f"on {self.earliest_day.isoformat()} at the earliest "
                f"({self.short_by} working day(s) short)."
            )
        if self.ok:
            return f"Đủ thời hạn đăng ký trước {self.days} ngày làm việc."
        return (
            f"Phải đăng ký trước {self.days} ngày làm việc: phiên họp sớm nhất có thể bắt đầu "
            f"ngày {self.earliest_day.strftime('%d/%m/%Y')} (còn thiếu {self.short_by} "
            "ngày làm việc)."
        )


def check_lead_time(
    requested_at: datetime,
    starts_at: datetime,
    tz: str = OFFICE_TIMEZONE,
    calendar: OfficeCalendar = VIETNAM_OFFICE,
    days: int = DEFAULT_LEAD_DAYS,
) -> LeadTime:
    """Whether a session starting at ``starts_at``, requested at ``requested_at`` (both
    aware), respects the lead time of ``days`` working days."""
    if requested_at.utcoffset() is None or starts_at.utcoffset() is None:
        raise ValueError("times must be aware")
    if days < 0:
        raise ValueError(f"days must be ≥ 0: {days}")
    zone = ZoneInfo(tz)
    request_day = requested_at.astimezone(zone).date()
    start_day = starts_at.astimezone(zone).date()
    earliest = calendar.add_working_days(request_day, days)
    if start_day >= earliest:
        return LeadTime(True, earliest, days, 0)
    # Only counted when short, so over a span shorter than the rule (bounded). At least 1:
    # ``ok`` exactly when nothing is missing, even for a start before the request's day.
    have = calendar.working_days_after(request_day, start_day)
    return LeadTime(False, earliest, days, max(days - have, 1))
