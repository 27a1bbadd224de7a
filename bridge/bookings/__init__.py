"""Bookings, the office's rules: working days (``calendar``: the ``holidays`` package plus
the days the office declares), the minimum lead time (``lead_time``), recurring series
(``series``), hall conflicts (``conflicts``) and the approval state machine (``approval``).

Pure: dates, times and states in, verdicts out — no clock, no store, no network, so each
rule is tested on its own (tests/bookings). The store, the API and the mail that carry
bookings are elsewhere and call these."""

from bridge.bookings.approval import (
    Actor,
    BookingAction,
    BookingRefused,
    BookingState,
    Decision,
    allowed_actions,
    check_request,
    decide,
)
from bridge.bookings.calendar import VIETNAM_OFFICE, DeclaredDay, OfficeCalendar
from bridge.bookings.conflicts import Conflict, Occupancy, find_conflicts
from bridge.bookings.lead_time import DEFAULT_LEAD_DAYS, LeadTime, check_lead_time
from bridge.bookings.series import (
    MonthlyFirstWorkingDayAfter,
    MonthlyNthWeekday,
    Occurrence,
    Rule,
    SeriesError,
    Weekly,
    occurrences,
    rule_from_json,
)

__all__ = [
    "DEFAULT_LEAD_DAYS",
    "VIETNAM_OFFICE",
    "Actor",
    "BookingAction",
    "BookingRefused",
    "BookingState",
    "Conflict",
    "Decision",
    "DeclaredDay",
    "LeadTime",
    "MonthlyFirstWorkingDayAfter",
    "MonthlyNthWeekday",
    "Occupancy",
    "Occurrence",
    "OfficeCalendar",
    "Rule",
    "SeriesError",
    "Weekly",
    "allowed_actions",
    "check_lead_time",
    "check_request",
    "decide",
    "find_conflicts",
    "occurrences",
    "rule_from_json",
]
