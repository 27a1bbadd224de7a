"""Writing a session's summaries when it closes (issue 14): ``SummaryWriter`` is the hook
``LiveSessions.on_closed`` runs when a session closes for good — its audit log and quality
windows written first (``flushers``), then ``write(session_id)`` (blocking: the report
routes' ``write_summary``, from the store) in a worker thread. The values and the pure
``summarise`` are ``bridge.reports.summaries``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger(__name__)


class SummaryWriter:
    """Writes a session's summary when it closes. ``flushers`` are awaited first (the
    audit log's and the quality log's queues), so the summary counts everything; the
    computation runs in a worker thread, one task per closed session (a closed session
    closes once, so the tasks are bounded by the sessions)."""

    def __init__(
        self,
        write: Callable[[int], object],
        flushers: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> None:
        self._write = write
        self.flushers = list(flushers)
        self._tasks: set[asyncio.Task[None]] = set()

    def session_closed(self, session_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self.write(session_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def write(self, session_id: int) -> None:
        try:
            for flush in self.flushers:
                await flush()
            await asyncio.to_thread(self._write, session_id)
        except Exception:  # the report routes compute it lazily instead
            log.exception("session %s: summary not written at close", session_id)

    async def idle(self) -> None:
        """Wait for the summaries being written (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
