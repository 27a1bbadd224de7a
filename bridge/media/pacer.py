"""Spreading a video fan-out over event-loop iterations, so the audio clock keeps time.

aiortc's sender packetises, protects (SRTP) and sends a whole frame in one step of its
task, without yielding: a 40 kB keyframe is ~35 packets, ~1.5 ms of Python. When one frame
goes to 50 viewers, 50 sender tasks become ready at once and asyncio runs them all in one
loop iteration before it looks at its timers again, so the mixer's 20 ms tick waited
tens of milliseconds (AIORTC-NOTES.md; measured in docs/performance.md).

``FanOutPacer.turn(size)`` is awaited by each viewer's track before it hands a frame to its
sender. The pacer releases waiting senders in FIFO order, about ``budget_bytes`` of frames
per loop iteration; asyncio checks its timers between iterations, so the clock's tick is
never behind more than one budget's worth of sending. The cost is latency for the last
viewers of a big frame (50 viewers x 40 kB at 24 kB per iteration: ~80 iterations, a few
tens of milliseconds), which a picture tolerates and a 20 ms audio clock does not.
"""

from __future__ import annotations

import asyncio
import collections

DEFAULT_BUDGET_BYTES = 24_000  # ~20 packets, ~1 ms of aiortc sending per loop iteration


class FanOutPacer:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._waiting: collections.deque[tuple[asyncio.Future[None], int]] = collections.deque()
        self._scheduled = False
        self.iterations = 0  # loop iterations that released something (for tests and metrics)

    async def turn(self, size: int) -> None:
        """Wait until this sender may send ``size`` bytes (FIFO, a budget per iteration)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.append((future, size))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._release)
        await future

    def _release(self) -> None:
        # The woken senders run in the next iteration, this callback again after them:
        # each iteration sends one budget, and timers are looked at in between.
        self._scheduled = False
        spent = 0
        waiting = self._waiting
        while waiting and spent < self.budget_bytes:
            future, size = waiting.popleft()
            if not future.done():
                future.set_result(None)
                spent += size
        self.iterations += 1
        if waiting:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._release)
