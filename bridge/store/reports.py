"""``store.reports``: the summaries the reports read (issue 14) — one row per closed
session, one per (closed session, roster site).

They are derived values (``bridge.reports.summaries`` computes them from the audit log,
the roll call and the quality windows) kept so that a period report over a thousand
sessions reads two tables in range instead of recomputing every session's attendance.
Saving a session's summary replaces it whole; ``missing`` names the closed sessions that
have none yet (computed lazily by the report routes).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select

from bridge.reports.summaries import SessionSummary, SiteSessionSummary
from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.records import SessionState

CHUNK = 500  # session ids per IN (…): SQLite's bound-parameter limit


def _session_of(r: Row[Any]) -> SessionSummary:
    return SessionSummary(
        r.session_id,
        r.title,
        r.organiser_id,
        r.agency,
        r.host_site_id,
        bool(r.booked),
        bool(r.held_online),
        r.started_at,
        r.ended_at,
        r.length_s,
        r.halls,
    )


_SITE_COLUMNS = (
    "session_id",
    "site_id",
    "length_s",
    "connected_s",
    "present",
    "late_s",
    "left_early_s",
    "reconnections",
    "windows",
    "poor_windows",
    "mos_windows",
    "mean_mos",
)


class Reports:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, summary: SessionSummary, sites: builtins.list[SiteSessionSummary]) -> None:
        """Replace the session's summaries with these, in one transaction."""
        s = summary
        session_row = {
            "session_id": s.session_id,
            "title": s.title,
            "organiser_id": s.organiser_id,
            "agency": s.agency,
            "host_site_id": s.host_site_id,
            "booked": int(s.booked),
            "held_online": int(s.held_online),
            "started_at": s.started_at,
            "ended_at": s.ended_at,
            "length_s": s.length_s,
            "halls": s.halls,
            "computed_at": self._db.clock(),
        }
        shared = {"organiser_id": s.organiser_id, "agency": s.agency, "started_at": s.started_at}
        site_rows = [
            {**{name: getattr(x, name) for name in _SITE_COLUMNS}, **shared} for x in sites
        ]
        for row in site_rows:
            row["present"] = int(row["present"])
        with self._db.write() as conn:
            sid = s.session_id
            conn.execute(
                delete(t.site_session_summaries).where(t.site_session_summaries.c.session_id == sid)
            )
            conn.execute(delete(t.session_summaries).where(t.session_summaries.c.session_id == sid))
            conn.execute(insert(t.session_summaries), [session_row])
            if site_rows:
                conn.execute(insert(t.site_session_summaries), site_rows)

    def session(self, session_id: int) -> SessionSummary | None:
        c = t.session_summaries.c
        with self._db.read() as conn:
            row = conn.execute(
                select(t.session_summaries).where(c.session_id == session_id)
            ).first()
        return None if row is None else _session_of(row)

    def sites_of(self, session_id: int) -> builtins.list[SiteSessionSummary]:
        c = t.site_session_summaries.c
        query = select(*(c[n] for n in _SITE_COLUMNS)).where(c.session_id == session_id)
        with self._db.read() as conn:
            return [_site_of(row) for row in conn.execute(query.order_by(c.site_id))]

    def missing(self) -> builtins.list[int]:
        """The closed sessions that have no summary yet, oldest first."""
        s, ss = t.sessions.c, t.session_summaries.c
        query = (
            select(s.id)
            .where(s.state == SessionState.CLOSED.value, s.id.not_in(select(ss.session_id)))
            .order_by(s.id)
        )
        with self._db.read() as conn:
            return [int(x) for x in conn.scalars(query)]

    def between(
        self, since: datetime, until: datetime, organiser_id: int | None = None
    ) -> tuple[builtins.list[SessionSummary], builtins.list[SiteSessionSummary]]:
        """The summaries of the sessions that started in ``[since, until)`` (only those
        ``organiser_id`` organises, if given): sessions by start, sites by session then
        site. Two range reads on ``started_at``."""
        s, x = t.session_summaries.c, t.site_session_summaries.c
        sessions = select(t.session_summaries).where(s.started_at >= since, s.started_at < until)
        sites = select(*(x[n] for n in _SITE_COLUMNS)).where(
            x.started_at >= since, x.started_at < until
        )
        if organiser_id is not None:
            sessions = sessions.where(s.organiser_id == organiser_id)
            sites = sites.where(x.organiser_id == organiser_id)
        with self._db.read() as conn:
            found = [_session_of(r) for r in conn.execute(sessions.order_by(s.started_at))]
            # Plain tuples into the value type: 100,000 rows in well under a second.
            rows = conn.execute(sites.order_by(x.session_id, x.site_id))
            site_rows = [_site_of(r) for r in rows]
        return found, site_rows

    def booked(self, session_id: int) -> bool:
        """Whether the session was made from a booking."""
        c = t.bookings.c
        with self._db.read() as conn:
            return conn.scalar(select(c.id).where(c.session_id == session_id).limit(1)) is not None


def _site_of(r: tuple[Any, ...]) -> SiteSessionSummary:
    # ``present`` is an integer column (0/1), as the other flags of the store.
    return SiteSessionSummary(
        r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7], r[8], r[9], r[10], r[11]
    )
