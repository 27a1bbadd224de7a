"""The summaries of closed sessions, from the store (issue 14; the values and the pure
``summarise`` are ``bridge.reports.summaries``): ``write_summary`` for one session,
``ensure_summaries`` for every closed session still without one (the report routes call
it first: a session closed while the bridge was down, or from the command line, is
counted too), and ``SummaryWriter``, the hook ``LiveSessions.on_closed`` runs when a
session closes for good — its audit log and quality windows written first, then its
summary, in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from bridge.attendance import PresentRule, attendance, session_span
from bridge.attendance.model import SiteAttendance
from bridge.reports.summaries import SessionSummary, agency_of, summarise
from bridge.store import Session, SessionState, Store
from bridge.store.audit import MAX_PAGE
from bridge.store.records import AuditEntry

log = logging.getLogger(__name__)


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
