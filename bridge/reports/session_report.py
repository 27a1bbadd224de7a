"""The report of one session, as one JSON-ready dict: the attendance table, quality per
site with its timeline, the worst windows, the agenda and notices, the operators' actions
and the recordings. Pure: everything is passed in (``bridge.signaling.report_api`` reads
it from the store); the HTML page and the CSV are drawn from this same dict
(``bridge.reports.html``, ``bridge.reports.csv_export``), so the three never disagree.

**Timeline.** The session's span in 20 s cells on the windows' own grid (the UTC 20 s
grid: cell 0 holds the span's start, cell *i* starts 20 *i* s after the timeline's
``start``); each site's row is one character per cell: ``g`` good, ``f`` fair, ``p`` poor,
``u`` unknown (read, but no figures), ``.`` no window (not connected).

**Operators' actions.** The audit entries of staff accounts (``by`` ``account:…``): what
people did — mutes, the floor, the shown site, removals, the roll call, opening and
closing — not the halls' own joins and leaves, which the attendance table already says.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bridge.attendance.model import SiteAttendance
from bridge.reports.quality import summarize, window_json, worst
from bridge.reports.windows import WINDOW_S, QualityWindow

CELL_CHARS = {"good": "g", "fair": "f", "poor": "p", "unknown": "u"}
NO_WINDOW = "."
STAFF_PREFIX = "account:"
# Details worth a column in the actions' list; the rest of an entry's detail is dropped.
ACTION_DETAIL = ("site_id", "mark", "reason", "at_site_id", "mode", "state", "title", "format")


class RosterSite(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


class NoticeLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def posted_by(self) -> str: ...
    @property
    def posted_at(self) -> datetime: ...
    @property
    def withdrawn_at(self) -> datetime | None: ...


class EntryLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def by(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ReportSession:
    """The session as its report names it."""

    id: int
    title: str
    state: str
    host_site_id: int
    host: str  # the host site's name
    organiser: str  # the organiser's username ("" if none)
    agency: str  # bridge.reports.summaries.agency_of
    start: datetime  # the span (bridge.attendance.session_span)
    end: datetime
    scheduled: bool  # the span is the schedule's (else the log's)
    present_share: float  # the present rule
    generated_at: datetime


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def timeline(
    start: datetime, end: datetime, site_ids: Sequence[int], windows: Iterable[QualityWindow]
) -> dict[str, Any]:
    """The per-site cell strings of the span (see the module's docstring)."""
    length = max(0.0, (end - start).total_seconds())
    # Cells on the windows' own grid (UTC, every 20 s): cell 0 holds the span's start.
    start = start - timedelta(seconds=start.timestamp() % WINDOW_S)
    cells = max(1, math.ceil((end - start).total_seconds() / WINDOW_S)) if length > 0 else 0
    rows = {site_id: [NO_WINDOW] * cells for site_id in site_ids}
    for w in windows:
        row = rows.get(w.site_id)
        if row is None:
            continue
        i = math.floor((w.start - start).total_seconds() / WINDOW_S)
        if 0 <= i < cells:
            row[i] = CELL_CHARS.get(w.grade, "u")
    return {
        "start": start.isoformat(),
        "cell_s": WINDOW_S,
        "cells": cells,
        "rows": [{"site_id": sid, "cells": "".join(rows[sid])} for sid in site_ids],
    }


def staff_actions(entries: Iterable[EntryLike]) -> list[dict[str, Any]]:
    """The staff's actions, oldest first (see the module's docstring)."""
    out = []
    for e in sorted(entries, key=lambda e: e.at):
        if not e.by.startswith(STAFF_PREFIX):
            continue
        detail = {k: e.detail[k] for k in ACTION_DETAIL if k in e.detail}
        out.append(
            {"at": e.at.isoformat(), "by": e.by[len(STAFF_PREFIX) :], "action": e.action, **detail}
        )
    return out


def session_report(
    session: ReportSession,
    roster_sites: Sequence[RosterSite],
    attendance: Sequence[SiteAttendance],
    windows: Sequence[QualityWindow],
    agenda: str,
    notices: Sequence[NoticeLike],
    audit_entries: Iterable[EntryLike],
    recording: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The whole report (docs/reports.md, "Session report")."""
    names = {site.id: site.name for site in roster_sites}
    by_site = {a.site_id: a for a in attendance}
    quality = summarize(windows)
    site_rows: list[dict[str, Any]] = []
    for site in roster_sites:
        a = by_site.get(site.id) or SiteAttendance(site.id)
        q = quality.get(site.id)
        site_rows.append(
            {
                **a.as_json(site.name),
                "host": site.id == session.host_site_id,
                "quality": {
                    "windows": q.windows if q else 0,
                    "good": q.good if q else 0,
                    "fair": q.fair if q else 0,
                    "poor": q.poor if q else 0,
                    "mean_mos": q.mean_mos if q else None,
                },
            }
        )
    worst_rows = [{**window_json(w), "name": names.get(w.site_id, "")} for w in worst(windows)]
    length = max(0.0, (session.end - session.start).total_seconds())
    present = sum(1 for r in site_rows if r["present"])
    return {
        "session": {
            "id": session.id,
            "title": session.title,
            "state": session.state,
            "host_site_id": session.host_site_id,
            "host": session.host,
            "organiser": session.organiser,
            "agency": session.agency,
            "start": session.start.isoformat(),
            "end": session.end.isoformat(),
            "length_s": length,
            "scheduled": session.scheduled,
        },
        "generated_at": session.generated_at.isoformat(),
        "present_share": session.present_share,
        "window_s": WINDOW_S,
        "totals": {
            "halls": len(site_rows),
            "present": present,
            "absent": len(site_rows) - present,
            "connected": sum(1 for r in site_rows if r["connected_s"] > 0),
            "reconnections": sum(int(r["reconnections"]) for r in site_rows),
            "windows": sum(int(r["quality"]["windows"]) for r in site_rows),
            "poor_windows": sum(int(r["quality"]["poor"]) for r in site_rows),
        },
        "sites": site_rows,
        "timeline": timeline(session.start, session.end, [s.id for s in roster_sites], windows),
        "worst": worst_rows,
        "agenda": agenda,
        "notices": [
            {
                "id": n.id,
                "kind": n.kind,
                "title": n.title,
                "posted_by": n.posted_by,
                "posted_at": n.posted_at.isoformat(),
                "withdrawn_at": _iso(n.withdrawn_at),
            }
            for n in notices
        ],
        "actions": staff_actions(audit_entries),
        "recordings": [dict(r) for r in recording or ()],
    }
