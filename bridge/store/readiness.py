"""``store.readiness``: every connection test's result, per site per session, with history.

A result is the JSON the runtime builds when a test ends (docs/connection-tests.md,
"Stored results and the board"): the store keeps it whole, checks what it files it under
(the session and site, on the roster; the source; the state; the times) and keeps the MOS
and round trip beside it, for a site's trend. It neither reads nor judges the figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import InvalidInput, NotFound

MAX_BY_CHARS = 200
# A result is a few kilobytes (figures, a dozen reasons in two languages): anything far
# bigger is a fault upstream, not a test.
MAX_RESULT_BYTES = 64 * 1024
TREND_SESSIONS = 5

Result = dict[str, Any]


class ConnectionTests:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, result: Mapping[str, Any]) -> int:
        """File a finished test's ``result``; its id. ``InvalidInput`` names the field at
        fault; ``NotFound`` if the site is not on the session's roster."""
        row = _row(result)
        with self._db.write() as conn:
            on_roster = select(t.roster.c.site_id).where(
                t.roster.c.session_id == row["session_id"], t.roster.c.site_id == row["site_id"]
            )
            if conn.execute(on_roster).first() is None:
                raise NotFound(
                    f"site {row['site_id']} is not on session {row['session_id']}'s roster",
                    field="site_id",
                    problem="not_found",
                )
            key = conn.execute(insert(t.connection_tests).values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def latest(self, session_id: int) -> dict[int, Result]:
        """Site id → the session's last result for it (the last to finish)."""
        c = t.connection_tests.c
        query = (
            select(c.site_id, c.result)
            .where(c.session_id == session_id)
            .order_by(c.finished_at.desc(), c.id.desc())
        )
        found: dict[int, Result] = {}
        with self._db.read() as conn:
            for row in conn.execute(query):
                if row.site_id not in found:
                    found[row.site_id] = json.loads(row.result)
        return found

    def history(
        self, site_id: int, limit: int = 5, exclude_session: int | None = None
    ) -> list[Result]:
        """The site's last ``limit`` results, newest first (``exclude_session``: but those
        of that session)."""
        c = t.connection_tests.c
        query = select(c.result).where(c.site_id == site_id)
        if exclude_session is not None:
            query = query.where(c.session_id != exclude_session)
        query = query.order_by(c.finished_at.desc(), c.id.desc()).limit(max(limit, 0))
        with self._db.read() as conn:
            return [json.loads(text) for text in conn.scalars(query)]

    def trends(
        self, site_ids: Iterable[int], exclude_session: int, limit: int = TREND_SESSIONS
    ) -> dict[int, list[Result]]:
        """Site id → its trend: the final result of each of its last ``limit`` sessions
        but ``exclude_session``, newest first, as ``{session_id, finished_at, state, mos}``
        (a retest within one session is one point of the trend, not several). One query
        for all the sites."""
        ids = list(site_ids)
        if not ids:
            return {}
        with self._db.read() as conn:
            return _trends(conn, ids, exclude_session, limit)


def _trends(
    conn: Connection, ids: list[int], exclude_session: int, limit: int
) -> dict[int, list[Result]]:
    c = t.connection_tests.c
    newest = (c.finished_at.desc(), c.id.desc())
    last_per_session = (
        select(
            c.site_id,
            c.session_id,
            c.finished_at,
            c.state,
            c.mos,
            c.id,
            func.row_number()
            .over(partition_by=(c.site_id, c.session_id), order_by=newest)
            .label("nth"),
        )
        .where(c.site_id.in_(ids), c.session_id != exclude_session)
        .subquery()
    )
    s = last_per_session.c
    ranked = (
        select(
            s.site_id,
            s.session_id,
            s.finished_at,
            s.state,
            s.mos,
            func.row_number()
            .over(partition_by=s.site_id, order_by=(s.finished_at.desc(), s.id.desc()))
            .label("rank"),
        )
        .where(s.nth == 1)
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.site_id, ranked.c.rank)
    found: dict[int, list[Result]] = {}
    for row in conn.execute(query):
        # A subquery loses the column's type: the stamp comes back as SQLite's text.
        at = row.finished_at
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        found.setdefault(row.site_id, []).append(
            {
                "session_id": row.session_id,
                "finished_at": at.isoformat(),
                "state": row.state,
                "mos": row.mos,
            }
        )
    return found


def _row(result: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of a result, checked, and the result itself as JSON with its times in
    UTC."""
    if not isinstance(result, Mapping):
        raise InvalidInput("a result is a JSON object")
    session_id = _id(result, "session_id")
    site_id = _id(result, "site_id")
    source = _choice(result, "source", t.TEST_SOURCES)
    state = _choice(result, "state", t.TEST_STATES)
    by = result.get("by", "")
    if not isinstance(by, str) or len(by) > MAX_BY_CHARS:
        raise InvalidInput(f"by: at most {MAX_BY_CHARS} characters", field="by", problem="invalid")
    started_at = _instant(result, "started_at")
    finished_at = _instant(result, "finished_at")
    if finished_at < started_at:
        raise InvalidInput(
            "a test finishes after it starts", field="finished_at", problem="too_small"
        )
    figures = result.get("figures") or {}
    if not isinstance(figures, Mapping):
        raise InvalidInput("figures: an object", field="figures", problem="wrong_type")
    stored = {
        **result,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
    }
    try:
        text = json.dumps(stored, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"a result must be plain JSON: {exc}", field="figures", problem="invalid"
        ) from None
    if len(text.encode()) > MAX_RESULT_BYTES:
        raise InvalidInput("a result of over 64 KiB", field="result", problem="too_long")
    return {
        "session_id": session_id,
        "site_id": site_id,
        "started_at": started_at,
        "finished_at": finished_at,
        "source": source,
        "by": by,
        "state": state,
        "mos": _number(figures.get("mos")),
        "rtt_ms": _number(figures.get("rtt_ms")),
        "result": text,
    }


def _id(result: Mapping[str, Any], name: str) -> int:
    value = result.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**53:
        raise InvalidInput(
            f"{name}: a positive id",
            field=name,
            problem="wrong_type",
            params={"expected": "integer"},
        )
    return value


def _choice(result: Mapping[str, Any], name: str, choices: list[str]) -> str:
    value = result.get(name)
    if value not in choices:
        raise InvalidInput(
            f"{name}: one of {choices}",
            field=name,
            problem="not_allowed",
            params={"choices": choices},
        )
    return str(value)


def _instant(result: Mapping[str, Any], name: str) -> datetime:
    value = result.get(name)
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput(f"{name}: an ISO time with its offset", field=name, problem="invalid")
    return at.astimezone(UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
