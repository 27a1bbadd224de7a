"""The HTTP routes of connection tests (docs/api.md, "Connection tests"): a session's
schedule and test window, its readiness board (JSON, and CSV for the centre's spreadsheet)
and a site's results over sessions.

``ReadinessRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). The board
and the CSV are built by ``bridge.readiness.board`` from what the store holds: the
handlers only read and answer. Results are written by the runtime alone, never over HTTP.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bridge.live.audit import AuditLog
from bridge.readiness import board
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, Problem, SignalingError, pick_lang
from bridge.store import Conflict, Schedule, Session, Store
from bridge.use_cases import schedule_session

MAX_ID = 2**53
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
LANGS = ("vi", "en")
# RFC 3339, as the document's "date-time" says: the offset is required.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def _field_error(field: str, problem: Problem, detail: str = "", **params: Any) -> SignalingError:
    return SignalingError(
        ErrorCode.INVALID_INPUT, detail or f"{field}: {problem}", field, problem, params
    )


def instant(value: str | None, field: str) -> datetime | None:
    """A body's RFC 3339 time as an aware datetime; a 422 naming ``field`` otherwise."""
    if value is None:
        return None
    if not _RFC3339.fullmatch(value):
        raise _field_error(field, Problem.INVALID, f"{field}: not an RFC 3339 time")
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:
        raise _field_error(field, Problem.INVALID, f"{field}: no such time") from None


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def schedule_json(schedule: Schedule) -> s.ScheduleJson:
    return {
        "starts_at": _stamp(schedule.starts_at),
        "ends_at": _stamp(schedule.ends_at),
        "test_from": _stamp(schedule.test_from),
        "test_until": _stamp(schedule.test_until),
    }


def schedule_reply(store: Store, session: Session, schedule: Schedule, tz: str) -> s.ScheduleReply:
    """The schedule with the window it gives and whether the session is testing now."""
    window = store.sessions.test_window(session.id, tz=tz)
    return {
        "session_id": session.id,
        "schedule": schedule_json(schedule),
        "window": board.window_json(window),  # type: ignore[typeddict-item]
        "testing": board.is_testing(session.state.value, window, store.db.clock()),
    }


def roster_sites(store: Store, session_id: int) -> list[board.RosterSite]:
    return [
        board.RosterSite(site.id, site.name, site.level.value, position)
        for position, site in enumerate(store.sessions.roster_sites(session_id), start=1)
    ]


def readiness_board(
    store: Store,
    session: Session,
    tz: str,
    running: Collection[int] = (),
) -> dict[str, Any]:
    """The session's board as the API, the CLI and the console show it, from four reads."""
    window = store.sessions.test_window(session.id, tz=tz)
    sites = roster_sites(store, session.id)
    latest = store.readiness.latest(session.id)
    trends = store.readiness.trends([x.site_id for x in sites], exclude_session=session.id)
    now = store.db.clock()
    return board.board(session.id, session.state.value, window, now, sites, latest, trends, running)


def csv_response(text: str, session_id: int) -> Response:
    """The board's CSV as a file: UTF-8 with a byte-order mark, which Excel needs to read
    the Vietnamese letters right."""
    return Response(
        ("\ufeff" + text).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="readiness-session-{session_id}.csv"'
        },
    )


class ReadinessRoutes:
    """The connection-test routes of ``api.Api``, which provides these."""

    store: Store
    audit_log: AuditLog
    settings: Settings

    def running_tests(self, session_id: int) -> Collection[int]:
        """The sites whose connection test runs now: the runtime's to say (a site shows
        ``testing`` meanwhile). None here, where no test runs."""
        return ()

    async def get_schedule(self, request: Request, caller: Any, _: None) -> s.ScheduleReply:
        session = caller.session
        assert session is not None
        tz = self.settings.office_timezone
        return await asyncio.to_thread(
            lambda: schedule_reply(
                self.store, session, self.store.sessions.schedule(session.id), tz
            )
        )

    async def set_schedule(
        self, request: Request, caller: Any, body: m.ScheduleBody
    ) -> s.ScheduleReply:
        session = caller.session
        assert session is not None
        starts_at = instant(body.starts_at, "starts_at")
        ends_at = instant(body.ends_at, "ends_at")
        test_from = instant(body.test_from, "test_from")
        test_until = instant(body.test_until, "test_until")
        tz = self.settings.office_timezone
        try:
            schedule = await asyncio.to_thread(
                lambda: schedule_session(
                    self.store, session.id, starts_at, ends_at, test_from, test_until, tz=tz
                )
            )
        except Conflict as exc:  # closed, now or since it was read
            raise SignalingError(ErrorCode.SESSION_CLOSED, str(exc)) from None
        self.audit_log.record(
            session.id, caller.principal.by, "set_schedule", **schedule_json(schedule)
        )
        return await asyncio.to_thread(schedule_reply, self.store, session, schedule, tz)

    async def readiness(self, request: Request, caller: Any, _: None) -> s.ReadinessReply:
        session = caller.session
        assert session is not None
        running = self.running_tests(session.id)
        found = await asyncio.to_thread(
            readiness_board, self.store, session, self.settings.office_timezone, running
        )
        return found  # type: ignore[return-value]

    async def readiness_csv(self, request: Request, caller: Any, _: None) -> Response:
        """The board as CSV, its header and words in ``?lang=`` or ``Accept-Language``
        (the bridge's default language without either)."""
        session = caller.session
        assert session is not None
        lang = request.query_params.get("lang")
        if lang is None:
            lang = pick_lang(request.headers.get("accept-language"), self.settings.default_lang)
        elif lang not in LANGS:
            raise _field_error("lang", Problem.NOT_ALLOWED, choices=list(LANGS))
        tz = self.settings.office_timezone
        running = self.running_tests(session.id)
        found = await asyncio.to_thread(readiness_board, self.store, session, tz, running)
        return csv_response(board.csv_text(found["sites"], lang, tz), session.id)

    async def site_tests(self, request: Request, caller: Any, _: None) -> s.ConnectionTestsReply:
        """The site's last results over every session, newest first (``?limit=``, at most
        100, 20 unless given)."""
        from bridge.signaling.api import _int_param, site_json  # api imports this module

        site_id = int(request.path_params["site_id"])
        if not 1 <= site_id <= MAX_ID:
            raise SignalingError(ErrorCode.NOT_FOUND, "site_id", field="site_id")
        limit = _int_param(request, "limit")
        limit = DEFAULT_LIMIT if limit is None else min(limit, MAX_LIMIT)
        site = await asyncio.to_thread(self.store.sites.get, site_id)
        tests = await asyncio.to_thread(self.store.readiness.history, site_id, limit)
        return {"site": site_json(site), "tests": tests}
