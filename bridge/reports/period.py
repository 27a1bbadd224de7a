"""The period report: the sessions that started in a date range (a quarter, any range)
summed up — booked against held online, halls and hours, attendance rate per hall,
average quality, the halls with repeated connection problems, and the same per
organiser and per agency. Pure, over the stored summaries (``store.reports``), one pass.

The figures (docs/reports.md, "Period report"):

- a session counts in the period its start falls in (office time, both days included);
- *attendance rate*: roster places where the hall was present / roster places;
- *hours*: hall-hours connected (``connected_s``), session hours (``length_s``);
- *mean MOS*: over every 20 s window with a MOS (each session's mean weighted by its
  windows with one); *poor share*: poor windows / windows;
- *repeated problems*: ``bridge.reports.quality.repeated_problems`` over the sessions'
  sites (poor windows, or a mean MOS under 3.6, in at least two sessions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bridge.reports.quality import repeated_problems
from bridge.reports.summaries import SessionSummary, SiteSessionSummary

QUARTER = re.compile(r"(\d{4})-Q([1-4])")
MAX_DAYS = 3660  # a range of at most ten years


class PeriodError(ValueError):
    """A range that is none: ``field`` and ``problem`` say which and why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Period:
    since: date  # first day, included
    until: date  # last day, included
    quarter: str | None = None  # "2026-Q3" when the period is one

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """``[since 00:00, the day after until 00:00)`` in the office's time, as UTC."""
        zone = ZoneInfo(tz)
        start = datetime.combine(self.since, time(), zone).astimezone(UTC)
        end = datetime.combine(self.until + timedelta(days=1), time(), zone).astimezone(UTC)
        return start, end


def quarter(text: str) -> Period:
    """``2026-Q3`` → 1 July to 30 September 2026."""
    found = QUARTER.fullmatch(text)
    if found is None:
        raise PeriodError("quarter", "invalid")
    year, q = int(found.group(1)), int(found.group(2))
    if not 2000 <= year <= 2200:
        raise PeriodError("quarter", "invalid")
    first = date(year, 3 * q - 2, 1)
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period(first, after - timedelta(days=1), text)


def date_range(since: date, until: date) -> Period:
    if until < since:
        raise PeriodError("to", "before_start")
    if (until - since).days > MAX_DAYS:
        raise PeriodError("to", "too_large")
    return Period(since, until)


class _Tally:
    """What one hall (or organiser, agency, the whole period) adds up."""

    __slots__ = (
        "booked",
        "connected_s",
        "held",
        "late",
        "length_s",
        "mos_sum",
        "mos_windows",
        "places",
        "poor",
        "present",
        "reconnections",
        "sessions",
        "windows",
    )

    def __init__(self) -> None:
        self.places = self.present = self.late = self.reconnections = 0
        self.windows = self.poor = self.mos_windows = 0
        self.sessions = self.booked = self.held = 0
        self.connected_s = self.mos_sum = self.length_s = 0.0

    def add_site(self, r: SiteSessionSummary) -> None:
        self.places += 1
        self.present += r.present
        self.connected_s += r.connected_s
        self.late += r.late_s > 0
        self.reconnections += r.reconnections
        self.windows += r.windows
        self.poor += r.poor_windows
        if r.mean_mos is not None and r.mos_windows:
            self.mos_windows += r.mos_windows
            self.mos_sum += r.mean_mos * r.mos_windows

    def add_session(self, s: SessionSummary) -> None:
        self.sessions += 1
        self.booked += s.booked
        self.held += s.held_online
        self.length_s += s.length_s

    def places_json(self) -> dict[str, Any]:
        return {
            "places": self.places,
            "present": self.present,
            "attendance_rate": rate(self.present, self.places),
            "hall_hours": hours(self.connected_s),
            "late": self.late,
            "reconnections": self.reconnections,
            "windows": self.windows,
            "poor_windows": self.poor,
            "poor_share": rate(self.poor, self.windows),
            "mean_mos": mos(self.mos_sum, self.mos_windows),
        }

    def sessions_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "booked": self.booked,
            "held_online": self.held,
            "session_hours": hours(self.length_s),
        }


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def mos(total: float, weight: int) -> float | None:
    return None if weight == 0 else round(total / weight, 2)


def period_report(
    period: Period,
    sessions: Sequence[SessionSummary],
    sites: Sequence[SiteSessionSummary],
    site_names: Mapping[int, str],
    organisers: Mapping[int, str],
    tz: str,
    generated_at: datetime,
) -> dict[str, Any]:
    """The whole report (see the module's docstring); ``sites`` rows of sessions not in
    ``sessions`` are ignored."""
    zone = ZoneInfo(tz)
    total = _Tally()
    by_site: dict[int, _Tally] = {}
    by_organiser: dict[int | None, _Tally] = {}
    by_agency: dict[str, _Tally] = {}
    by_month: dict[str, _Tally] = {}
    of_session: dict[int, SessionSummary] = {}
    for s in sessions:
        of_session[s.session_id] = s
        total.add_session(s)
        month = s.started_at.astimezone(zone).strftime("%Y-%m")
        for tally in (
            by_organiser.setdefault(s.organiser_id, _Tally()),
            by_agency.setdefault(s.agency, _Tally()),
            by_month.setdefault(month, _Tally()),
        ):
            tally.add_session(s)
    kept: list[SiteSessionSummary] = []
    for r in sites:
        found = of_session.get(r.session_id)
        if found is None:
            continue
        kept.append(r)
        total.add_site(r)
        site = by_site.get(r.site_id)
        if site is None:
            site = by_site[r.site_id] = _Tally()
        site.add_site(r)
        by_organiser[found.organiser_id].add_site(r)
        by_agency[found.agency].add_site(r)
    repeated = repeated_problems(kept)
    flagged = {p.site_id for p in repeated}
    return {
        "period": {
            "from": period.since.isoformat(),
            "to": period.until.isoformat(),
            "quarter": period.quarter,
            "timezone": tz,
        },
        "generated_at": generated_at.isoformat(),
        "totals": {
            **total.sessions_json(),
            "not_held": total.sessions - total.held,
            "halls": len(by_site),
            **total.places_json(),
        },
        "sites": [
            {
                "site_id": site_id,
                "name": site_names.get(site_id, f"#{site_id}"),
                "repeated_problems": site_id in flagged,
                **t.places_json(),
            }
            for site_id, t in sorted(
                by_site.items(), key=lambda kv: (site_names.get(kv[0], ""), kv[0])
            )
        ],
        "organisers": [
            {
                "organiser_id": organiser_id,
                "name": organisers.get(organiser_id, "") if organiser_id is not None else "",
                **t.sessions_json(),
                **t.places_json(),
            }
            for organiser_id, t in sorted(
                by_organiser.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)
            )
        ],
        "agencies": [
            {"agency": agency, **t.sessions_json(), **t.places_json()}
            for agency, t in sorted(by_agency.items())
        ],
        "months": [{"month": month, **t.sessions_json()} for month, t in sorted(by_month.items())],
        "repeated_problems": [
            {
                "site_id": p.site_id,
                "name": site_names.get(p.site_id, f"#{p.site_id}"),
                "sessions": list(p.sessions),
                "attended": p.attended,
                "poor_windows": p.poor_windows,
                "mean_mos": p.mean_mos,
            }
            for p in repeated
        ],
        "session_list": [
            {
                "session_id": s.session_id,
                "title": s.title,
                "started_at": s.started_at.isoformat(),
                "length_s": s.length_s,
                "booked": s.booked,
                "held_online": s.held_online,
                "halls": s.halls,
                "agency": s.agency,
                "organiser_id": s.organiser_id,
            }
            for s in sessions
        ],
    }
