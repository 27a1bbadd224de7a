"""The bitrate probe's packets: made, paced and counted (pure; the data channel that
carries them is bridge/media/probe_channel.py, and the hall page's js/site does the same).

A probe packet is exactly ``PACKET_BYTES`` long: byte 0 its direction (1 up, hall → bridge;
2 down), bytes 1–2 its step (uint16 big-endian), bytes 3–6 its sequence number within the
step (uint32 big-endian, from 0), the rest zeros. The sender keeps each step's rate by
sending, every ``TICK_S``, the whole packets that bring what it sent up to the rate times
the time elapsed (``due``); the receiver counts per step what arrived (``StepCounter``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PACKET_BYTES = 1000
UP, DOWN = 1, 2
TICK_S = 0.010
_HEADER = struct.Struct(">BHI")
#: A step's packets are counted for a rate only after the first arrival, over the time to
#: the last: the rate of what the link delivered, not of how long the step was.
MIN_PACKETS_FOR_RATE = 3


def packet(direction: int, step: int, seq: int) -> bytes:
    return _HEADER.pack(direction, step, seq) + bytes(PACKET_BYTES - _HEADER.size)


def parse(data: bytes) -> tuple[int, int, int] | None:
    """(direction, step, seq) of a probe packet, None for anything else."""
    if len(data) != PACKET_BYTES:
        return None
    direction, step, seq = _HEADER.unpack_from(data)
    if direction not in (UP, DOWN):
        return None
    return direction, step, seq


def due(rate_kbps: float, elapsed_s: float, sent_packets: int) -> int:
    """How many packets to send now to keep ``rate_kbps`` after ``elapsed_s``."""
    owed = rate_kbps * 1000.0 * elapsed_s / 8.0 / PACKET_BYTES
    return max(0, int(owed) - sent_packets)


@dataclass
class StepCount:
    received: int = 0
    highest: int = -1
    first_at: float | None = None
    last_at: float | None = None

    @property
    def sent(self) -> int:
        """Packets sent, as far as the receiver can tell (the highest sequence seen + 1)."""
        return self.highest + 1

    @property
    def kbps(self) -> float:
        if (
            self.received < MIN_PACKETS_FOR_RATE
            or self.first_at is None
            or self.last_at is None
            or self.last_at <= self.first_at
        ):
            return 0.0
        bits = (self.received - 1) * PACKET_BYTES * 8
        return bits / (self.last_at - self.first_at) / 1000.0


@dataclass
class StepCounter:
    """What arrived of one direction's probe, per step (bounded: ``max_steps``)."""

    direction: int
    max_steps: int = 16
    steps: dict[int, StepCount] = field(default_factory=dict)

    def add(self, data: bytes, at: float) -> bool:
        parsed = parse(data)
        if parsed is None or parsed[0] != self.direction:
            return False
        _, step, seq = parsed
        count = self.steps.get(step)
        if count is None:
            if len(self.steps) >= self.max_steps:
                return False
            count = self.steps[step] = StepCount()
        count.received += 1
        count.highest = max(count.highest, seq)
        if count.first_at is None:
            count.first_at = at
        count.last_at = at
        return True
