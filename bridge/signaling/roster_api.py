"""The HTTP routes of roster ownership (docs/office.md, "Rosters"; docs/api.md): a site put
on a session's roster or taken off it, before the session or during it, by its organiser,
the office or an admin (the action ``session.roster``; the policy decides before the
handler runs).

``RosterRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). The order of
each change is what makes it safe: the store first (the roster, and for a removal the
hall's join tokens, so its link no longer joins), then the live session (a connected hall
hears ``removed``; everyone is sent the new roster), then — for an addition — the hall's
new link, which joins at once. Every change is in the audit log (``roster_add`` /
``roster_remove``, with ``site_id``), whether the session is live or not.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from starlette.requests import Request

from bridge.conference import HostSite, RosterSite
from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, Problem, SignalingError
from bridge.store import Store
from bridge.use_cases import add_roster_site, remove_roster_site

MAX_ID = 2**53


class RosterRoutes:
    """The roster routes of ``api.Api``, which provides these."""

    store: Store
    sessions: LiveSessions
    audit_log: AuditLog
    settings: Settings

    async def add_to_roster(
        self, request: Request, caller: Any, body: m.RosterBody
    ) -> s.RosterReply:
        """Put the site last on the roster; the reply carries its join link."""
        from bridge.signaling.api import session_json  # api imports this module

        session_id = int(request.path_params["id"])
        by = caller.principal.by
        valid_for = timedelta(hours=self.settings.join_token_hours)
        # The store, then the live session, then the link: the hall can use it at once.
        session, site, link = await asyncio.to_thread(
            add_roster_site,
            self.store,
            session_id,
            body.site_id,
            valid_for,
            self.settings.base_url,
        )
        # Audited once the store has it, whatever the live step does next.
        self.audit_log.record(session_id, by, "roster_add", site_id=site.id)
        await self.sessions.roster_added(
            session_id, RosterSite(site.id, site.name, site.level.value), by
        )
        return {"session": session_json(session), "link": link}  # type: ignore[typeddict-item]

    async def remove_from_roster(self, request: Request, caller: Any, _: None) -> s.SessionReply:
        """Take the site off the roster (never the host): its links stop joining, and a
        connected hall is disconnected with ``removed``."""
        from bridge.signaling.api import session_json

        session_id = int(request.path_params["id"])
        site_id = int(request.path_params["site_id"])
        if not 1 <= site_id <= MAX_ID:
            raise SignalingError(ErrorCode.NOT_FOUND, "site_id", field="site_id")
        by = caller.principal.by
        session = await asyncio.to_thread(remove_roster_site, self.store, session_id, site_id)
        self.audit_log.record(session_id, by, "roster_remove", site_id=site_id)
        try:
            await self.sessions.roster_removed(session_id, site_id, by)
        except HostSite:  # pragma: no cover - the store refused the host already
            raise SignalingError(
                ErrorCode.CONFLICT, "the host", field="site_id", problem=Problem.HOST
            ) from None
        return {"session": session_json(session)}
