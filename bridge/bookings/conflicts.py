"""Hall conflicts: a site booked into two sessions whose times overlap, test windows
included — a hall in its test window is busy (its staff are testing the link, the room is
set up), so a session that overlaps only a test window still conflicts, flagged
``through_test_window`` so the office can judge it the softer case.

A hall is occupied during its test window and from the start to the end (a missing end:
start + ``DEFAULT_LENGTH``). With the usual window (opening before the start, closing at
it) that is one span, from the window's opening to the end; a window that closes before
the start leaves the hall free in between, and no conflict is seen there.

The test window here is the effective one: callers fill in the default window ("14:00 the
working day before", ``Occupancy.scheduled`` does it) — None means no window. Times are
half-open: a session ending at 10:00 does not conflict with one starting at 10:00.
Pure: occupancies in, conflicts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bridge.bookings.calendar import VIETNAM_OFFICE, OfficeCalendar
from bridge.readiness.window import OFFICE_TIMEZONE, window

DEFAULT_LENGTH = timedelta(hours=4)
OccupancyKind = Literal["session", "booking"]
Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Occupancy:
    """A session or a pending booking holding ``site_ids`` (its host and roster)."""

    kind: OccupancyKind
    id: int
    title: str
    site_ids: frozenset[int]
    starts_at: datetime
    ends_at: datetime | None = None
    test_from: datetime | None = None
    test_until: datetime | None = None

    @classmethod
    def scheduled(
        cls,
        kind: OccupancyKind,
        id: int,
        title: str,
        site_ids: Iterable[int],
        starts_at: datetime,
        ends_at: datetime | None = None,
        test_from: datetime | None = None,
        test_until: datetime | None = None,
        calendar: OfficeCalendar = VIETNAM_OFFICE,
        tz: str = OFFICE_TIMEZONE,
    ) -> Occupancy:
        """The occupancy with its effective test window: explicit ends as given, the
        default (14:00 the office's working day before, until the start) otherwise."""
        found = window(starts_at, test_from, test_until, calendar, tz)
        assert found is not None
        return cls(
            kind, id, title, frozenset(site_ids), starts_at, ends_at, found.opens, found.closes
        )

    @property
    def end(self) -> datetime:
        return self.ends_at if self.ends_at is not None else self.starts_at + DEFAULT_LENGTH

    def session_span(self) -> Span:
        return (self.starts_at, self.end)

    def occupied(self) -> list[Span]:
        """When the halls are busy: the test window and the session, merged, sorted."""
        spans = [self.session_span()]
        if self.test_from is not None:
            closes = self.test_until if self.test_until is not None else self.starts_at
            if closes > self.test_from:
                spans.append((self.test_from, closes))
        return _merge(spans)


@dataclass(frozen=True)
class Conflict:
    """The other occupancy, the halls both hold (sorted), and when they clash: from the
    first overlap to the last. ``through_test_window``: the sessions themselves do not
    overlap, only a test window does."""

    kind: OccupancyKind
    id: int
    title: str
    site_ids: tuple[int, ...]
    overlap_from: datetime
    overlap_until: datetime
    through_test_window: bool

    def text(self, lang: str = "vi", names: Mapping[int, str] | None = None) -> str:
        """One line naming the other session and the halls (by ``names`` when given), for
        a refusal or a warning."""
        halls = ", ".join((names or {}).get(i, str(i)) for i in self.site_ids)
        english = lang.lower().startswith("en")
        if english:
            what = "session" if self.kind == "session" else "booking"
            soft = " (during a test window)" if self.through_test_window else ""
            return f'Halls {halls} are also in {what} "{self.title}"{soft}.'
        what = "phiên họp" if self.kind == "session" else "đăng ký"
        soft = " (trong thời gian thử kết nối)" if self.through_test_window else ""
        return f"Điểm cầu {halls} đã có trong {what} «{self.title}»{soft}."


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlaps(a: list[Span], b: list[Span]) -> list[Span]:
    found = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                found.append((start, end))
    return sorted(found)


def find_conflicts(candidate: Occupancy, others: Iterable[Occupancy]) -> list[Conflict]:
    """Every other occupancy sharing a hall with ``candidate`` at an overlapping time,
    in the order given. ``candidate`` itself (same kind and id) is never one."""
    found: list[Conflict] = []
    mine = candidate.occupied()
    for other in others:
        if (other.kind, other.id) == (candidate.kind, candidate.id):
            continue
        shared = candidate.site_ids & other.site_ids
        if not shared:
            continue
        overlap = _overlaps(mine, other.occupied())
        if not overlap:
            continue
        direct = _overlaps([candidate.session_span()], [other.session_span()])
        found.append(
            Conflict(
                kind=other.kind,
                id=other.id,
                title=other.title,
                site_ids=tuple(sorted(shared)),
                overlap_from=overlap[0][0],
                overlap_until=max(end for _, end in overlap),
                through_test_window=not direct,
            )
        )
    return found
