"""Receiving audio as RTP packets instead of aiortc's decoded frames.

aiortc decodes every received stream on a thread of its own, behind a jitter buffer that
adds ~80 ms and can settle near ~280 ms after one loss (AIORTC-NOTES.md). The bridge
decodes inside its mixer tick from its own jitter buffer instead, so it needs each packet
as it arrives. aiortc has no public hook for that; the receiver calls
``self.__jitter_buffer.add(packet)`` once per depayloaded packet, *after* it has updated
RTCP statistics and NACK state. Replacing that one private member keeps aiortc's RTCP
(receiver reports, loss and jitter in getStats) and hands us the packet; returning
``(False, None)`` means aiortc never queues anything for its decoder thread.

This touches a private member of aiortc 1.16 (pinned in pyproject.toml); the test in
tests/media/test_rtp_tap.py fails if a new version moves it.
"""

from __future__ import annotations

from collections.abc import Callable

from aiortc import RTCRtpReceiver
from aiortc.rtp import RtpPacket

_JITTER_BUFFER_ATTR = "_RTCRtpReceiver__jitter_buffer"

# (sequence number, RTP timestamp, Opus payload, ssrc-audio-level 0 loud..127 silent or None).
# Plain arguments, no object per packet: this runs for every packet of every site.
OnAudioPacket = Callable[[int, int, bytes, int | None], None]


class _Tap:
    def __init__(self, on_packet: OnAudioPacket) -> None:
        self._on_packet = on_packet

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        level = packet.extensions.audio_level
        self._on_packet(
            packet.sequence_number,
            packet.timestamp,
            packet.payload,
            None if level is None else level[1],
        )
        return False, None


def tap_audio(receiver: RTCRtpReceiver, on_packet: OnAudioPacket) -> None:
    """Deliver every RTP packet ``receiver`` gets to ``on_packet``, and nothing to aiortc's
    decoder. Call it in the peer connection's ``track`` event, before media flows."""
    if not hasattr(receiver, _JITTER_BUFFER_ATTR):
        raise RuntimeError("aiortc's RTCRtpReceiver has no jitter buffer member to replace")
    setattr(receiver, _JITTER_BUFFER_ATTR, _Tap(on_packet))
