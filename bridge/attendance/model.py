"""What attendance says of one site in one session, as plain values (built by
``bridge.attendance.build`` from the session's event stream, the audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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
