"""The audit log: every operator action and every join and leave, with who and when.

It is the live sessions' first event subscriber. A handler on the loop only puts a record
in a bounded queue (never waits: when the store falls behind by ``limit`` records, new ones
are dropped and counted, and a warning is logged); a writer task takes them in batches and
writes each batch in one transaction from a worker thread, so the mixer clock never waits
on the database. HTTP and CLI actions that change a session are recorded through
``record`` in the same log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bridge.conference import (
    Event,
    FloorChanged,
    RecordingChanged,
    RosterChanged,
    SessionChanged,
    ShownChanged,
    SiteChanged,
    SitesChanged,
)
from bridge.live.session import LiveSession

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000
BATCH = 500


@dataclass(frozen=True)
class AuditRecord:
    session_id: int | None
    at: datetime
    by: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


def _site(event: SiteChanged) -> dict[str, Any]:
    s = event.site
    return {
        "site_id": s.id,
        "state": str(s.state),
        "muted": s.muted,
        "hand_raised": s.hand_raised,
        "removed": s.removed,
    }


def _sites(event: SitesChanged) -> dict[str, Any]:
    return {
        "sites": [{"site_id": s.id, "state": str(s.state), "muted": s.muted} for s in event.sites]
    }


_DETAIL: dict[type, Callable[[Any], dict[str, Any]]] = {
    SiteChanged: _site,
    SitesChanged: _sites,
    SessionChanged: lambda e: {"state": e.state},
    ShownChanged: lambda e: {"site_id": e.shown.site_id, "mode": str(e.shown.mode)},
    FloorChanged: lambda e: {"site_id": e.site_id},
    RecordingChanged: lambda e: {"recording": e.recording},
}


def record_of(session_id: int, event: Event) -> AuditRecord:
    return AuditRecord(session_id, event.at, event.by, event.cause, _DETAIL[type(event)](event))


class AuditLog:
    def __init__(
        self, write: Callable[[list[AuditRecord]], None], limit: int = QUEUE_LIMIT
    ) -> None:
        self._write = write
        self._queue: asyncio.Queue[AuditRecord] = asyncio.Queue(limit)
        self.dropped = 0

    def subscribe(self, live: LiveSession) -> None:
        session_id = live.conference.session_id

        def write(event: Event) -> None:
            # A roster change is recorded by the boundary that changed the store
            # (``roster_add`` / ``roster_remove``), live session or not: once, not twice.
            if not isinstance(event, RosterChanged):
                self.put(record_of(session_id, event))

        live.effects.on_every(write)

    def record(self, session_id: int | None, by: str, action: str, **detail: Any) -> None:
        self.put(AuditRecord(session_id, datetime.now(UTC), by, action, detail))

    def put(self, record: AuditRecord) -> None:
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("audit log behind: %d records dropped", self.dropped)

    async def run(self) -> None:
        """Write what arrives, a batch at a time, until cancelled (then what is left)."""
        try:
            while True:
                batch = [await self._queue.get()]
                await self._drain_into(batch)
        except asyncio.CancelledError:
            await self.flush()
            raise

    async def flush(self) -> None:
        """Write everything queued now (tests, shutdown)."""
        batch: list[AuditRecord] = []
        await self._drain_into(batch)

    async def _drain_into(self, batch: list[AuditRecord]) -> None:
        while True:
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if not batch:
                return
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:  # a busy store: the records are lost, the session goes on
                log.exception("writing %d audit records failed", len(batch))
            batch = []
            if self._queue.empty():
                return
