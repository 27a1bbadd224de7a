"""``store.recordings``: the files a session was recorded into, and who fetched them.

A recording is a row from the moment its file is opened (``recording``), so a bridge that
dies mid-session leaves a row that says so (``fail_unfinished`` on the next start marks it
``failed``). Once the writer closed and hashed the file the row is ``complete`` with its
size, SHA-256, duration and chapters; the retention purge deletes the file and marks the
row ``deleted`` (the row, its hash and its access log stay on record). Every download of a
file or a manifest is one ``recording_access`` row.

The session's ``record`` flag (and its booking's) says the session is recorded from its
opening: ``wants_recording``.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import Conflict, NotFound

STATES = tuple(t.RECORDING_STATES)
ACCESS_ACTIONS = ("download", "manifest")


@dataclass(frozen=True, slots=True)
class Recording:
    id: int
    session_id: int
    file: str  # the file's name under the recordings folder
    state: str  # recording, complete, failed, deleted
    started_at: datetime
    started_by: str
    ended_at: datetime | None = None
    bytes: int | None = None
    sha256: str | None = None
    duration_s: float | None = None
    codec: str | None = None
    chapters: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RecordingAccess:
    id: int
    recording_id: int
    at: datetime
    by: str
    action: str


class Recordings:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- the writer's side ---------------------------------------------------------------

    def start(
        self, session_id: int, file: str, started_by: str, started_at: datetime | None = None
    ) -> Recording:
        """A new recording of the session, being written into ``file``."""
        at = started_at or self._db.clock()
        with self._db.write() as conn:
            found = select(t.sessions.c.id).where(t.sessions.c.id == session_id)
            if conn.execute(found).first() is None:
                raise NotFound(f"no session {session_id}")
            key = conn.execute(
                insert(t.recordings).values(
                    session_id=session_id,
                    file=file,
                    state="recording",
                    started_at=at,
                    started_by=started_by,
                    chapters="[]",
                )
            ).inserted_primary_key
        assert key is not None
        return self.get(int(key[0]))

    def complete(
        self,
        recording_id: int,
        *,
        file: str | None = None,
        ended_at: datetime,
        bytes: int,
        sha256: str,
        duration_s: float,
        codec: str | None,
        chapters: builtins.list[dict[str, Any]],
    ) -> Recording:
        """The file is closed, hashed and its manifest written (``file``: its final name,
        when the writer chose another suffix)."""
        named = {} if file is None else {"file": file}
        return self._finish(
            recording_id,
            "complete",
            **named,
            ended_at=ended_at,
            bytes=bytes,
            sha256=sha256,
            duration_s=duration_s,
            codec=codec,
            chapters=json.dumps(chapters, ensure_ascii=False),
        )

    def fail(self, recording_id: int, ended_at: datetime | None = None) -> Recording:
        """The writer gave up (a full disk, a crash): whatever file there is stays."""
        return self._finish(recording_id, "failed", ended_at=ended_at or self._db.clock())

    def _finish(self, recording_id: int, state: str, **values: Any) -> Recording:
        with self._db.write() as conn:
            done = conn.execute(
                update(t.recordings)
                .where(t.recordings.c.id == recording_id, t.recordings.c.state == "recording")
                .values(state=state, **values)
            )
        if done.rowcount == 0:
            current = self.get(recording_id)  # NotFound if there is none
            raise Conflict(f"recording {recording_id} is {current.state}", field="recording_id")
        return self.get(recording_id)

    def fail_unfinished(self) -> builtins.list[Recording]:
        """On start: recordings still ``recording`` were cut off by the bridge stopping."""
        with self._db.write() as conn:
            rows = conn.execute(
                select(t.recordings).where(t.recordings.c.state == "recording")
            ).all()
            conn.execute(
                update(t.recordings)
                .where(t.recordings.c.state == "recording")
                .values(state="failed", ended_at=self._db.clock())
            )
        return [self.get(row.id) for row in rows]

    # ---- reading ---------------------------------------------------------------------------

    def get(self, recording_id: int) -> Recording:
        with self._db.read() as conn:
            row = conn.execute(
                select(t.recordings).where(t.recordings.c.id == recording_id)
            ).first()
        if row is None:
            raise NotFound(f"no recording {recording_id}", field="recording_id")
        return recording_of(row)

    def for_session(self, session_id: int) -> builtins.list[Recording]:
        """The session's recordings, oldest first."""
        query = (
            select(t.recordings)
            .where(t.recordings.c.session_id == session_id)
            .order_by(t.recordings.c.id)
        )
        with self._db.read() as conn:
            return [recording_of(row) for row in conn.execute(query)]

    def recording_now(self, session_ids: builtins.list[int]) -> set[int]:
        """Those of the sessions with a recording being written now (the office's marks)."""
        if not session_ids:
            return set()
        query = select(t.recordings.c.session_id).where(
            t.recordings.c.state == "recording", t.recordings.c.session_id.in_(session_ids)
        )
        with self._db.read() as conn:
            return {row.session_id for row in conn.execute(query)}

    # ---- access log ------------------------------------------------------------------------

    def log_access(self, recording_id: int, by: str, action: str) -> RecordingAccess:
        if action not in ACCESS_ACTIONS:
            raise ValueError(f"not an access action: {action!r}")
        at = self._db.clock()
        with self._db.write() as conn:
            key = conn.execute(
                insert(t.recording_access).values(
                    recording_id=recording_id, at=at, by=by, action=action
                )
            ).inserted_primary_key
        assert key is not None
        return RecordingAccess(int(key[0]), recording_id, at, by, action)

    def access(self, recording_id: int) -> builtins.list[RecordingAccess]:
        """Who fetched the recording (or its manifest), oldest first."""
        query = (
            select(t.recording_access)
            .where(t.recording_access.c.recording_id == recording_id)
            .order_by(t.recording_access.c.id)
        )
        with self._db.read() as conn:
            return [
                RecordingAccess(row.id, row.recording_id, row.at, row.by, row.action)
                for row in conn.execute(query)
            ]

    # ---- retention -------------------------------------------------------------------------

    def expired(self, before: datetime) -> builtins.list[Recording]:
        """Finished recordings (complete or failed) that started before ``before``."""
        query = (
            select(t.recordings)
            .where(
                t.recordings.c.state.in_(("complete", "failed")),
                t.recordings.c.started_at < before,
            )
            .order_by(t.recordings.c.id)
        )
        with self._db.read() as conn:
            return [recording_of(row) for row in conn.execute(query)]

    def mark_deleted(self, recording_id: int) -> Recording:
        with self._db.write() as conn:
            conn.execute(
                update(t.recordings)
                .where(t.recordings.c.id == recording_id)
                .values(state="deleted")
            )
        return self.get(recording_id)

    # ---- the record flag (a booking asks for recording) ------------------------------------

    def wants_recording(self, session_id: int) -> bool:
        """The session, or the booking it was made from, asks to be recorded from its
        opening."""
        with self._db.read() as conn:
            own = conn.execute(
                select(t.sessions.c.record).where(t.sessions.c.id == session_id)
            ).scalar()
            booked = conn.execute(
                select(t.bookings.c.id)
                .where(t.bookings.c.session_id == session_id, t.bookings.c.record.is_(True))
                .limit(1)
            ).first()
        return bool(own) or booked is not None

    def set_session_record(self, session_id: int, on: bool) -> None:
        with self._db.write() as conn:
            done = conn.execute(
                update(t.sessions).where(t.sessions.c.id == session_id).values(record=on)
            )
        if done.rowcount == 0:
            raise NotFound(f"no session {session_id}")

    def set_booking_record(self, booking_id: int, on: bool) -> None:
        with self._db.write() as conn:
            done = conn.execute(
                update(t.bookings).where(t.bookings.c.id == booking_id).values(record=on)
            )
        if done.rowcount == 0:
            raise NotFound(f"no booking {booking_id}", field="booking_id")

    def booking_record(self, booking_id: int) -> bool:
        with self._db.read() as conn:
            return bool(
                conn.execute(
                    select(t.bookings.c.record).where(t.bookings.c.id == booking_id)
                ).scalar()
            )


def recording_of(row: Row[Any]) -> Recording:
    return Recording(
        id=row.id,
        session_id=row.session_id,
        file=row.file,
        state=row.state,
        started_at=row.started_at,
        started_by=row.started_by,
        ended_at=row.ended_at,
        bytes=row.bytes,
        sha256=row.sha256,
        duration_s=row.duration_s,
        codec=row.codec,
        chapters=json.loads(row.chapters or "[]"),
    )
