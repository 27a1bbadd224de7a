"""What attendance says of one site in one session, as plain values (built by
``bridge.attendance.build`` from the session's event stream, the audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RollCallMark(StrEnum):
    """What the operator marked a hall at the roll call."""

    PRESENT = "present"
    ABSENT = "absent"  # with a reason
    ELSEWHERE = "elsewhere"  # present in person at another hall (``at_site_id``)


@dataclass(frozen=True)
class RollCall:
    site_id: int
    mark: RollCallMark
    reason: str = ""  # why absent (required for ABSENT)
    at_site_id: int | None = None  # the hall it attended in person (ELSEWHERE)
    by: str = ""
    at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """As the API, the consoles and the report say it."""
        return {
            "site_id": self.site_id,
            "mark": self.mark.value,
            "reason": self.reason,
            "at_site_id": self.at_site_id,
            "by": self.by,
            "at": self.at.isoformat() if self.at else None,
        }


@dataclass(frozen=True)
class Interval:
    """A stretch of time a site was connected (joined until it left or was cut)."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class PresentRule:
    """A site is present when connected for at least ``share`` of the session (85 %)."""

    share: float = 0.85


@dataclass(frozen=True)
class SiteAttendance:
    site_id: int
    intervals: tuple[Interval, ...] = ()  # every connection, in order, within the session
    connected_s: float = 0.0  # total, across reconnections and restarts
    first_join: datetime | None = None
    last_leave: datetime | None = None  # None: still connected at the session's end
    late_s: float = 0.0  # first join after the session's start (0: on time or never)
    left_early_s: float = 0.0  # last leave before the session's end
    reconnections: int = 0  # connections after the first
    share: float = 0.0  # connected_s / the session's length, 0..1
    present: bool = False  # by the rule, unless the roll call says otherwise
    roll_call: RollCall | None = None
    floor_count: int = 0  # times it was given the floor
    floor_s: float = 0.0  # time it held the floor
    mute_count: int = 0  # times it was muted (by anyone)
    hand_count: int = 0  # times it raised its hand
    shown_count: int = 0  # times it was the shown site
    extra: dict[str, float] = field(default_factory=dict, compare=False)

    def as_json(self, name: str) -> dict[str, Any]:
        """As ``GET /attendance`` and the session's report say it (``name``: the hall's)."""
        return {
            "site_id": self.site_id,
            "name": name,
            "intervals": [
                {"start": i.start.isoformat(), "end": i.end.isoformat(), "seconds": i.seconds}
                for i in self.intervals
            ],
            "connected_s": round(self.connected_s, 3),
            "first_join": self.first_join.isoformat() if self.first_join else None,
            "last_leave": self.last_leave.isoformat() if self.last_leave else None,
            "late_s": round(self.late_s, 3),
            "left_early_s": round(self.left_early_s, 3),
            "reconnections": self.reconnections,
            "share": round(self.share, 4),
            "measured_present": bool(self.extra.get("measured_present")),
            "present": self.present,
            "roll_call": self.roll_call.as_json() if self.roll_call else None,
            "floor_count": self.floor_count,
            "floor_s": round(self.floor_s, 3),
            "mute_count": self.mute_count,
            "hand_count": self.hand_count,
            "shown_count": self.shown_count,
        }
