"""The HTTP routes of recordings (docs/api.md, "Recordings"): start and stop recording a
session, list its recordings, download one (logged), read its manifest.

``RecordingRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). A recording's
routes name it ``recording_id``; the policy decides on the session it belongs to, looked up
before the handler runs (``recording_session``). Starting and stopping goes through the
live session's conference (``SetRecording``) exactly as the console's ``record`` message
does: everyone is told (``recording``), the audit log takes it from the event. A download
is an attachment, ``nosniff``, logged once per request in ``recording_access`` and in the
audit log.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from bridge.conference import Conference, SetRecording
from bridge.live import LiveSessions, SessionUnavailable
from bridge.live.audit import AuditLog
from bridge.live.recording import LiveRecordings
from bridge.permissions import Action, Principal, SessionScope, authorize
from bridge.recording import manifest_path
from bridge.signaling import messages as m
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, SignalingError
from bridge.signaling.outbound import recording_entry
from bridge.signaling.tickets import DownloadTickets
from bridge.store import NotFound, Session, SessionState, Store
from bridge.store.recordings import Recording

MAX_ID = 2**53
MEDIA_TYPES = {".webm": "video/webm", ".mkv": "video/x-matroska"}


def state_json(conference: Conference | None) -> s.RecordingStateJson:
    if conference is None:
        return {"on": False, "since": None}
    entry = recording_entry(conference)
    return {"on": entry["on"], "since": entry["since"]}


def recording_json(recording: Recording, may_download: bool) -> s.RecordingJson:
    complete = recording.state == "complete"
    return {
        "id": recording.id,
        "session_id": recording.session_id,
        "file": recording.file,
        "state": recording.state,  # type: ignore[typeddict-item]
        "started_at": recording.started_at.isoformat(),
        "ended_at": recording.ended_at.isoformat() if recording.ended_at else None,
        "bytes": recording.bytes,
        "sha256": recording.sha256,
        "duration_s": recording.duration_s,
        "codec": recording.codec,
        "started_by": recording.started_by,
        "chapters": recording.chapters,  # type: ignore[typeddict-item]
        "download_url": f"/api/recordings/{recording.id}" if complete else None,
        "manifest_url": f"/api/recordings/{recording.id}/manifest" if complete else None,
        "may_download": may_download,
    }


def _recording_id(request: Request) -> int:
    recording_id: int = request.path_params["recording_id"]
    if not 1 <= recording_id <= MAX_ID:
        raise SignalingError(ErrorCode.NOT_FOUND, "recording_id", field="recording_id")
    return recording_id


class RecordingRoutes:
    store: Store
    sessions: LiveSessions
    audit_log: AuditLog
    recordings: LiveRecordings
    tickets: DownloadTickets

    async def recording_session(self, request: Request) -> Session:
        """The session a ``/api/recordings/{recording_id}`` route is about (the policy's
        scope); ``not_found`` for a recording that does not exist."""
        recording = await asyncio.to_thread(self.store.recordings.get, _recording_id(request))
        return await asyncio.to_thread(self.store.sessions.get, recording.session_id)

    async def set_recording(
        self, request: Request, caller: Any, body: m.RecordingBody
    ) -> s.RecordingControlReply:
        """Start or stop recording: only an open session (a live one is opened for it)."""
        session: Session = caller.session
        if session.state is SessionState.CLOSED:
            raise SignalingError(ErrorCode.SESSION_CLOSED, "recording a closed session")
        if body.on and session.state is not SessionState.OPEN:
            raise SignalingError(ErrorCode.SESSION_NOT_OPEN, "recording a session not open")
        live = self.sessions.find(session.id)
        if live is None and body.on:
            try:
                live = await self.sessions.get(session.id)
            except SessionUnavailable as exc:
                raise SignalingError(ErrorCode(exc.code)) from None
        if live is not None:
            if body.on and live.conference.state != "open":  # still in its test window
                raise SignalingError(ErrorCode.SESSION_NOT_OPEN, "recording a session not open")
            live.command(SetRecording(body.on, caller.principal.by))
        return {"recording": state_json(live.conference if live else None)}

    async def list_recordings(self, request: Request, caller: Any, _: None) -> s.RecordingsReply:
        session: Session = caller.session
        found = await asyncio.to_thread(self.store.recordings.for_session, session.id)
        may = _may_download(caller.principal, caller.session)
        live = self.sessions.find(session.id)
        return {
            "recording": state_json(live.conference if live else None),
            "recordings": [recording_json(r, may) for r in found],
        }

    async def download_recording(self, request: Request, caller: Any, _: None) -> Response:
        recording = await self._complete(request)
        path = self.recordings.path_of(recording)
        if not path.is_file():
            raise SignalingError(
                ErrorCode.RECORDING_UNAVAILABLE, "file missing", field="recording_id"
            )
        await self._log(recording, caller.principal, "download")
        return FileResponse(
            path,
            media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
            filename=path.name,
            content_disposition_type="attachment",
            headers={"x-content-type-options": "nosniff"},
        )

    async def recording_ticket(self, request: Request, caller: Any, _: None) -> s.TicketReply:
        """A one-time link to a complete recording's file (tickets.py), for the page to
        hand to the browser's download manager; the download itself is logged."""
        recording = await self._complete(request)
        ticket = self.tickets.issue(recording.id, caller.token, time.monotonic())
        expires = datetime.now(UTC) + timedelta(seconds=self.tickets.ttl_s)
        return {
            "url": f"/api/recordings/{recording.id}?ticket={ticket}",
            "expires_at": expires.isoformat(),
        }

    async def recording_manifest(self, request: Request, caller: Any, _: None) -> s.ManifestReply:
        recording = await self._complete(request)
        path = manifest_path(self.recordings.path_of(recording))
        try:
            text = await asyncio.to_thread(path.read_text, "utf-8")
            content: s.ManifestReply = json.loads(text)
        except (OSError, ValueError):
            raise SignalingError(
                ErrorCode.RECORDING_UNAVAILABLE, "manifest missing", field="recording_id"
            ) from None
        await self._log(recording, caller.principal, "manifest")
        return content

    async def _complete(self, request: Request) -> Recording:
        try:
            recording = await asyncio.to_thread(self.store.recordings.get, _recording_id(request))
        except NotFound:
            raise SignalingError(
                ErrorCode.NOT_FOUND, "recording_id", field="recording_id"
            ) from None
        if recording.state != "complete":
            raise SignalingError(
                ErrorCode.RECORDING_UNAVAILABLE, recording.state, field="recording_id"
            )
        return recording

    async def _log(self, recording: Recording, principal: Principal, action: str) -> None:
        await asyncio.to_thread(
            self.store.recordings.log_access, recording.id, principal.by, action
        )
        self.audit_log.record(
            recording.session_id, principal.by, f"recording_{action}", recording_id=recording.id
        )


def _may_download(principal: Principal, session: Session) -> bool:
    from bridge.signaling.scope import session_scope

    scope: SessionScope = session_scope(session)
    return authorize(principal, Action.RECORDING_DOWNLOAD, scope).allowed
