"""``store.audit``: the audit log, append only.

Entries arrive in batches from a subscriber off the event loop; a batch is one transaction
(one fsync for hundreds of entries). Reading is by session, oldest first, in pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.records import AuditEntry

MAX_PAGE = 1000


class NewAuditEntry(Protocol):
    """What ``append`` needs of an entry (an ``AuditEntry`` has it; the id is not used)."""

    @property
    def session_id(self) -> int | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def by(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...


class AuditTrail:
    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, entries: Sequence[NewAuditEntry]) -> None:
        """Write the entries, in one transaction. ``at`` must be aware; ``detail`` is kept
        as JSON (what JSON cannot hold is kept as its ``str``)."""
        if not entries:
            return
        rows = [
            {
                "session_id": e.session_id,
                "at": e.at,
                "by": e.by,
                "action": e.action,
                "detail": json.dumps(dict(e.detail), ensure_ascii=False, default=str),
            }
            for e in entries
        ]
        with self._db.write() as conn:
            conn.execute(insert(t.audit), rows)

    def record(self, session_id: int | None, by: str, action: str, **detail: Any) -> None:
        """One entry now (the command line's actions; the live sessions write batches)."""
        entry = AuditEntry(0, session_id, self._db.clock(), by, action, detail)
        self.append([entry])

    def for_session(
        self, session_id: int, limit: int = MAX_PAGE, after_id: int | None = None
    ) -> list[AuditEntry]:
        """The session's entries oldest first, at most ``limit`` (capped at 1000), after
        the entry ``after_id`` if given (the last id of the page before)."""
        a = t.audit.c
        query = (
            select(t.audit)
            .where(a.session_id == session_id)
            .order_by(a.id)
            .limit(max(0, min(limit, MAX_PAGE)))
        )
        if after_id is not None:
            query = query.where(a.id > after_id)
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return [
            AuditEntry(r.id, r.session_id, r.at, r.by, r.action, json.loads(r.detail)) for r in rows
        ]
