"""Keeping each live session's state in the store, so a restarted bridge takes it up again.

An effect handler on every event only marks the session changed (a dictionary write: the
20 ms mixer clock shares this loop). One writer task at most, for all sessions: it takes
each changed session's snapshot (bridge/conference/snapshot.py) on the loop at the moment
it writes, so whatever happened while the previous write was in flight is coalesced into
one write and the latest state wins; the write itself (one small SQLite upsert) runs in a
worker thread. A snapshot equal to the last one written is not written again, so joins,
leaves and media states, which are not part of it, cost nothing. A closed conference is
never written: closing (or shutting down) is not a state to come back to. Once the server
begins to stop (``freeze``), nothing more is written either: the halls' connections closing
would otherwise read as halls leaving, and a hall that leaves has its hand lowered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bridge.conference.snapshot import ConferenceSnapshot, to_json
from bridge.live.session import LiveSession

log = logging.getLogger(__name__)

RETRY_S = 1.0  # after a failed write (a busy or full disk), before trying again

Save = Callable[[int, dict[str, Any]], None]


class LiveStateKeeper:
    def __init__(self, save: Save) -> None:
        self._save = save
        self._changed: dict[int, LiveSession] = {}
        self._written: dict[int, ConferenceSnapshot] = {}
        self._writer: asyncio.Task[None] | None = None
        self.writes = 0  # how many snapshots were written (tests, metrics)
        self.failures = 0
        self.frozen = False

    def watch(self, live: LiveSession, saved: ConferenceSnapshot | None = None) -> None:
        """Save ``live``'s state whenever an event changes it; ``saved`` is what needs no
        writing (the state it was restored from, or a fresh session's defaults)."""
        session_id = live.conference.session_id
        if saved is not None:
            self._written[session_id] = saved
        live.effects.on_every(lambda event: self.changed(live))

    def changed(self, live: LiveSession) -> None:
        if live.conference.closed or self.frozen:
            return
        self._changed[live.conference.session_id] = live
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(
                self._write_changes(), name="live state writer"
            )

    def forget(self, session_id: int) -> None:
        """The live session ended: nothing more to write for it."""
        self._changed.pop(session_id, None)
        self._written.pop(session_id, None)

    async def freeze(self) -> None:
        """The server is stopping: write what changed so far, then nothing more."""
        await self.flush()
        self.frozen = True
        self._changed.clear()

    async def flush(self) -> None:
        """Wait until every change made so far is written (tests, shutdown)."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def _write_changes(self) -> None:
        try:
            while self._changed:
                session_id = next(iter(self._changed))
                live = self._changed.pop(session_id)
                if live.conference.closed:
                    continue
                snapshot = live.conference.snapshot()
                if self._written.get(session_id) == snapshot:
                    continue
                try:
                    await asyncio.to_thread(self._save, session_id, to_json(snapshot))
                except Exception:
                    self.failures += 1
                    log.exception("saving the live state of session %s failed", session_id)
                    self._changed.setdefault(session_id, live)  # unless it was closed
                    await asyncio.sleep(RETRY_S)
                    continue
                self.writes += 1
                if not live.conference.closed:
                    self._written[session_id] = snapshot
        finally:
            self._writer = None
