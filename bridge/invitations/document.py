"""What an invitation says, and how a Vietnamese administrative document writes a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bridge.readiness.window import OFFICE_TIMEZONE, TestWindow

# A session booked without an end is taken to last this long (as a hall's occupancy is).
ASSUMED_LENGTH = timedelta(hours=4)

# Monday first, as ``date.weekday()`` counts.
WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

# A notice's kind as the list of enclosed documents names it.
NOTICE_KINDS_VI = {
    "invitation": "Giấy mời",
    "agenda": "Chương trình",
    "document": "Tài liệu",
    "other": "Thông báo",
}


@dataclass(frozen=True)
class NoticeLine:
    """One of the session's notices, as the invitation lists it."""

    kind: str
    title: str
    file_name: str | None = None


@dataclass(frozen=True)
class Invitation:
    """Everything one hall's invitation says. Times are aware; ``tz`` is the office's."""

    session_id: int
    site_id: int
    title: str
    issuer: str  # the organising body, at the top left and over the signature
    hall: str  # the invited hall, named whole
    host: str  # the hall that chairs the session
    starts_at: datetime
    ends_at: datetime | None
    window: TestWindow | None
    link: str
    link_expires_at: datetime
    issued_at: datetime
    uid_domain: str = "bridge"
    place: str = ""
    agenda: str = ""
    notices: tuple[NoticeLine, ...] = field(default_factory=tuple)
    tz: str = OFFICE_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def end(self) -> datetime:
        """The end, or the assumed one when none was set."""
        return self.ends_at if self.ends_at is not None else self.starts_at + ASSUMED_LENGTH

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def uid(self, part: str = "session") -> str:
        """Stable per session and site (and part): importing a newer file replaces the
        event rather than adding a second one."""
        return f"{part}-{self.session_id}-site-{self.site_id}@{self.uid_domain}"


def clock_vi(moment: datetime) -> str:
    """``08 giờ 30``."""
    return f"{moment.hour:02d} giờ {moment.minute:02d}"


def day_vi(moment: datetime) -> str:
    """``thứ Hai, ngày 07/12/2026``."""
    return (
        f"{WEEKDAYS_VI[moment.weekday()]}, ngày {moment.day:02d}/{moment.month:02d}/{moment.year}"
    )


def when_vi(moment: datetime) -> str:
    """``08 giờ 30, thứ Hai, ngày 07/12/2026``."""
    return f"{clock_vi(moment)}, {day_vi(moment)}"


def dated_vi(moment: datetime) -> str:
    """The date line of a document: ``ngày 07 tháng 12 năm 2026``. Days under 10 and the
    months January and February take a leading zero, as the rules for documents say (so
    that nothing can be written in front of them)."""
    month = f"{moment.month:02d}" if moment.month < 3 else str(moment.month)
    return f"ngày {moment.day:02d} tháng {month} năm {moment.year}"


def span_vi(start: datetime, end: datetime) -> str:
    """A span in words: on one day ``từ 08 giờ 00 đến 11 giờ 30, thứ Hai, ngày …``,
    across days both ends in full."""
    if start.date() == end.date():
        return f"từ {clock_vi(start)} đến {clock_vi(end)}, {day_vi(start)}"
    return f"từ {when_vi(start)} đến {when_vi(end)}"
