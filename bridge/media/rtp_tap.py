"""Receiving audio as RTP packets instead of aiortc's decoded frames.

aiortc decodes every received stream on a thread of its own, behind a jitter buffer that
adds ~80 ms and can settle near ~280 ms after one loss (AIORTC-NOTES.md). The bridge
decodes inside its mixer tick from its own jitter buffer instead, so it needs each packet
as it arrives. aiortc has no public hook for that; the receiver calls
``self.__jitter_buffer.add(packet)`` once per depayloaded packet, *after* it has updated
RTCP statistics and NACK state. Replacing that one private member keeps aiortc's RTCP
(receiver reports, loss and jitter in getStats) and hands us the packet; returning
``(False, None)`` means aiortc never queues anything for its decoder thread.

That path still costs a packet's trip through aiortc: a queue and a task wake-up per
datagram, a header parse into objects, two wall-clock reads. Once the first audio packet
has shown the site's SSRC, the tap takes that SSRC's datagrams off the ICE connection
itself (``_FastPath``): SRTP unprotect with the transport's own session, the header read
with ``struct``, aiortc's receive statistics fed the same way, then straight to the
jitter buffer. Everything else on the connection (DTLS, RTCP, video) goes aiortc's way.

The private members of aiortc and aioice this touches are reached through
bridge.media.aiortc_private; tests/media/test_rtp_tap.py fails if a new version moves them.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from typing import Any

import pylibsrtp
from aiortc import RTCRtpReceiver
from aiortc.rtp import RtpPacket

from bridge.audio_port import OnAudioPacket
from bridge.media.aiortc_private import (
    audio_level_id,
    divert_datagrams,
    jitter_buffer,
    receive_statistics,
    replace_jitter_buffer,
    srtp_unprotect,
)

log = logging.getLogger(__name__)

_SEQ_TS = struct.Struct("!HI")
_EXTENSION = struct.Struct("!HH")


class _Seen:
    """What aiortc's receive statistics read of a packet."""

    __slots__ = ("sequence_number", "timestamp")

    def __init__(self, sequence_number: int, timestamp: int) -> None:
        self.sequence_number = sequence_number
        self.timestamp = timestamp


def parse_audio_rtp(rtp: bytes, level_id: int | None) -> tuple[int, int, bytes, int | None]:
    """Sequence number, timestamp, payload and ssrc-audio-level of a plain RTP packet.

    Raises ``ValueError`` (or ``IndexError``/``struct.error``) on a malformed packet.
    """
    first = rtp[0]
    seq, timestamp = _SEQ_TS.unpack_from(rtp, 2)
    pos = 12 + 4 * (first & 0x0F)
    level = None
    if first & 0x10:
        profile, words = _EXTENSION.unpack_from(rtp, pos)
        pos += 4
        end = pos + 4 * words
        if level_id is not None and profile == 0xBEDE:  # one-byte elements (RFC 8285)
            i = pos
            while i < end:
                byte = rtp[i]
                if byte == 0:  # padding
                    i += 1
                    continue
                x_id, length = byte >> 4, (byte & 0x0F) + 1
                if x_id == 15:
                    break
                if x_id == level_id:
                    level = rtp[i + 1] & 0x7F
                i += 1 + length
        elif level_id is not None and profile & 0xFFF0 == 0x1000:  # two-byte elements
            i = pos
            while i + 1 < end:
                x_id, length = rtp[i], rtp[i + 1]
                if x_id == 0:
                    i += 1
                    continue
                if x_id == level_id:
                    level = rtp[i + 2] & 0x7F
                i += 2 + length
        pos = end
    stop = len(rtp) - rtp[-1] if first & 0x20 else len(rtp)
    if pos > stop:
        raise ValueError("RTP header longer than the packet")
    return seq, timestamp, rtp[pos:stop], level


class _FastPath:
    """Takes one SSRC's SRTP datagrams off an aioice connection, before aiortc's queue."""

    def __init__(self, receiver: RTCRtpReceiver, ssrc: int, on_packet: OnAudioPacket) -> None:
        dtls: Any = receiver.transport
        self._unprotect: Callable[[bytes], bytes] = srtp_unprotect(dtls)
        self._level_id: int | None = audio_level_id(dtls)
        self._stats = receive_statistics(receiver, ssrc)
        self._key = ssrc.to_bytes(4, "big")
        self._on_packet = on_packet
        self.packets = 0
        self.dropped = 0
        # Last, once nothing above failed. Lives as long as the connection, which a site's
        # peer never outlives.
        self._forward: Callable[[bytes, int], None] = divert_datagrams(dtls, self.data_received)

    def data_received(self, data: bytes, component: int) -> None:
        # The SSRC is in clear in SRTP; RTCP (payload types 192-223 in the second byte)
        # shares the first byte's range and always goes aiortc's way.
        if data[8:12] != self._key or not 127 < data[0] < 192 or 191 < data[1] < 224:
            self._forward(data, component)
            return
        try:
            seq, timestamp, payload, level = parse_audio_rtp(self._unprotect(data), self._level_id)
        except (pylibsrtp.Error, ValueError, IndexError, struct.error):
            self.dropped += 1  # aiortc drops what fails authentication or parsing, too
            return
        self.packets += 1
        self._stats.add(_Seen(seq, timestamp))  # receiver reports and getStats stay right
        self._on_packet(seq, timestamp, payload, level)


class _Tap:
    def __init__(self, receiver: RTCRtpReceiver, on_packet: OnAudioPacket, fast: bool) -> None:
        self._receiver = receiver
        self._on_packet = on_packet
        self._fast = fast
        self.fast_path: _FastPath | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        level = packet.extensions.audio_level
        self._on_packet(
            packet.sequence_number,
            packet.timestamp,
            packet.payload,
            None if level is None else level[1],
        )
        if self._fast and self.fast_path is None:
            try:
                self.fast_path = _FastPath(self._receiver, packet.ssrc, self._on_packet)
            except (AttributeError, KeyError) as exc:  # stay on aiortc's path
                self._fast = False
                log.warning("audio fast path unavailable: %r", exc)
        return False, None


def tap_audio(receiver: RTCRtpReceiver, on_packet: OnAudioPacket, *, fast: bool = True) -> _Tap:
    """Deliver every RTP packet ``receiver`` gets to ``on_packet``, and nothing to aiortc's
    decoder. Call it in the peer connection's ``track`` event, before media flows. With
    ``fast`` (the default), packets after the first bypass aiortc's receive loop."""
    if jitter_buffer(receiver) is None:
        raise RuntimeError("aiortc's RTCRtpReceiver has no jitter buffer member to replace")
    tap = _Tap(receiver, on_packet, fast)
    replace_jitter_buffer(receiver, tap)
    return tap
