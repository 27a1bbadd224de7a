"""Encoded video in and out of aiortc, and proof that the bridge never transcodes it.

aiortc has no public hook for encoded frames (AIORTC-NOTES.md, "Receiving"). Three private
members of aiortc 1.16 (pinned in pyproject.toml) are touched, all here, all tested in
tests/media/test_video_tap.py so a new aiortc version that moves them fails loudly:

- ``RTCRtpReceiver.__jitter_buffer``: the receiver depayloads each RTP packet and calls
  ``add(packet)``, which returns ``(pli_flag, JitterFrame | None)`` once a whole frame is
  assembled. ``tap_video`` wraps the real buffer (so frame assembly and aiortc's own PLI on
  heavy loss stay) and hands each complete frame to the forwarder instead of the decoder
  thread (it returns ``None`` for the frame, so nothing is ever queued for decoding).
- ``RTCRtpReceiver._send_rtcp_pli``: how ``request_keyframe`` asks a source for a keyframe.
- ``RTCRtpSender._send_keyframe``: what aiortc calls when a viewer sends PLI or FIR; on the
  pre-encoded path it would be ignored, so ``on_keyframe_request`` redirects it.

``count_codec_use`` wraps ``get_encoder``/``get_decoder`` as the sender and receiver
modules use them, so every video encode or decode in the process is counted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtp import RtpPacket

_JITTER_BUFFER_ATTR = "_RTCRtpReceiver__jitter_buffer"


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
    inner = getattr(receiver, _JITTER_BUFFER_ATTR, None)
    if inner is None or not hasattr(inner, "add"):
        raise RuntimeError("aiortc's RTCRtpReceiver has no jitter buffer member to wrap")
    tap = VideoTap(inner, codec, on_frame)
    setattr(receiver, _JITTER_BUFFER_ATTR, tap)
    return tap


async def request_keyframe(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Send a PLI (RFC 4585 section 6.3.1) for ``media_ssrc`` through ``receiver``."""
    await receiver._send_rtcp_pli(media_ssrc)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever the far end of ``sender`` asks for a keyframe (PLI/FIR)."""
    if not callable(getattr(sender, "_send_keyframe", None)):
        raise RuntimeError("aiortc's RTCRtpSender has no _send_keyframe to redirect")
    sender._send_keyframe = callback  # type: ignore[method-assign]


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


_installed = False


def count_codec_use() -> CodecCounts:
    """Count every video encode/decode aiortc does in this process (idempotent)."""
    global _installed
    if not _installed:
        real_encoder = aiortc.rtcrtpsender.get_encoder
        real_decoder = aiortc.rtcrtpreceiver.get_decoder

        def get_encoder(codec: Any) -> Any:
            encoder = real_encoder(codec)
            video = codec.mimeType.lower().startswith("video/")
            return _CountingEncoder(encoder) if video else encoder

        def get_decoder(codec: Any) -> Any:
            decoder = real_decoder(codec)
            video = codec.mimeType.lower().startswith("video/")
            return _CountingDecoder(decoder) if video else decoder

        aiortc.rtcrtpsender.get_encoder = get_encoder
        aiortc.rtcrtpreceiver.get_decoder = get_decoder
        _installed = True
    return codec_counts
