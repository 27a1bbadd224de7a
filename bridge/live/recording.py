"""Recording in a live session: the shell around bridge.recording's ``Recorder``.

The conference decides whether the session is recorded (``SetRecording`` →
``RecordingChanged``); this shell does what that means, as effect handlers registered on
each live session (a ``LiveSessions.on_open`` hook, after the broadcast and the audit):

- recording on: a ``Recorder`` writes a new file under the recordings folder, the media
  side feeds it (``MediaSide.record``: the shared mix's Opus every tick, the forwarder's
  frames), it is told the shown site and the floor as they are now, and a ``recording``
  row is stored (from a worker thread: the 20 ms mixer clock shares this loop);
- every ``ShownChanged`` and ``FloorChanged`` goes to it (which site's video it keeps, and
  the file's chapters);
- recording off — an operator's command, or the session closing (the conference stops the
  recording before it closes) — the media stops feeding it and a task finishes the file
  (chapters, SHA-256 manifest) and marks the row ``complete`` (or ``failed``), audited.
  ``drain`` waits for those tasks (shutdown, tests).

A session whose booking asked for recording (``store.recordings.wants_recording``) is
recorded from its opening — the first time only: once it has a recording, an operator who
stopped it decides. A session that was being recorded when the bridge stopped (its
snapshot says so) is recorded again in a new file when it is taken up; the cut-off file's
row was marked ``failed`` on start (``store.recordings.fail_unfinished``).

Retention: ``purge`` deletes the files of recordings older than the retention and marks
their rows ``deleted`` (audited); ``follow_retention`` runs it for the server's lifetime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bridge.conference import (
    FloorChanged,
    RecordingChanged,
    SessionChanged,
    SetRecording,
    ShownChanged,
)
from bridge.live.session import LiveSession
from bridge.recording import Recorder, RecordingFailed, RecordingResult, manifest_path
from bridge.store import Store
from bridge.store.recordings import Recording

log = logging.getLogger(__name__)

#: Who starts a recording a booking asked for, and who stops one that cannot be written.
BY_BOOKING = "booking"
BY_SYSTEM = "system:recording"
BY_RETENTION = "system:retention"
PURGE_EVERY_S = 3600.0

# ``record(session_id, by, action, **detail)``: the audit log's ``record``.
Audit = Callable[..., None]


def file_name(session_id: int, at: datetime) -> str:
    """``session-12-20261202T080000Z.webm``: the session and the start, sortable; the
    recorder gives H.264 the ``.mkv`` it needs."""
    return f"session-{session_id}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.webm"


@dataclass
class _Running:
    recorder: Recorder
    row: asyncio.Task[Recording | None]
    by: str


class SessionRecording:
    """The recording of one live session (at most one file at a time)."""

    def __init__(self, owner: LiveRecordings, live: LiveSession) -> None:
        self._owner = owner
        self.live = live
        self.session_id = live.conference.session_id
        self.running: _Running | None = None
        live.effects.on(RecordingChanged, handler=self._changed)
        live.effects.on(ShownChanged, handler=self._shown)
        live.effects.on(FloorChanged, handler=self._floor)
        live.effects.on(SessionChanged, handler=self._session)

    # ---- effect handlers (on the loop: nothing here waits) -------------------------------

    def _changed(self, event: RecordingChanged) -> None:
        if event.recording:
            self.start(event.by, event.at)
        else:
            self.stop()

    def _shown(self, event: ShownChanged) -> None:
        if self.running is not None:
            self.running.recorder.show(event.shown.site_id, event.at)

    def _floor(self, event: FloorChanged) -> None:
        if self.running is not None:
            self.running.recorder.floor(event.site_id, event.at)

    def _session(self, event: SessionChanged) -> None:
        if event.state == "open":  # a session live for its test window opened
            self._owner.spawn(self._booked())
        elif event.state == "closed":  # its file is being finished: nothing more to hold
            self._owner.sessions.pop(self.session_id, None)

    # ---- start and stop --------------------------------------------------------------------

    def start(self, by: str, at: datetime) -> None:
        if self.running is not None:
            return
        conference = self.live.conference
        owner = self._owner
        path = owner.directory / file_name(self.session_id, at)
        try:
            owner.directory.mkdir(parents=True, exist_ok=True)
            recorder = Recorder(
                path,
                at,
                {site.id: site.name for site in conference.roster()},
                self.live.media.request_keyframe,
                metadata={"title": conference.title},
            )
        except Exception:  # a folder that cannot be made: the session goes on, unrecorded
            log.exception("session %s: recording could not start", self.session_id)
            owner.audit(self.session_id, BY_SYSTEM, "recording_failed", file=path.name)
            self._turn_off()
            return
        recorder.show(conference.shown.site_id, at)
        if conference.floor is not None:
            recorder.floor(conference.floor, at)
        self.live.media.record(recorder)
        row = asyncio.get_running_loop().create_task(self._store_start(path.name, by, at))
        self.running = _Running(recorder, row, by)

    def stop(self) -> None:
        running, self.running = self.running, None
        if running is None:
            return
        self.live.media.record(None)
        self._owner.spawn(self._finish(running))

    def _turn_off(self) -> None:
        """Stop recording in the conference (everyone is told), after this event's handlers."""

        def off() -> None:
            if not self.live.conference.closed:
                self.live.command(SetRecording(False, BY_SYSTEM))

        asyncio.get_running_loop().call_soon(off)

    async def _store_start(self, name: str, by: str, at: datetime) -> Recording | None:
        store = self._owner.store
        try:
            row = await asyncio.to_thread(store.recordings.start, self.session_id, name, by, at)
        except Exception:
            log.exception("session %s: recording row not stored", self.session_id)
            return None
        self._owner.audit(
            self.session_id, by, "recording_started", recording_id=row.id, file=row.file
        )
        return row

    async def _finish(self, running: _Running) -> None:
        store, audit = self._owner.store, self._owner.audit
        try:
            result: RecordingResult | None = await running.recorder.stop()
            error = ""
        except RecordingFailed as exc:
            result, error = None, str(exc)
        except Exception as exc:  # never leave a row "recording" behind
            log.exception("session %s: finishing the recording failed", self.session_id)
            result, error = None, str(exc) or type(exc).__name__
        row = await running.row
        if row is None:
            return
        try:
            if result is None:
                await asyncio.to_thread(store.recordings.fail, row.id)
                audit(self.session_id, BY_SYSTEM, "recording_failed", recording_id=row.id,
                      error=error[:200])  # fmt: skip
                return
            done = await asyncio.to_thread(
                store.recordings.complete,
                row.id,
                file=result.path.name,
                ended_at=result.ended_at,
                bytes=result.bytes,
                sha256=result.sha256,
                duration_s=round(result.duration_s, 3),
                codec=result.codec,
                chapters=result.chapters_json(),
            )
        except Exception:
            log.exception("session %s: recording %s not marked finished", self.session_id, row.id)
            return
        audit(
            self.session_id,
            BY_SYSTEM,
            "recording_complete",
            recording_id=done.id,
            file=done.file,
            bytes=done.bytes,
            sha256=done.sha256,
            duration_s=done.duration_s,
            dropped=result.dropped,
            finish_s=round(result.finish_s, 3),
        )

    # ---- taken up again, or booked -------------------------------------------------------

    def taken_up(self) -> None:
        """Just attached: a restored recording goes on in a new file; a booked one starts."""
        conference = self.live.conference
        if conference.recording and not conference.closed:
            now = datetime.now(UTC)
            conference.recording_since = now
            self.start(BY_SYSTEM, now)
        elif conference.state == "open":
            self._owner.spawn(self._booked())

    async def _booked(self) -> None:
        """Start recording if the session (its booking) asks for it and has no recording
        yet: an operator who stopped one is not overruled."""
        store = self._owner.store
        try:
            wanted = await asyncio.to_thread(store.recordings.wants_recording, self.session_id)
            had = await asyncio.to_thread(store.recordings.for_session, self.session_id)
        except Exception:
            log.exception("session %s: the record flag not read", self.session_id)
            return
        conference = self.live.conference
        if wanted and not had and conference.state == "open" and not conference.recording:
            self.live.command(SetRecording(True, BY_BOOKING))


class LiveRecordings:
    """Every live session's recording; ``attach`` is a ``LiveSessions.on_open`` hook."""

    def __init__(
        self,
        store: Store,
        directory: Path,
        audit: Audit,
        retention_days: int = 365,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.directory = Path(directory)
        self.audit = audit
        self.retention_days = retention_days
        self._now = now
        self.sessions: dict[int, SessionRecording] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, live: LiveSession) -> None:
        recording = SessionRecording(self, live)
        self.sessions[recording.session_id] = recording
        recording.taken_up()

    def spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every file being finished is finished (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def path_of(self, recording: Recording) -> Path:
        """The recording's file (its name only: a row never points outside the folder)."""
        return self.directory / Path(recording.file).name

    # ---- retention -----------------------------------------------------------------------

    async def purge(self) -> list[int]:
        """Delete the files of recordings older than the retention; their rows are marked
        ``deleted`` and each deletion audited. The recordings deleted."""
        cutoff = self._now() - timedelta(days=self.retention_days)
        expired = await asyncio.to_thread(self.store.recordings.expired, cutoff)
        deleted = []
        for recording in expired:
            path = self.path_of(recording)
            try:
                await asyncio.to_thread(_delete, path)
                await asyncio.to_thread(self.store.recordings.mark_deleted, recording.id)
            except Exception:  # a file that cannot be deleted now: next time
                log.exception("recording %s not deleted", recording.id)
                continue
            deleted.append(recording.id)
            self.audit(
                recording.session_id,
                BY_RETENTION,
                "recording_deleted",
                recording_id=recording.id,
                file=recording.file,
                retention_days=self.retention_days,
            )
        return deleted

    async def follow_retention(self, interval: float = PURGE_EVERY_S) -> None:
        while True:
            try:
                await self.purge()
            except Exception:  # a busy store: next time
                log.exception("purging old recordings failed")
            await asyncio.sleep(interval)


def _delete(path: Path) -> None:
    path.unlink(missing_ok=True)
    manifest_path(path).unlink(missing_ok=True)
