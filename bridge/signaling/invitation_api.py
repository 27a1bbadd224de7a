"""The HTTP routes of invitations (docs/api.md, "Invitations"; docs/office.md): one roster
hall's invitation to a session, as a printable page (``text/html``) and as a calendar
file (``text/calendar``).

``InvitationRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). Each call
issues the hall a fresh join link (``use_cases.issue_join_link``) valid at least until the
session has ended, and says so in the audit log; the documents themselves are made by
``bridge.invitations``, which is pure.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from bridge.invitations import Invitation, NoticeLine, render_html, render_ics
from bridge.invitations.document import ASSUMED_LENGTH
from bridge.live.audit import AuditLog
from bridge.settings import Settings
from bridge.signaling.errors import ErrorCode, Problem, SignalingError
from bridge.store import Conflict, NotFound, Session, SessionState, Store
from bridge.use_cases import issue_join_link

MAX_ID = 2**53
# A link in an invitation stays good this long after the session's end (a session that
# runs late, a hall that rejoins), and never less than the bridge's usual link.
LINK_AFTER_END = timedelta(days=1)


def notice_lines(store: Store, session_id: int) -> tuple[NoticeLine, ...]:
    """The session's notices still posted (not withdrawn), as the invitation lists them."""
    return tuple(
        NoticeLine(notice.kind, notice.title, notice.file.name if notice.file else None)
        for notice in store.notices.list(session_id, withdrawn=False)
    )


def build_invitation(
    store: Store, settings: Settings, session: Session, site_id: int, now: datetime
) -> Invitation:
    """Gather one hall's invitation, issuing its link. Refusals are ``SignalingError``s."""
    if session.state is SessionState.CLOSED:
        raise SignalingError(ErrorCode.SESSION_CLOSED, "no invitation to a closed session")
    schedule = store.sessions.schedule(session.id)
    if schedule.starts_at is None:
        raise SignalingError(
            ErrorCode.CONFLICT,
            "the session has no start time yet",
            field="starts_at",
            problem=Problem.MISSING,
        )
    tz = settings.office_timezone
    end = schedule.ends_at or schedule.starts_at + ASSUMED_LENGTH
    valid_for = max(timedelta(hours=settings.join_token_hours), end + LINK_AFTER_END - now)
    try:
        link = issue_join_link(store, session.id, site_id, valid_for, settings.base_url)
    except NotFound:
        raise SignalingError(
            ErrorCode.UNKNOWN_SITE, f"site {site_id} is not on the roster", field="site_id"
        ) from None
    except Conflict as exc:  # closed since it was read
        raise SignalingError(ErrorCode.SESSION_CLOSED, str(exc)) from None
    host = store.sites.get(session.host_site_id).name
    return Invitation(
        session_id=session.id,
        site_id=site_id,
        title=session.title,
        issuer=(settings.office_name.strip() or host).upper(),
        hall=str(link["site_name"]),
        host=host,
        starts_at=schedule.starts_at,
        ends_at=schedule.ends_at,
        window=store.sessions.test_window(session.id, tz=tz),
        link=str(link["url"]),
        link_expires_at=datetime.fromisoformat(str(link["expires_at"])),
        issued_at=now,
        uid_domain=urlsplit(settings.base_url).hostname or "bridge",
        place=settings.office_place,
        agenda=store.bookings.agenda_of(session.id),
        notices=notice_lines(store, session.id),
        tz=tz,
    )


class InvitationRoutes:
    """The invitation routes of ``api.Api``, which provides these."""

    store: Store
    audit_log: AuditLog
    settings: Settings

    async def _invitation(self, request: Request, caller: Any, kind: str) -> Invitation:
        session = caller.session
        assert session is not None
        site_id = int(request.path_params["site_id"])
        if not 1 <= site_id <= MAX_ID:
            raise SignalingError(ErrorCode.NOT_FOUND, "site_id", field="site_id")
        now = self.store.db.clock()
        invitation = await asyncio.to_thread(
            build_invitation, self.store, self.settings, session, site_id, now
        )
        self.audit_log.record(
            session.id,
            caller.principal.by,
            "issue_invitation",
            site_id=site_id,
            format=kind,
            expires_at=invitation.link_expires_at.isoformat(),
        )
        return invitation

    async def invitation_html(self, request: Request, caller: Any, _: None) -> Response:
        """The printable invitation (a fresh link in it)."""
        invitation = await self._invitation(request, caller, "html")
        return Response(render_html(invitation), media_type="text/html; charset=utf-8")

    async def invitation_ics(self, request: Request, caller: Any, _: None) -> Response:
        """The invitation as an ``.ics`` file (a fresh link in it)."""
        invitation = await self._invitation(request, caller, "ics")
        name = f"giay-moi-phien-{invitation.session_id}-diem-cau-{invitation.site_id}.ics"
        return Response(
            render_ics(invitation),
            media_type="text/calendar; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
