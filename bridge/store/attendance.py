"""``store.attendance``: the roll call of each session, one mark per roster hall (the
latest; every mark is audited as well, so changes stay on record).

What attendance measures is not stored: it is read from the audit log each time
(``bridge.attendance.build``), so it can never disagree with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.attendance.model import RollCall, RollCallMark
from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import NotFound


class Attendance:
    def __init__(self, db: Database) -> None:
        self._db = db

    def mark(self, session_id: int, roll_call: RollCall) -> RollCall:
        """Keep ``roll_call`` as the site's mark in the session (replacing an earlier one),
        stamped now unless it has its time. ``NotFound`` for an unknown session."""
        at: datetime = roll_call.at or self._db.clock()
        values = {
            "session_id": session_id,
            "site_id": roll_call.site_id,
            "mark": roll_call.mark.value,
            "reason": roll_call.reason,
            "at_site_id": roll_call.at_site_id,
            "by": roll_call.by,
            "at": at,
        }
        with self._db.write() as conn:
            found = select(t.sessions.c.id).where(t.sessions.c.id == session_id)
            if conn.execute(found).first() is None:
                raise NotFound(f"no session {session_id}")
            upsert = sqlite_insert(t.roll_calls).values(**values)
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=["session_id", "site_id"],
                    set_={
                        k: upsert.excluded[k] for k in values if k not in ("session_id", "site_id")
                    },
                )
            )
        return RollCall(
            roll_call.site_id,
            roll_call.mark,
            roll_call.reason,
            roll_call.at_site_id,
            roll_call.by,
            at,
        )

    def roll_calls(self, session_id: int) -> dict[int, RollCall]:
        """The session's marks by site id (sites never marked are absent from it)."""
        c = t.roll_calls.c
        query = select(t.roll_calls).where(c.session_id == session_id).order_by(c.site_id)
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return {
            r.site_id: RollCall(r.site_id, RollCallMark(r.mark), r.reason, r.at_site_id, r.by, r.at)
            for r in rows
        }
