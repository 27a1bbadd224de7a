"""The aiortc track a site's mix leaves by: encoded Opus packets, not frames.

aiortc's sender only packetises an ``av.Packet`` a track returns (its own SSRC, sequence
numbers and timestamps): no encode. That is how one encoded shared mix reaches every
listening site with a single encode per tick (AIORTC-NOTES.md, "Sending").
"""

from __future__ import annotations

import asyncio
import collections
import fractions

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


class MixTrack(MediaStreamTrack):
    """The encoded audio one site hears, put by the mixer clock, taken by aiortc's sender.

    Bounded: if the sender falls behind by more than ``depth`` packets the oldest are
    dropped, so a stalled site costs the bridge no memory and gets current audio back.
    The timeline is the track's own (one pts step per packet), whichever encoder made the
    payload, so switching a site between the shared and its personal mix is seamless to RTP.
    """

    kind = "audio"

    def __init__(self, depth: int = 3) -> None:
        super().__init__()
        self._payloads: collections.deque[bytes] = collections.deque(maxlen=depth)
        self._ready = asyncio.Event()
        self._pts = 0
        self.sent = 0

    def put(self, payload: bytes) -> None:
        self._payloads.append(payload)
        self._ready.set()

    async def recv(self) -> av.Packet:
        while not self._payloads:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        packet = av.Packet(self._payloads.popleft())
        packet.pts = self._pts
        packet.time_base = TIME_BASE
        self._pts += FRAME_SAMPLES
        self.sent += 1
        return packet

    def stop(self) -> None:
        super().stop()
        self._ready.set()
