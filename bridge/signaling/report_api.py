"""The HTTP routes of reports (docs/api.md, "Reports"; docs/reports.md): a session's report
as JSON, CSV and a printable page, and the report over a period — a date range or a
quarter — as JSON, CSV and a printable page with charts.

``ReportRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). A session's
report is ``reports.session`` (its staff, its organiser, the office, admin), built on each
read from the store (``bridge.reports.session_report``: pure). The period report is
``reports.period`` (the office, admin; an organiser sees only the sessions it organises)
and reads the closed sessions' summaries (``store.reports``); closed sessions still
without one are summarised first (``bridge.reports.summaries.ensure_summaries``).
Reading a report changes nothing and is not audited, as reading the audit log is not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from bridge.live.summaries import SummaryWriter
from bridge.permissions import Role
from bridge.reports.csv_export import period_csv, session_csv
from bridge.reports.html import render_period_html, render_session_html
from bridge.reports.period import Period, PeriodError, date_range, period_report, quarter
from bridge.reports.session_report import ReportSession, session_report
from bridge.reports.summaries import SessionSummary, agency_of, summarise
from bridge.reports.windows import QualityWindow
from bridge.settings import Settings
from bridge.signaling import schemas as s
from bridge.signaling.attendance_api import all_entries, session_attendance
from bridge.signaling.errors import ErrorCode, Problem, SignalingError, pick_lang
from bridge.store import Session, SessionState, Store

log = logging.getLogger(__name__)

QUARTER_PATTERN = r"\d{4}-Q[1-4]"
PERIOD_QUERY = ("from", "to")
LANGS = ("vi", "en")
FIRST_YEAR, LAST_YEAR = 2000, 2200


def _refusal(field: str, problem: Problem, detail: str, **params: Any) -> SignalingError:
    return SignalingError(ErrorCode.INVALID_INPUT, detail, field, problem, params)


def recordings_of(store: Store, session_id: int) -> list[dict[str, Any]]:
    """The session's recordings, where the bridge keeps them (``store.recordings``)."""
    return [
        {
            "id": r.id,
            "file": r.file,
            "state": r.state,
            "started_at": r.started_at.isoformat(),
            "ended_at": r.ended_at.isoformat() if r.ended_at else None,
            "duration_s": r.duration_s,
            "bytes": r.bytes,
            "sha256": r.sha256,
        }
        for r in store.recordings.for_session(session_id)
    ]


def write_summary(store: Store, session_id: int, present_share: float) -> SessionSummary | None:
    """Compute and keep a closed session's summaries from its attendance (as
    ``GET /attendance`` reads it) and quality windows; None: it is not closed."""
    session = store.sessions.get(session_id)
    if session.state is not SessionState.CLOSED:
        return None
    start, end, sites = session_attendance(store, session, present_share)
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


def build_session_report(
    store: Store,
    settings: Settings,
    session: Session,
    now: datetime,
    pending: Sequence[QualityWindow] = (),
) -> dict[str, Any]:
    """The session's report from the store (blocking: run it in a thread); ``pending``:
    a live session's windows still open, counted as they stand (as ``GET /quality``)."""
    start, end, sites = session_attendance(store, session, settings.attendance_present_share, now)
    entries = all_entries(store, session.id)
    roster = store.sessions.roster_sites(session.id)
    known = {site.id: site for site in store.sites.list()}
    organiser = ""
    if session.organiser_id is not None:
        organiser = next(
            (a.username for a in store.accounts.list() if a.id == session.organiser_id), ""
        )
    host = known.get(session.host_site_id)
    described = ReportSession(
        id=session.id,
        title=session.title,
        state=session.state.value,
        host_site_id=session.host_site_id,
        host=host.name if host else "",
        organiser=organiser,
        agency=agency_of(session.host_site_id, known),
        start=start,
        end=end,
        scheduled=store.sessions.schedule(session.id).starts_at is not None,
        present_share=settings.attendance_present_share,
        generated_at=now,
    )
    stored = store.quality.for_session(session.id)
    kept = {(w.site_id, w.start) for w in stored}
    windows = stored + [w for w in pending if (w.site_id, w.start) not in kept]
    return session_report(
        described,
        roster,
        sites,
        windows,
        store.bookings.agenda_of(session.id),
        store.notices.list(session.id),
        entries,
        recordings_of(store, session.id),
    )


def _day(value: str, field: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise _refusal(field, Problem.INVALID, f"{field}: not a YYYY-MM-DD day") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        low = day.year < FIRST_YEAR
        raise _refusal(
            field,
            Problem.TOO_SMALL if low else Problem.TOO_LARGE,
            f"{field}: a year from {FIRST_YEAR} to {LAST_YEAR}",
            limit=f"{FIRST_YEAR}-01-01" if low else f"{LAST_YEAR}-12-31",
        )
    return day


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def period_of(query: dict[str, str], today: date) -> Period:
    """The period a query names: ``quarter``, or ``from`` and ``to`` (both days included);
    neither: the current quarter."""
    q, since, until = query.get("quarter"), query.get("from"), query.get("to")
    try:
        if q is not None:
            if since is not None or until is not None:
                raise _refusal(
                    "quarter", Problem.INVALID, "quarter: give a quarter or from and to, not both"
                )
            return quarter(q)
        if since is None and until is None:
            return quarter(current_quarter(today))
        if since is None or until is None:
            missing = "from" if since is None else "to"
            raise _refusal(missing, Problem.MISSING, f"{missing}: needed with the other")
        first, last = _day(since, "from"), _day(until, "to")
        if last < first:
            raise _refusal("to", Problem.TOO_SMALL, "to: before from", limit=since)
        return date_range(first, last)
    except PeriodError as exc:
        problem = Problem.TOO_LARGE if exc.problem == "too_large" else Problem.INVALID
        raise _refusal(exc.field, problem, str(exc)) from None


def build_period_report(
    store: Store, settings: Settings, period: Period, organiser_id: int | None, now: datetime
) -> dict[str, Any]:
    """The period's report from the summaries (blocking: run it in a thread)."""
    ensure_summaries(store, settings.attendance_present_share)
    since, until = period.bounds(settings.office_timezone)
    sessions, sites = store.reports.between(since, until, organiser_id)
    names = {site.id: site.name for site in store.sites.list()}
    organisers = {a.id: a.username for a in store.accounts.list()}
    return period_report(period, sessions, sites, names, organisers, settings.office_timezone, now)


def _file(body: str, media_type: str, name: str | None = None) -> Response:
    headers = {"content-disposition": f'attachment; filename="{name}"'} if name else {}
    if media_type.startswith("text/csv"):
        # A byte-order mark: Excel reads the Vietnamese letters right with it.
        return Response(("\ufeff" + body).encode("utf-8"), media_type=media_type, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


class ReportRoutes:
    """The report routes of ``api.Api``, which provides these."""

    store: Store
    settings: Settings
    summaries: SummaryWriter | None = None

    def _issuer(self, report_host: str = "") -> str:
        # The office's name; else the session's host hall, else the system's own name.
        name = self.settings.office_name.strip() or report_host or "Hệ thống giao ban trực tuyến"
        return name.upper()

    def _lang(self, request: Request) -> str:
        lang = request.query_params.get("lang")
        if lang is None:
            return pick_lang(request.headers.get("accept-language"), self.settings.default_lang)
        if lang not in LANGS:
            raise _refusal("lang", Problem.NOT_ALLOWED, "lang", choices=list(LANGS))
        return lang

    async def _session_report(self, caller: Any) -> dict[str, Any]:
        session = caller.session
        assert session is not None
        if self.summaries is not None:  # a session closed a moment ago: its logs written
            for flush in self.summaries.flushers:
                await flush()
        quality_log = getattr(self, "quality_log", None)
        pending = [] if quality_log is None else quality_log.pending(session.id)
        now = datetime.now(UTC)
        return await asyncio.to_thread(
            build_session_report, self.store, self.settings, session, now, pending
        )

    async def session_report(self, request: Request, caller: Any, _: None) -> s.SessionReportReply:
        return await self._session_report(caller)  # type: ignore[return-value]

    async def session_report_csv(self, request: Request, caller: Any, _: None) -> Response:
        lang = self._lang(request)
        report = await self._session_report(caller)
        text = session_csv(report, lang, self.settings.office_timezone)
        name = f"bao-cao-phien-{report['session']['id']}.csv"
        return _file(text, "text/csv; charset=utf-8", name)

    async def session_report_html(self, request: Request, caller: Any, _: None) -> Response:
        report = await self._session_report(caller)
        page = render_session_html(
            report,
            self.settings.office_timezone,
            self._issuer(report["session"]["host"]),
            self.settings.office_place,
        )
        return _file(page, "text/html; charset=utf-8")

    async def _period_report(self, request: Request, caller: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        today = now.astimezone(ZoneInfo(self.settings.office_timezone)).date()
        period = period_of(dict(request.query_params), today)
        principal = caller.principal
        # An organiser's report is of the sessions it organises, never the others'.
        own = principal.account_id if principal.role is Role.ORGANISER else None
        if principal.role is Role.ORGANISER and own is None:
            raise SignalingError(ErrorCode.FORBIDDEN, "reports.period: no account")
        if self.summaries is not None:
            await self.summaries.idle()
        return await asyncio.to_thread(
            build_period_report, self.store, self.settings, period, own, now
        )

    async def period_report(self, request: Request, caller: Any, _: None) -> s.PeriodReportReply:
        return await self._period_report(request, caller)  # type: ignore[return-value]

    async def period_report_csv(self, request: Request, caller: Any, _: None) -> Response:
        lang = self._lang(request)
        report = await self._period_report(request, caller)
        p = report["period"]
        name = f"bao-cao-{p['quarter'] or p['from'] + '_' + p['to']}.csv"
        return _file(period_csv(report, lang), "text/csv; charset=utf-8", name)

    async def period_report_html(self, request: Request, caller: Any, _: None) -> Response:
        report = await self._period_report(request, caller)
        page = render_period_html(
            report, self.settings.office_timezone, self._issuer(), self.settings.office_place
        )
        return _file(page, "text/html; charset=utf-8")
