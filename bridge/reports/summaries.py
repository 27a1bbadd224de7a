"""The summaries the period report reads: one per closed session and one per (session,
roster site), computed from what the per-session report is built from — the audit log
(``bridge.attendance``), the roll call and the quality windows — and kept in the store
(``store.reports``).

The values and ``summarise`` are pure. The shell around them: ``write_summary`` (one
session, from the store) and ``ensure_summaries`` (every closed session still without one:
the report routes call it first, so a session closed while the bridge was down, or from
the command line, is counted too) in ``bridge.signaling.report_api``, and
``bridge.live.summaries.SummaryWriter``, the hook a closing session runs (its audit log and
quality windows written first, then its summary, off the event loop).

**Agency.** Accounts carry no organisation, so a session's agency is its host site's
province: the host's ancestor just below the central level (the host itself when it is a
province, or central, or has no parent). docs/reports.md, "Period report".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bridge.attendance.model import SiteAttendance
from bridge.reports.windows import QualityWindow

POOR = "poor"
CENTRAL = "central"


class SiteLike(Protocol):
    """A site as ``agency_of`` reads it (``bridge.store.Site``)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def parent_id(self) -> int | None: ...


class SessionLike(Protocol):
    """A session as ``summarise`` reads it (``bridge.store.Session``)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def organiser_id(self) -> int | None: ...
    @property
    def host_site_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session_id: int
    title: str
    organiser_id: int | None
    agency: str  # docs/reports.md, "Period report": the host site's province (or itself)
    host_site_id: int
    booked: bool  # it came from a booking
    held_online: bool  # at least one hall was connected
    started_at: datetime  # the session's span (bridge.attendance.session_span)
    ended_at: datetime
    length_s: float
    halls: int  # roster sites


@dataclass(frozen=True, slots=True)
class SiteSessionSummary:
    """One roster site in one closed session (its session's organiser, agency and start
    are the session summary's)."""

    session_id: int
    site_id: int
    length_s: float  # the session's
    connected_s: float
    present: bool
    late_s: float
    left_early_s: float
    reconnections: int
    windows: int  # quality windows
    poor_windows: int
    mos_windows: int  # windows with a MOS: the weight of ``mean_mos``
    mean_mos: float | None

    @property
    def poor(self) -> int:
        """As ``bridge.reports.quality.repeated_problems`` reads a row."""
        return self.poor_windows


def agency_of(host_site_id: int, sites: Mapping[int, SiteLike]) -> str:
    """The name of the host site's province (see the module's docstring)."""
    site = sites.get(host_site_id)
    if site is None:
        return ""
    seen = {site.id}
    while site.parent_id is not None and site.parent_id in sites:
        parent = sites[site.parent_id]
        if str(parent.level) == CENTRAL or parent.id in seen:
            break
        seen.add(parent.id)
        site = parent
    return site.name


def summarise(
    session: SessionLike,
    agency: str,
    booked: bool,
    start: datetime,
    end: datetime,
    sites: Sequence[SiteAttendance],
    windows: Iterable[QualityWindow],
) -> tuple[SessionSummary, list[SiteSessionSummary]]:
    """The session's summary and each roster site's, from its attendance and windows."""
    length = max(0.0, (end - start).total_seconds())
    quality: dict[int, list[QualityWindow]] = {}
    for w in windows:
        quality.setdefault(w.site_id, []).append(w)
    rows = []
    for a in sites:
        ws = quality.get(a.site_id, [])
        mos = [w.mos for w in ws if w.mos is not None]
        rows.append(
            SiteSessionSummary(
                session_id=session.id,
                site_id=a.site_id,
                length_s=length,
                connected_s=a.connected_s,
                present=a.present,
                late_s=a.late_s,
                left_early_s=a.left_early_s,
                reconnections=a.reconnections,
                windows=len(ws),
                poor_windows=sum(1 for w in ws if w.grade == POOR),
                mos_windows=len(mos),
                mean_mos=sum(mos) / len(mos) if mos else None,
            )
        )
    summary = SessionSummary(
        session_id=session.id,
        title=session.title,
        organiser_id=session.organiser_id,
        agency=agency,
        host_site_id=session.host_site_id,
        booked=booked,
        held_online=any(a.connected_s > 0 for a in sites),
        started_at=start,
        ended_at=end,
        length_s=length,
        halls=len(sites),
    )
    return summary, rows
