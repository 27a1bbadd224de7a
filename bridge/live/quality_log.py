"""The quality log: each site's link quality per 20 s window, kept for the session's record.

A subscriber of every live session, as the audit log is: it takes the once-a-second
quality entries (``LiveSession.quality_feeds``; the session reads its links whether or not
a console watches, ``watch_quality``) of the sites connected at that moment, and folds them
into 20 s windows (``bridge.reports.quality.Windows``, pure). Windows lie on the UTC 20 s
grid: a session scheduled on the minute starts on it, and a bridge restarted mid-session
finds the same windows again (the store keeps the first of a window written twice).

A closed window is put in a bounded queue (never waits: past ``limit`` windows behind, new
ones are dropped and counted); a writer task writes them in batches from a worker thread,
so the mixer's clock never waits on the database. When the session closes, its open
windows are closed and queued at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bridge.conference import SessionChanged
from bridge.conference.session import ConnectionState
from bridge.live.session import LiveSession
from bridge.reports.quality import Windows
from bridge.reports.windows import QualityWindow

log = logging.getLogger(__name__)

QUEUE_LIMIT = 20_000  # a hundred halls' windows for over an hour
BATCH = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


class QualityLog:
    def __init__(
        self,
        write: Callable[[list[QualityWindow]], None],
        limit: int = QUEUE_LIMIT,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._write = write
        self._clock = clock
        self._queue: asyncio.Queue[QualityWindow] = asyncio.Queue(limit)
        self._open: dict[int, Windows] = {}  # live session id -> its open windows
        self.dropped = 0

    def subscribe(self, live: LiveSession) -> None:
        """Register on a new live session (a ``LiveSessions.on_open`` hook)."""
        conference = live.conference
        windows = self._open[conference.session_id] = Windows(conference.session_id)

        def feed(entries: Iterable[Mapping[str, Any]]) -> None:
            # Only what a connected site's link says: a hall cut off still has its last
            # figures in the monitor, and they say nothing of the time it was away.
            connected = {s.id for s in conference.roster() if s.state is ConnectionState.CONNECTED}
            now = self._clock()
            for window in windows.add(now, [e for e in entries if e.get("id") in connected]):
                self.put(window)

        def closed(event: SessionChanged) -> None:
            if event.state == "closed":
                for window in windows.close_all():
                    self.put(window)
                if self._open.get(conference.session_id) is windows:
                    del self._open[conference.session_id]

        live.quality_feeds.append(feed)
        live.effects.on(SessionChanged, handler=closed)
        live.watch_quality()

    def pending(self, session_id: int) -> list[QualityWindow]:
        """The live session's windows still open, as they stand now (not stored yet)."""
        windows = self._open.get(session_id)
        return [] if windows is None else windows.peek()

    def put(self, window: QualityWindow) -> None:
        try:
            self._queue.put_nowait(window)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("quality log behind: %d windows dropped", self.dropped)

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
        """Write everything queued now (a read of the windows, shutdown)."""
        await self._drain_into([])

    async def _drain_into(self, batch: list[QualityWindow]) -> None:
        while True:
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if not batch:
                return
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:  # a busy store: the windows are lost, the session goes on
                log.exception("writing %d quality windows failed", len(batch))
            batch = []
            if self._queue.empty():
                return
