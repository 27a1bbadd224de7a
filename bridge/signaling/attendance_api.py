"""The HTTP routes of a session's attendance (docs/api.md, "Attendance"): the roll call
(marked hall by hall, read as a list), the attendance measured from the audit log, and
each site's link quality per 20 s window.

``AttendanceRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). Reading is
``attendance.view`` (every console of the session, the office, admin); marking is
``attendance.roll_call`` (who runs the session: its operator, its organiser, the office,
admin), audited as ``roll_call``. Attendance is computed on each read from the whole audit
log (``bridge.attendance.build``), queued entries written first, so it is current to the
second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from starlette.requests import Request

from bridge.attendance import PresentRule, RollCall, RollCallRefused, attendance, session_span
from bridge.attendance import take as take_roll_call
from bridge.attendance.model import SiteAttendance
from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.live.quality_log import QualityLog
from bridge.reports.quality import summarize, window_json, worst
from bridge.reports.windows import WINDOW_S, QualityWindow
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling import outbound
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, Problem, SignalingError
from bridge.store import Session, SessionState, Store
from bridge.store.audit import MAX_PAGE
from bridge.store.records import AuditEntry


def all_entries(store: Store, session_id: int) -> list[AuditEntry]:
    """The session's whole audit log, oldest first (read a page at a time)."""
    entries: list[AuditEntry] = []
    after: int | None = None
    while True:
        page = store.audit.for_session(session_id, MAX_PAGE, after)
        entries += page
        if len(page) < MAX_PAGE:
            return entries
        after = page[-1].id


def session_attendance(
    store: Store, session: Session, present_share: float, now: datetime | None = None
) -> tuple[datetime, datetime, list[SiteAttendance]]:
    """A session's span and each roster hall's attendance, from the store (synchronous:
    run it in a thread). What the reports build on, too."""
    entries = all_entries(store, session.id)
    schedule = store.sessions.schedule(session.id)
    start, end = session_span(session, entries, now or datetime.now(UTC), schedule)
    marks = store.attendance.roll_calls(session.id)
    # A stored window was closed once its 20 s were over (or at a close, which the log
    # records anyway): the bridge was alive at its end, the hall connected — no entry said
    # otherwise. What a crash in a quiet stretch would otherwise lose.
    seen = [
        (w.site_id, w.start + timedelta(seconds=WINDOW_S))
        for w in store.quality.for_session(session.id)
    ]
    rule = PresentRule(present_share)
    sites = attendance(entries, list(session.roster), start, end, rule, marks, seen)
    return start, end, sites


def roll_call_json(r: RollCall) -> s.RollCallJson:
    return cast(s.RollCallJson, r.as_json())


def site_attendance_json(a: SiteAttendance, name: str) -> s.SiteAttendanceJson:
    return cast(s.SiteAttendanceJson, a.as_json(name))


def quality_json(session_id: int, windows: Sequence[QualityWindow]) -> s.QualityReply:
    by_site: dict[int, list[Any]] = {}
    for w in sorted(windows, key=lambda w: (w.site_id, w.start)):
        by_site.setdefault(w.site_id, []).append(window_json(w))
    return {
        "session_id": session_id,
        "window_s": WINDOW_S,
        "sites": [{"site_id": k, "windows": v} for k, v in sorted(by_site.items())],
        "worst": [window_json(w) for w in worst(windows)],  # type: ignore[misc]
        "summary": [
            {
                "site_id": q.site_id,
                "windows": q.windows,
                "good": q.good,
                "fair": q.fair,
                "poor": q.poor,
                "mean_mos": q.mean_mos,
            }
            for q in summarize(windows).values()
        ],
    }


class AttendanceRoutes:
    """The attendance routes of ``api.Api``, which provides these."""

    store: Store
    sessions: LiveSessions
    audit_log: AuditLog
    settings: Settings
    quality_log: QualityLog | None = None  # set by the app: the live windows, its queue

    async def mark_roll_call(
        self, request: Request, caller: Any, body: m.RollCallBody
    ) -> s.RollCallReply:
        """Mark a roster hall at the roll call (the latest mark counts; each is audited)."""
        session: Session = caller.session
        site_id = request.path_params["site_id"]
        if session.state is SessionState.CLOSED:
            raise SignalingError(ErrorCode.SESSION_CLOSED, "roll call of a closed session")
        try:
            mark = take_roll_call(
                site_id,
                body.mark,
                session.roster,
                reason=body.reason,
                at_site_id=body.at_site_id,
                by=caller.principal.by,
            )
        except RollCallRefused as exc:
            if exc.field == "site_id":  # the path names a hall not on the roster
                raise SignalingError(ErrorCode.UNKNOWN_SITE, str(exc), "site_id") from None
            raise SignalingError(
                ErrorCode(exc.code), str(exc), exc.field, Problem(exc.problem), exc.params
            ) from None
        kept = await asyncio.to_thread(self.store.attendance.mark, session.id, mark)
        self.audit_log.record(
            session.id,
            caller.principal.by,
            "roll_call",
            site_id=site_id,
            mark=kept.mark.value,
            reason=kept.reason,
            at_site_id=kept.at_site_id,
        )
        entry = roll_call_json(kept)
        live = self.sessions.find(session.id)
        if live is not None:  # every open roll call shows the same marks
            message = outbound.roll_call(entry)
            for console in live.consoles():
                console.send(message)
        return {"roll_call": entry}

    async def list_roll_call(self, request: Request, caller: Any, _: None) -> s.RollCallsReply:
        """The session's roll call: each marked hall's latest mark, in roster order."""
        session: Session = caller.session
        marks = await asyncio.to_thread(self.store.attendance.roll_calls, session.id)
        ordered = [marks[i] for i in session.roster if i in marks]
        return {"session_id": session.id, "roll_calls": [roll_call_json(r) for r in ordered]}

    async def get_attendance(self, request: Request, caller: Any, _: None) -> s.AttendanceReply:
        """Each roster hall's attendance over the session's span, current to the second."""
        session: Session = caller.session
        await self.audit_log.flush()  # what is queued counts too
        share = self.settings.attendance_present_share
        start, end, sites = await asyncio.to_thread(session_attendance, self.store, session, share)
        names = {
            site.id: site.name
            for site in await asyncio.to_thread(self.store.sessions.roster_sites, session.id)
        }
        return {
            "session_id": session.id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "present_share": share,
            "sites": [site_attendance_json(a, names.get(a.site_id, "")) for a in sites],
        }

    async def get_quality(self, request: Request, caller: Any, _: None) -> s.QualityReply:
        """Each site's link quality per 20 s window: the windows by site, the ten worst,
        a summary per site. A live session's windows still open are included as they
        stand."""
        session: Session = caller.session
        pending: list[QualityWindow] = []
        if self.quality_log is not None:
            await self.quality_log.flush()
            pending = self.quality_log.pending(session.id)
        stored = await asyncio.to_thread(self.store.quality.for_session, session.id)
        kept = {(w.site_id, w.start) for w in stored}
        windows = stored + [w for w in pending if (w.site_id, w.start) not in kept]
        return quality_json(session.id, windows)
