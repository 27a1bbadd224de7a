"""Attendance: who was connected when, the roll call, and the present rule
(``build.attendance``, ``build.session_span``, ``roll_call.take``; the values in ``model``)."""

from bridge.attendance.build import LIVE_OPEN, attendance, session_span
from bridge.attendance.model import Interval, PresentRule, RollCall, RollCallMark, SiteAttendance
from bridge.attendance.roll_call import RollCallRefused, take

__all__ = [
    "LIVE_OPEN",
    "Interval",
    "PresentRule",
    "RollCall",
    "RollCallMark",
    "RollCallRefused",
    "SiteAttendance",
    "attendance",
    "session_span",
    "take",
]
