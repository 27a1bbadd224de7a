"""Encoded video in and out of aiortc, and proof that the bridge never transcodes it.

aiortc has no public hook for encoded frames (AIORTC-NOTES.md, "Receiving"). The private
members this needs are reached through bridge.media.aiortc_private, and tested in
tests/media/test_video_tap.py so a new aiortc version that moves them fails loudly:

- the receiver's jitter buffer: the receiver depayloads each RTP packet and calls
  ``add(packet)``, which returns ``(pli_flag, JitterFrame | None)`` once a whole frame is
  assembled. ``tap_video`` wraps the real buffer (so frame assembly and aiortc's own PLI on
  heavy loss stay) and hands each complete frame to the forwarder instead of the decoder
  thread (it returns ``None`` for the frame, so nothing is ever queued for decoding).
- the receiver's PLI: how ``request_keyframe`` asks a source for a keyframe.
- the sender's keyframe handler: what aiortc calls when a viewer sends PLI or FIR; on the
  pre-encoded path it would be ignored, so ``on_keyframe_request`` redirects it.

Sending forwarded video bypasses aiortc's per-viewer sender coroutine (``RtpWriter``,
docs/performance.md "Video"): the viewer's ``RTCRtpSender`` keeps SDP, SSRC, RTCP and
keyframe requests, while its packets are written synchronously by the forwarder's paced
fan-out. That needs (tested through a real aiortc connection in
tests/media/test_forwarder.py) the sender whose RTP task runs (``running_sender``), its
MID, header-extension map, NACK history and retransmission, its RTCP sender report's
counters, and the DTLS transport's SRTP session and nominated ICE pair.

``count_codec_use`` wraps aiortc's encoder and decoder factories, so every video encode or
decode in the process is counted.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import random
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av
from aiortc import RTCRtpCodecParameters, RTCRtpReceiver, RTCRtpSender
from aiortc.codecs.h264 import H264Encoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtpPacket

from bridge.media.aiortc_private import (
    Retransmit,
    SenderReport,
    connected_link,
    jitter_buffer,
    protect_and_send,
    redirect_keyframe_requests,
    replace_jitter_buffer,
    send_pli,
    sender_header_extensions,
    sender_history,
    sender_mid,
    sender_ssrc,
    wrap_codec_factories,
    wrap_retransmit,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    """One whole encoded video frame as received: VP8 frame bytes or an H.264 access unit
    (Annex B), its RTP timestamp (90 kHz) and whether a decoder can start from it."""

    data: bytes
    timestamp: int
    keyframe: bool


def is_keyframe(codec: str, data: bytes) -> bool:
    """Whether ``data`` (a depayloaded frame of ``codec``, "VP8" or "H264") is a keyframe.

    VP8 (RFC 6386 section 9.1): the frame tag's lowest bit is 0 for a key frame, which also
    carries the start code 9d 01 2a at bytes 3..5. H.264 (RFC 6184): an access unit with an
    IDR slice (NAL type 5) or a sequence parameter set (7).
    """
    if codec == "VP8":
        return len(data) >= 6 and not data[0] & 1 and data[3:6] == b"\x9d\x01\x2a"
    if codec == "H264":
        start = data.find(b"\x00\x00\x01")
        while start >= 0 and start + 3 < len(data):
            if data[start + 3] & 0x1F in (5, 7):
                return True
            start = data.find(b"\x00\x00\x01", start + 3)
    return False


class VideoTap:
    """Stands in for the receiver's jitter buffer; ``ssrc`` is the stream's, once seen."""

    def __init__(
        self, inner: Any, codec: Callable[[], str], on_frame: Callable[[EncodedFrame], None]
    ) -> None:
        self._inner = inner
        self._codec = codec
        self._on_frame = on_frame
        self.ssrc: int | None = None
        self.packets = 0
        self.gaps = 0  # packets missing when a later one arrived (before any retransmission)
        self._last_seq: int | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        self.ssrc = packet.ssrc
        self.packets += 1
        seq, last = packet.sequence_number, self._last_seq
        if last is None or 0 < (seq - last) & 0xFFFF < 0x8000:
            if last is not None:
                self.gaps += ((seq - last) & 0xFFFF) - 1
            self._last_seq = seq
        pli_flag, frame = self._inner.add(packet)
        if frame is not None:
            self._deliver(frame)
        return pli_flag, None

    def _deliver(self, frame: JitterFrame) -> None:
        codec = self._codec()
        self._on_frame(EncodedFrame(frame.data, frame.timestamp, is_keyframe(codec, frame.data)))

    def __getattr__(self, name: str) -> Any:  # capacity, remove… as the real buffer
        return getattr(self._inner, name)


def tap_video(
    receiver: RTCRtpReceiver, codec: Callable[[], str], on_frame: Callable[[EncodedFrame], None]
) -> VideoTap:
    """Deliver every whole frame ``receiver`` assembles to ``on_frame`` and none to aiortc's
    decoder. ``codec`` names the negotiated codec ("VP8"/"H264") when a frame arrives.
    Call it in the peer connection's ``track`` event, before media flows."""
    inner = jitter_buffer(receiver)
    if inner is None or not hasattr(inner, "add"):
        raise RuntimeError("aiortc's RTCRtpReceiver has no jitter buffer member to wrap")
    tap = VideoTap(inner, codec, on_frame)
    replace_jitter_buffer(receiver, tap)
    return tap


async def request_keyframe(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Send a PLI (RFC 4585 section 6.3.1) for ``media_ssrc`` through ``receiver``."""
    await send_pli(receiver, media_ssrc)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever the far end of ``sender`` asks for a keyframe (PLI/FIR)."""
    redirect_keyframe_requests(sender, callback)


# ---- sending ----------------------------------------------------------------------

PACKET_MAX = 1300  # RTP payload bytes, as aiortc's packetisers
VP8_DESCRIPTOR = 4  # bytes of RFC 7741 payload descriptor with a 15-bit picture ID


@dataclass(frozen=True, slots=True)
class Payloads:
    """One frame cut into RTP payloads once, for every viewer. VP8 chunks still need the
    viewer's own payload descriptor in front (``vp8_descriptors``): the picture ID is
    per stream; H.264 payloads are complete."""

    chunks: tuple[bytes, ...]
    vp8: bool
    size: int


_VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)
_h264 = H264Encoder()  # its ``pack`` only packetises (no state, no encoder made)


def packetize(codec: str, data: bytes) -> Payloads:
    if codec == "VP8":
        step = PACKET_MAX - VP8_DESCRIPTOR
        chunks = tuple(data[i : i + step] for i in range(0, len(data), step)) or (b"",)
        return Payloads(chunks, True, len(data))
    packet = av.Packet(data)
    packet.pts, packet.time_base = 0, _VIDEO_TIME_BASE
    payloads, _ = _h264.pack(packet)
    return Payloads(tuple(payloads), False, len(data))


def vp8_descriptors(picture_id: int) -> tuple[bytes, bytes]:
    """The descriptor of a frame's first packet (S bit) and of its others (RFC 7741 4.2:
    X=1, I=1, M=1 for a 15-bit picture ID), as aiortc's VP8 packetiser writes them."""
    high, low = 0x80 | (picture_id >> 8) & 0x7F, picture_id & 0xFF
    return bytes((0x90, 0x80, high, low)), bytes((0x80, 0x80, high, low))


_SEQ_TS = struct.Struct("!HI")  # sequence number and timestamp, at byte 2 of the header
HISTORY = 128  # packets kept for NACKs, as aiortc's RTP_HISTORY_SIZE


class RtpWriter:
    """One viewer's video RTP stream, written synchronously: header template (aiortc's own
    serialiser, so extension ids are as negotiated) with sequence number, timestamp and
    marker written in, SRTP by the DTLS transport's session, ``sendto`` on the nominated
    ICE pair's socket. No task, no coroutine, no ``RtpPacket`` per packet.

    NACKs still reach aiortc's sender, whose ``_retransmit`` is wrapped to find the packet
    in this writer's history (kept as bytes: nothing for the garbage collector to scan),
    so retransmission, RTX included, stays aiortc's."""

    def __init__(self, sender: RTCRtpSender, codec: RTCRtpCodecParameters) -> None:
        payload_type = codec.payloadType
        if payload_type is None:
            raise ValueError("codec without a negotiated payload type")
        self._sender = sender
        self._payload_type = payload_type
        packet = RtpPacket(payload_type=payload_type)
        packet.ssrc = sender_ssrc(sender)
        packet.extensions.mid = sender_mid(sender)
        self._extensions = sender_header_extensions(sender)
        self._template = bytearray(packet.serialize(self._extensions))
        self._sequence = random.getrandbits(16)
        self._origin = random.getrandbits(32)
        self._history: list[bytes | None] = [None] * HISTORY
        self._relayed: set[asyncio.Future[None]] = set()
        self._report = SenderReport(sender)
        self.sent = 0
        self.octets = 0
        self.errors = 0
        history = sender_history(sender)

        def from_history(retransmit: Retransmit) -> Retransmit:
            async def retransmit_from_history(sequence_number: int) -> None:
                data = self._history[sequence_number % HISTORY]
                if data is not None:
                    packet = RtpPacket.parse(data, self._extensions)
                    if packet.sequence_number == sequence_number:
                        history[sequence_number % HISTORY] = packet
                await retransmit(sequence_number)

            return retransmit_from_history

        wrap_retransmit(sender, from_history)

    def write(self, prefix: bytes, payload: bytes, timestamp: int, marker: bool) -> bool:
        """Send one packet (``prefix + payload``) at media ``timestamp`` (90 kHz, the
        viewer's timeline); False when it could not be sent (not connected, socket gone)."""
        link = connected_link(self._sender)
        if link is None:
            return False
        template = self._template
        template[1] = (0x80 if marker else 0) | self._payload_type
        sequence = self._sequence
        _SEQ_TS.pack_into(template, 2, sequence, (self._origin + timestamp) & 0xFFFFFFFF)
        data = b"".join((template, prefix, payload))
        try:
            protect_and_send(*link, data, self._relayed)
        except Exception as exc:  # a closing socket or SRTP session: this viewer only
            self.errors += 1
            if self.errors == 1:
                log.warning("sending video to a viewer failed: %r", exc)
            return False
        self._history[sequence % HISTORY] = data
        self._sequence = (sequence + 1) & 0xFFFF
        self.sent += 1
        self.octets += len(prefix) + len(payload)
        return True

    def frame_sent(self, timestamp: int, now: float) -> None:
        """After a frame's last packet: what aiortc's RTCP sender report reads."""
        self._report.update(self.sent, self.octets, (self._origin + timestamp) & 0xFFFFFFFF, now)


# ---- instrumentation -----------------------------------------------------------------


class CodecCounts:
    """Video encodes and decodes done by aiortc in this process (both should stay 0)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # decodes run on aiortc's decoder threads
        self.encodes = 0
        self.decodes = 0

    def add(self, encodes: int = 0, decodes: int = 0) -> None:
        with self._lock:
            self.encodes += encodes
            self.decodes += decodes


codec_counts = CodecCounts()


class _CountingEncoder:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def encode(self, *args: Any, **kwargs: Any) -> Any:
        codec_counts.add(encodes=1)
        return self._inner.encode(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CountingDecoder:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def decode(self, *args: Any, **kwargs: Any) -> Any:
        codec_counts.add(decodes=1)
        return self._inner.decode(*args, **kwargs)


def _count_encodes(encoder: Any, codec: Any) -> Any:
    return _CountingEncoder(encoder) if codec.mimeType.lower().startswith("video/") else encoder


def _count_decodes(decoder: Any, codec: Any) -> Any:
    return _CountingDecoder(decoder) if codec.mimeType.lower().startswith("video/") else decoder


def count_codec_use() -> CodecCounts:
    """Count every video encode/decode aiortc does in this process (idempotent)."""
    wrap_codec_factories(_count_encodes, _count_decodes)
    return codec_counts
