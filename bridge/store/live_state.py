"""``store.live_state``: each open session's live state, so a restart does not forget it.

One row per session holding a JSON document (the conference's snapshot, made and read by
bridge/conference/snapshot.py: the store neither knows nor checks its shape), replaced
whole on every save. A save is one small upsert; the live layer writes at most one at a
time per server, coalescing changes in between, so the latest state always wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.store import schema as t
from bridge.store.engine import Database


@dataclass(frozen=True)
class SavedLiveState:
    session_id: int
    snapshot: Any  # what was saved, parsed from JSON
    saved_at: datetime


class LiveStates:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, session_id: int, snapshot: Any) -> None:
        """Replace the session's saved state with ``snapshot`` (anything JSON can hold)."""
        text = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))
        row = {"session_id": session_id, "snapshot": text, "saved_at": self._db.clock()}
        upsert = sqlite_insert(t.live_state).values(row)
        upsert = upsert.on_conflict_do_update(
            index_elements=["session_id"],
            set_={"snapshot": upsert.excluded.snapshot, "saved_at": upsert.excluded.saved_at},
        )
        with self._db.write() as conn:
            conn.execute(upsert)

    def get(self, session_id: int) -> SavedLiveState | None:
        """The session's saved state, or None if nothing was saved (or it is not JSON)."""
        c = t.live_state.c
        with self._db.read() as conn:
            row = conn.execute(
                select(c.snapshot, c.saved_at).where(c.session_id == session_id)
            ).first()
        if row is None:
            return None
        try:
            snapshot = json.loads(row.snapshot)
        except ValueError:
            return None
        return SavedLiveState(session_id, snapshot, row.saved_at)

    def clear(self, session_id: int) -> None:
        with self._db.write() as conn:
            conn.execute(delete(t.live_state).where(t.live_state.c.session_id == session_id))
