"""The summaries the period report reads: one per closed session and one per (session,
roster site), computed from what the per-session report is built from — the audit log
(``bridge.attendance``), the roll call and the quality windows — and kept in the store
(``store.reports``).

``summarise`` is pure. The shell around it: ``write_summary`` (one session, from the
store), ``ensure_summaries`` (every closed session still without one: the report routes
call it first, so a session closed while the bridge was down, or before this existed, is
counted too), and ``SummaryWriter``, the hook a closing session runs (its audit log and
quality windows written first, then its summary, off the event loop).

**Agency.** Accounts carry no organisation, so a session's agency is its host site's
province: the host's ancestor just below the central level (the host itself when it is a
province, or central, or has no parent). docs/reports.md, "Period report".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from bridge.attendance import PresentRule, attendance, session_span
from bridge.attendance.model import SiteAttendance
from bridge.reports.windows import QualityWindow
from bridge.store import Session, SessionState, Site, SiteLevel, Store
from bridge.store.audit import MAX_PAGE
from bridge.store.records import AuditEntry
from bridge.store.reports import SessionSummary, SiteSessionSummary

log = logging.getLogger(__name__)

POOR = "poor"


def agency_of(host_site_id: int, sites: Mapping[int, Site]) -> str:
    """The name of the host site's province (see the module's docstring)."""
    site = sites.get(host_site_id)
    if site is None:
        return ""
    seen = {site.id}
    while site.parent_id is not None and site.parent_id in sites:
        parent = sites[site.parent_id]
        if parent.level is SiteLevel.CENTRAL or parent.id in seen:
            break
        seen.add(parent.id)
        site = parent
    return site.name


def summarise(
    session: Session,
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


# ---- the shell -------------------------------------------------------------------------


def all_entries(store: Store, session_id: int) -> list[AuditEntry]:
    """The session's whole audit log, oldest first, a page at a time."""
    entries: list[AuditEntry] = []
    after: int | None = None
    while True:
        page = store.audit.for_session(session_id, MAX_PAGE, after)
        entries += page
        if len(page) < MAX_PAGE:
            return entries
        after = page[-1].id


def session_inputs(
    store: Store, session: Session, present_share: float, now: datetime | None = None
) -> tuple[datetime, datetime, list[AuditEntry], list[SiteAttendance]]:
    """A session's span, audit log and attendance, from the store (blocking)."""
    entries = all_entries(store, session.id)
    schedule = store.sessions.schedule(session.id)
    start, end = session_span(session, entries, now or datetime.now(UTC), schedule)
    marks = store.attendance.roll_calls(session.id)
    sites = attendance(entries, list(session.roster), start, end, PresentRule(present_share), marks)
    return start, end, entries, sites


def write_summary(store: Store, session_id: int, present_share: float) -> SessionSummary | None:
    """Compute and keep a closed session's summaries (None: it is not closed)."""
    session = store.sessions.get(session_id)
    if session.state is not SessionState.CLOSED:
        return None
    start, end, _, sites = session_inputs(store, session, present_share)
    known = {site.id: site for site in store.sites.list()}
    summary, rows = summarise(
        session,
        agency_of(session.host_site_id, known),
        store.reports.booked(session.id),
        start,
        end,
        sites,
        store.quality.for_session(session.id),
    )
    store.reports.save(summary, rows)
    return summary


def ensure_summaries(store: Store, present_share: float) -> int:
    """Summarise every closed session that has no summary yet; how many were."""
    done = 0
    for session_id in store.reports.missing():
        try:
            if write_summary(store, session_id, present_share) is not None:
                done += 1
        except Exception:  # one broken log must not keep every report from the office
            log.exception("session %s: summary not computed", session_id)
    return done


class SummaryWriter:
    """Writes a session's summary when it closes. ``flushers`` are awaited first (the
    audit log's and the quality log's queues), so the summary counts everything; the
    computation runs in a worker thread, one task per closed session (a closed session
    closes once, so the tasks are bounded by the sessions)."""

    def __init__(
        self,
        store: Store,
        present_share: float,
        flushers: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> None:
        self._store = store
        self._share = present_share
        self.flushers = list(flushers)
        self._tasks: set[asyncio.Task[None]] = set()

    def session_closed(self, session_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self.write(session_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def write(self, session_id: int) -> None:
        try:
            for flush in self.flushers:
                await flush()
            await asyncio.to_thread(write_summary, self._store, session_id, self._share)
        except Exception:  # the report routes compute it lazily instead
            log.exception("session %s: summary not written at close", session_id)

    async def idle(self) -> None:
        """Wait for the summaries being written (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
