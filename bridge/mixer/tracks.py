"""Where a site's mix goes: a ``MixOutput`` (bridge.audio_port), such as ``MixTrack``, an
aiortc track of encoded Opus packets.

A live site's output is ``bridge.media.rtp_out.DirectRtpSender``, which sends from the
tick with no coroutine. ``MixTrack`` hands the same packets to aiortc's own sender, which
only packetises an ``av.Packet`` a track returns (its own SSRC, sequence numbers and
timestamps): no encode (AIORTC-NOTES.md, "Sending"). Tests and tools that read a mixer's
output as a track use it.
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


def encoded_packet(payload: bytes, pts: int) -> av.Packet:
    """An Opus payload stamped with the mixer tick it belongs to (``pts`` in 1/48000).

    Stamping by tick, not by packets sent, means a packet dropped by a track or a tick the
    clock skipped shows as a timestamp gap, which the receiving decoder conceals; a
    per-packet count would silently shorten the audio instead.
    """
    packet = av.Packet(payload)
    packet.pts = pts
    packet.time_base = TIME_BASE
    return packet


class MixTrack(MediaStreamTrack):
    """The encoded audio one site hears, put by the mixer clock, taken by aiortc's sender.

    Bounded: if the sender falls behind by more than ``depth`` packets the oldest are
    dropped, so a stalled site costs the bridge no memory and gets current audio back.
    The timeline is the mixer's ticks, whichever encoder made the payload, so switching a
    site between the shared and its personal mix is seamless to RTP.
    """

    kind = "audio"

    def __init__(self, depth: int = 3) -> None:
        super().__init__()
        self._packets: collections.deque[av.Packet] = collections.deque(maxlen=depth)
        self._ready = asyncio.Event()

    def send(self, payload: bytes, pts: int) -> None:
        self.put(encoded_packet(payload, pts))

    def put(self, packet: av.Packet) -> None:
        """Queue one 20 ms packet (see ``encoded_packet``); it may be shared with other tracks."""
        self._packets.append(packet)
        self._ready.set()

    async def recv(self) -> av.Packet:
        while not self._packets:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._packets.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()
