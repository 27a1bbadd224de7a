"""``store.quality``: each site's link quality per 20 s window of a session
(``bridge.reports.windows.QualityWindow``), appended in batches by the live quality log.

A window is written once: the same (session, site, start) written again — a window split
by a restart — is ignored, so the first part stands (at most one window's worth lost).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.reports.quality import SiteQuality
from bridge.reports.windows import QualityWindow
from bridge.store import schema as t
from bridge.store.engine import Database

# Sessions per query of ``by_site``: under SQLite's bound-parameter limit.
CHUNK = 500


class QualityWindows:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, windows: Sequence[QualityWindow]) -> None:
        """Write the windows in one transaction (the ones already there are kept)."""
        if not windows:
            return
        rows = [
            {
                "session_id": w.session_id,
                "site_id": w.site_id,
                "start": w.start,
                "seconds": w.seconds,
                "loss_in_pct": w.loss_in_pct,
                "loss_out_pct": w.loss_out_pct,
                "rtt_ms": w.rtt_ms,
                "jitter_in_ms": w.jitter_in_ms,
                "jitter_out_ms": w.jitter_out_ms,
                "no_media_s": w.no_media_s,
                "grade": w.grade,
                "mos": w.mos,
            }
            for w in windows
        ]
        with self._db.write() as conn:
            conn.execute(sqlite_insert(t.quality_windows).on_conflict_do_nothing(), rows)

    def for_session(self, session_id: int) -> list[QualityWindow]:
        """The session's windows, by site then time."""
        c = t.quality_windows.c
        query = (
            select(t.quality_windows).where(c.session_id == session_id).order_by(c.site_id, c.start)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [
            QualityWindow(
                r.session_id,
                r.site_id,
                r.start,
                r.seconds,
                r.loss_in_pct,
                r.loss_out_pct,
                r.rtt_ms,
                r.jitter_in_ms,
                r.jitter_out_ms,
                r.no_media_s,
                r.grade,
                r.mos,
            )
            for r in rows
        ]

    def by_site(self, session_ids: Iterable[int]) -> list[SiteQuality]:
        """Each (session, site) of ``session_ids`` summed up in SQL — windows, good, fair,
        poor, mean MOS — by session then site: what ``repeated_problems`` reads."""
        c = t.quality_windows.c
        ids = sorted(set(session_ids))
        out: list[SiteQuality] = []

        def count(grade: str) -> Any:
            return func.sum(case((c.grade == grade, 1), else_=0))

        with self._db.read() as conn:
            for i in range(0, len(ids), CHUNK):
                query = (
                    select(
                        c.session_id,
                        c.site_id,
                        func.count(),
                        count("good"),
                        count("fair"),
                        count("poor"),
                        func.avg(c.mos),
                    )
                    .where(c.session_id.in_(ids[i : i + CHUNK]))
                    .group_by(c.session_id, c.site_id)
                    .order_by(c.session_id, c.site_id)
                )
                for sid, site, n, good, fair, poor, mos in conn.execute(query):
                    out.append(
                        SiteQuality(
                            sid,
                            site,
                            int(n),
                            int(good),
                            int(fair),
                            int(poor),
                            None if mos is None else round(float(mos), 2),
                        )
                    )
        return out
