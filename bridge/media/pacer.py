"""Spreading a video fan-out over event-loop iterations, so the audio clock keeps time.

A frame of the shown site goes to every viewer: at 50 viewers a keyframe (~35 packets)
is ~1 750 packets to protect and send, 10–15 ms of work even at ~8 µs a packet
(bridge.media.video_tap.RtpWriter), which would hold the mixer's 20 ms tick that long if
done in one go. ``FanOutPacer`` does it in slices: each loop iteration it sends packets
for at most ``budget_s`` of wall time, stopping mid-frame if need be, then hands the loop
back (``call_soon``), so timers (the clock's tick) and incoming packets are served between
slices. Viewers take turns a frame at a time, in the order their frames came.

An earlier version released aiortc's per-viewer sender coroutines a byte budget at a
time; a sender sends a whole frame in one task step, so a keyframe was one indivisible
~1.5 ms step per viewer, and the tick still waited several of them at 50 viewers
(docs/performance.md, "Video").
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Protocol

DEFAULT_BUDGET_S = 0.0005  # ~60 packets per slice

DONE, MORE, PAUSED = 0, 1, 2  # what ``Sendable.send_some`` left: nothing, frames, a part


class Sendable(Protocol):
    def send_some(self, deadline: float) -> int:
        """Send the head frame's packets until done or ``perf_counter() >= deadline`` (at
        least one packet): DONE (nothing queued), MORE (the frame done, more queued) or
        PAUSED (stopped inside the frame)."""
        ...


class FanOutPacer:
    def __init__(self, budget_s: float = DEFAULT_BUDGET_S) -> None:
        self.budget_s = budget_s
        self._queue: collections.deque[Sendable] = collections.deque()
        self._queued: set[int] = set()
        self._scheduled = False
        self.slices = 0  # loop iterations that sent something (tests and metrics)
        self.longest_slice = 0.0  # seconds, since the last reset

    def submit(self, sendable: Sendable) -> None:
        """``sendable`` has a frame to send: it gets its turn (once, however often told)."""
        if id(sendable) in self._queued:
            return
        self._queued.add(id(sendable))
        self._queue.append(sendable)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = False
        perf = time.perf_counter
        start = perf()
        deadline = start + self.budget_s
        queue = self._queue
        while queue:
            sendable = queue[0]
            state = sendable.send_some(deadline)
            if state == PAUSED:
                break  # the rest of this frame opens the next slice
            queue.popleft()
            if state == MORE:
                queue.append(sendable)  # its next frame after the others' current ones
            else:
                self._queued.discard(id(sendable))
            if perf() >= deadline:
                break
        self.slices += 1
        self.longest_slice = max(self.longest_slice, perf() - start)
        if queue:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._run)
