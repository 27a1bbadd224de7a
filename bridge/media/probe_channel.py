"""A hall's probe data channel at the bridge: what the hall's uplink probe delivered, and
the bridge's own downlink probe (bridge/probe/pacing.py for the packets).

The hall opens the channel ``probe`` (unordered, no retransmission) with its offer, so the
probe crosses the same ICE path, DTLS and congestion as the session's media. Unreliable and
unordered: a packet the link cannot carry is lost, not queued and resent, so what arrives
is what the link delivers. The bridge sends at most as much as the channel's buffer takes
(``MAX_BUFFERED``): a slow link fills it and the rest of the step is not sent, rather than
growing the bridge's memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from aiortc import RTCDataChannel

from bridge.probe.pacing import DOWN, TICK_S, UP, StepCounter, due, packet

log = logging.getLogger(__name__)

LABEL = "probe"
MAX_BUFFERED = 256 * 1024


class ProbeChannel:
    def __init__(self) -> None:
        self.channel: RTCDataChannel | None = None
        self.up = StepCounter(UP)

    def attach(self, channel: RTCDataChannel) -> None:
        if channel.label != LABEL:
            return
        self.channel = channel
        channel.on("message", self._on_message)

    @property
    def open(self) -> bool:
        return self.channel is not None and self.channel.readyState == "open"

    def reset_up(self) -> None:
        self.up = StepCounter(UP)

    def _on_message(self, data: bytes | str) -> None:
        if isinstance(data, bytes):
            self.up.add(data, time.monotonic())

    async def send_down(self, steps_kbps: Sequence[float], step_s: float) -> int:
        """Send the downlink probe, step after step; the packets sent."""
        if self.channel is None:
            return 0
        return await send_steps(self.channel, DOWN, steps_kbps, step_s)


async def send_steps(
    channel: RTCDataChannel, direction: int, steps_kbps: Sequence[float], step_s: float
) -> int:
    """Send a probe on ``channel``, each step's rate for ``step_s`` in turn (the bridge's
    downlink and the headless hall's uplink alike); the packets sent. What the channel's
    buffer cannot take (``MAX_BUFFERED``) waits for the next tick, never grows it."""
    loop, sent_total = asyncio.get_running_loop(), 0
    for step, rate in enumerate(steps_kbps):
        start, sent = loop.time(), 0
        while (elapsed := loop.time() - start) < step_s:
            if channel.readyState != "open":
                return sent_total + sent
            for _ in range(due(rate, elapsed, sent)):
                if channel.bufferedAmount > MAX_BUFFERED:
                    break
                channel.send(packet(direction, step, sent))
                sent += 1
            await asyncio.sleep(TICK_S)
        sent_total += sent
    return sent_total
