"""The mixer's 20 ms clock: absolute deadlines, catch-up when late, lateness measured.

A clock that sleeps "20 ms after the last tick" drifts by every tick's own cost; one that
aims at ``start + n * period`` does not. When a tick runs late (a busy event loop) the
next deadlines are already due, so the missed ticks run back to back and the listeners'
streams keep their rate; past ``max_catch_up`` periods behind, the clock skips ahead
rather than bursting, because audio that late is better dropped than delivered in a lump.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bridge.measurements import RecentValues

log = logging.getLogger(__name__)


class Clock:
    def __init__(
        self, tick: Callable[[], None], period: float = 0.02, max_catch_up: int = 5
    ) -> None:
        self._tick = tick
        self.period = period
        self.max_catch_up = max_catch_up
        self.lateness = RecentValues()
        self.ticks = 0
        self.skipped = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mixer-clock")

    def pause(self) -> None:
        """Stop ticking (the last site has left): an empty session costs no wake-ups.
        ``start`` resumes; the tick count, and so the mix's timeline, carries on."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # The wall of the monotonic clock, not ``loop.time()``: uvloop's is cached at the
        # start of a loop iteration to the millisecond, so work queued ahead of the tick in
        # that iteration would not count as lateness.
        now_s = time.monotonic
        deadline = now_s()
        while True:
            delay = deadline - now_s()
            if delay > 0:
                await asyncio.sleep(delay)
            now = now_s()
            self.lateness.record(max(0.0, now - deadline))
            try:
                self._tick()
            except Exception:  # one bad tick must not stop every site's audio
                log.exception("mixer tick failed")
            self.ticks += 1
            deadline += self.period
            behind = now_s() - deadline
            if behind > self.period * self.max_catch_up:
                missed = int(behind / self.period)
                self.skipped += missed
                deadline += missed * self.period
