"""Cheap audio for many headless sites: pre-encoded Opus out, tapped RTP packets in.

A load test runs a hundred sites in one process next to the bridge on a 2-core machine, so
a site must cost almost nothing. Sending: a few seconds of a signal are Opus-encoded once
(``prerecord``/``encode_loop``) and ``EncodedAudioTrack`` hands the payloads to aiortc as
``av.Packet``s, which its sender only packetises, never encodes (AIORTC-NOTES.md,
"Sending"); ``send_audio_levels`` adds the RFC 6464 level a browser would send. Receiving:
``tap_audio_packets`` takes each received RTP packet before aiortc's jitter buffer and
decoder, so counting frames and sequence gaps costs no decode; only the one or two "probe"
sites whose audio is analysed decode it (``decode_payloads``).

Levels (48 kHz mono, float full scale ±1.0):

- a talker is a sine at ``TALKER_PEAK`` = 0.1 (−20 dBFS peak, −23 dBFS RMS: speech level,
  the mixer's levelling target); ``speech_like`` is a rougher voice at the same level;
- a quiet hall is pink noise at ``ROOM_NOISE_DBFS`` = −60 dBFS RMS (a quiet room through
  a conference microphone), band-limited to 50 Hz .. 16 kHz. What a listener should hear
  while nobody talks is compared with this level after one Opus round trip
  (``rms_dbfs(decode_payloads(encode_loop(room_noise())))``, about −62 dBFS: 32 kb/s
  Opus trims the top octave), since that is what the bridge receives.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import av
import numpy as np
import numpy.typing as npt
from aiortc import RTCPeerConnection, RTCRtpCodecParameters, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpsender import RTCEncodedFrame
from aiortc.rtp import RtpPacket

from endpoints.audio import FRAME_SAMPLES, SAMPLE_RATE, TIME_BASE, Pacer

F32 = npt.NDArray[np.float32]

#: A talker's tone: −20 dBFS peak (−23 dBFS RMS), as endpoints.audio.ToneTrack's default.
TALKER_PEAK = 0.1
#: A quiet hall's room noise, RMS. The noise-floor target compares what a listener hears
#: while nobody talks with this level (after one Opus round trip).
ROOM_NOISE_DBFS = -60.0
#: Site microphones are encoded like a browser's: mono Opus, 32 kb/s, in-band FEC on.
SITE_BITRATE = 32_000


# ---- signals ---------------------------------------------------------------------------


def tone(frequency: float, seconds: float = 1.0, peak: float = TALKER_PEAK) -> F32:
    """A sine of ``frequency`` Hz. For a seamless loop use whole seconds and a whole number
    of hertz (the loop then holds a whole number of periods)."""
    n = round(seconds * SAMPLE_RATE)
    phases = 2 * np.pi * frequency * np.arange(n) / SAMPLE_RATE
    return (np.sin(phases) * peak).astype(np.float32)


def room_noise(seconds: float = 4.0, rms_dbfs: float = ROOM_NOISE_DBFS, seed: int = 0) -> F32:
    """Pink noise (−3 dB per octave, 50 Hz .. 16 kHz) scaled to ``rms_dbfs`` RMS.

    Shaped in the frequency domain over the whole loop, so the loop is seamless (circular).
    """
    n = round(seconds * SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    shape = np.zeros_like(freqs)
    band = (freqs >= 50) & (freqs <= 16_000)
    shape[band] = 1 / np.sqrt(freqs[band])
    noise = np.fft.irfft(spectrum * shape, n)
    rms = float(np.sqrt(np.mean(noise**2)))
    return (noise * (10 ** (rms_dbfs / 20) / rms)).astype(np.float32)


def speech_like(seconds: float = 4.0, rms_dbfs: float = -23.0, seed: int = 0) -> F32:
    """A crude voice: a 110–180 Hz harmonic buzz (12 harmonics falling 6 dB/octave) under a
    ~4 Hz syllable envelope with pauses, scaled to ``rms_dbfs`` RMS over the whole loop.

    Enough to exercise talk detection, hangover and levelling the way speech does (onsets,
    gaps, a fluctuating level); not a speech-quality test signal.
    """
    n = round(seconds * SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SAMPLE_RATE
    f0 = 145 + 35 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    buzz = sum(np.sin(k * phase) / k for k in range(1, 13))
    syllables = np.maximum(0.0, np.sin(2 * np.pi * 4.0 * t)) ** 2
    pauses = (np.sin(2 * np.pi * 0.5 * t + rng.uniform(0, 2 * np.pi)) > -0.6).astype(float)
    voice = np.asarray(buzz) * syllables * pauses
    rms = float(np.sqrt(np.mean(voice**2))) or 1.0
    return (voice * (10 ** (rms_dbfs / 20) / rms)).astype(np.float32)


def rms_dbfs(samples: npt.ArrayLike) -> float:
    """RMS level of float samples (full scale 1.0) in dBFS; −inf for silence."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(x * x)))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


# ---- Opus ------------------------------------------------------------------------------


class _Encoder(Protocol):
    def encode(self, pcm: F32) -> bytes: ...


class _Decoder(Protocol):
    def decode(self, payload: bytes) -> F32: ...


class _PyAvEncoder:
    """PyAV's libopus, for when bridge.mixer.opus (ctypes libopus) is unavailable."""

    def __init__(self, bitrate: int) -> None:
        self._codec = av.CodecContext.create("libopus", "w")
        self._codec.sample_rate = SAMPLE_RATE
        self._codec.layout = "mono"
        self._codec.format = "flt"
        self._codec.bit_rate = bitrate
        self._pts = 0

    def encode(self, pcm: F32) -> bytes:
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        self._pts += FRAME_SAMPLES
        # libopus's lookahead makes the first call return nothing and later ones one packet;
        # the stream is encoded twice over by encode_loop, so the missing tail never matters.
        packets = self._codec.encode(frame)
        return b"".join(bytes(p) for p in packets[:1])


class _PyAvDecoder:
    def __init__(self) -> None:
        self._codec = av.CodecContext.create("libopus", "r")
        self._codec.sample_rate = SAMPLE_RATE
        self._codec.layout = "mono"

    def decode(self, payload: bytes) -> F32:
        frames = self._codec.decode(av.Packet(payload))
        if not frames:
            return np.zeros(FRAME_SAMPLES, np.float32)
        data = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
        if data.dtype == np.int16:
            return (data.astype(np.float32) / 32768.0)[:FRAME_SAMPLES]
        return data.astype(np.float32)[:FRAME_SAMPLES]


def opus_encoder(bitrate: int = SITE_BITRATE) -> _Encoder:
    """A mono 48 kHz 20 ms Opus encoder: the bridge's libopus binding, else PyAV's."""
    try:
        from bridge.mixer.opus import OpusEncoder
    except ImportError:
        return _PyAvEncoder(bitrate)
    return OpusEncoder(bitrate=bitrate, fec=True, expected_loss_percent=10)


def opus_decoder() -> _Decoder:
    """A mono 48 kHz Opus decoder (stereo packets are downmixed), float32 frames of 960."""
    try:
        from bridge.mixer.opus import OpusDecoder
    except ImportError:
        return _PyAvDecoder()
    return OpusDecoder()


def encode_loop(samples: F32, *, bitrate: int = SITE_BITRATE) -> list[bytes]:
    """Opus payloads (one per 20 ms) that play ``samples`` in a seamless loop.

    The signal is encoded twice in a row and the second pass kept: its encoder state at
    the start is what the end of the loop leaves, so looping the payloads has no seam.
    ``samples`` is cut to whole 20 ms frames.
    """
    frames = len(samples) // FRAME_SAMPLES
    if frames == 0:
        raise ValueError("need at least one 20 ms frame of samples")
    block = np.asarray(samples[: frames * FRAME_SAMPLES], dtype=np.float32)
    encoder = opus_encoder(bitrate)
    payloads = []
    for pass_ in range(2):
        for i in range(frames):
            payload = encoder.encode(block[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
            if pass_ == 1:
                payloads.append(payload)
    if not all(payloads):
        raise RuntimeError("the Opus encoder returned an empty packet")
    return payloads


def frame_levels(samples: F32) -> list[int]:
    """Each whole 20 ms frame's RFC 6464 audio level: −dBov, 0 (loudest) .. 127 (silence),
    computed as aiortc and browsers do (RFC 6465 Appendix A: RMS against full scale)."""
    frames = len(samples) // FRAME_SAMPLES
    block = np.asarray(samples[: frames * FRAME_SAMPLES], np.float64).reshape(frames, -1)
    rms = np.sqrt(np.mean(block * block, axis=1))
    with np.errstate(divide="ignore"):
        dbov = np.where(rms > 0, 20 * np.log10(np.maximum(rms, 1e-300)), -127.0)
    levels: list[int] = np.rint(-np.clip(dbov, -127.0, 0.0)).astype(int).tolist()
    return levels


@dataclass(frozen=True)
class Prerecorded:
    """A loop of Opus payloads and each one's RFC 6464 level (−dBov, 0 .. 127)."""

    payloads: tuple[bytes, ...]
    levels: tuple[int, ...]


def prerecord(samples: F32, *, bitrate: int = SITE_BITRATE) -> Prerecorded:
    """``encode_loop`` plus the levels a browser would put in ``ssrc-audio-level``."""
    return Prerecorded(tuple(encode_loop(samples, bitrate=bitrate)), tuple(frame_levels(samples)))


def decode_payloads(payloads: Iterable[bytes | None]) -> F32:
    """Decode payloads in order with one decoder; ``None`` (a lost packet) is 20 ms of zeros."""
    decoder = opus_decoder()
    out = [decoder.decode(p) if p else np.zeros(FRAME_SAMPLES, np.float32) for p in payloads]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


# ---- sending ---------------------------------------------------------------------------


Source = Sequence[bytes] | Prerecorded


class EncodedAudioTrack(MediaStreamTrack):
    """An outgoing audio track of pre-encoded Opus payloads, looped, paced in real time.

    ``recv()`` returns an ``av.Packet`` (pts in 1/48000, +960 per packet); aiortc's sender
    packetises it without encoding. Pacing is on absolute deadlines from the first packet,
    like endpoints.audio.PacedAudioTrack, restarting the clock after a stall of more than
    half a second rather than bursting. ``switch`` changes the source mid-run (a talker
    falling quiet); ``switched_at`` is when the first packet of the new source was handed
    to the sender (``time.monotonic()``). Given a ``Prerecorded`` source, ``level`` is the
    RFC 6464 level of the packet last returned (see ``send_audio_levels``).
    """

    kind = "audio"

    def __init__(self, source: Source, *, paced: bool = True) -> None:
        super().__init__()
        self._payloads: Sequence[bytes] = ()
        self._levels: Sequence[int] | None = None
        self._set_source(source)
        self._paced = paced
        self._pacer = Pacer()
        self._index = 0
        self._pts = 0
        self._switch_pending = False
        self.switched_at: float | None = None
        self.level: int | None = None
        self.sent = 0

    def switch(self, source: Source) -> None:
        """Play ``source`` (looped) from the next packet on."""
        self._set_source(source)
        self._index = 0
        self._switch_pending = True
        self.switched_at = None

    def _set_source(self, source: Source) -> None:
        if isinstance(source, Prerecorded):
            payloads, levels = source.payloads, source.levels
        else:
            payloads, levels = tuple(source), None
        if not payloads:
            raise ValueError("an EncodedAudioTrack needs at least one payload")
        if levels is not None and len(levels) != len(payloads):
            raise ValueError("one level per payload")
        self._payloads, self._levels = payloads, levels

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._paced:
            await self._pacer.wait(self._pts / SAMPLE_RATE)
            if self.readyState != "live":
                raise MediaStreamError
        packet = av.Packet(self._payloads[self._index])
        packet.pts = self._pts
        packet.time_base = TIME_BASE
        self.level = None if self._levels is None else self._levels[self._index]
        self._index = (self._index + 1) % len(self._payloads)
        self._pts += FRAME_SAMPLES
        self.sent += 1
        if self._switch_pending:
            self._switch_pending = False
            self.switched_at = time.monotonic()
        return packet


def send_audio_levels(sender: RTCRtpSender) -> None:
    """Put each packet's level in the ``ssrc-audio-level`` header extension (RFC 6464), as
    browsers do, when ``sender``'s track is an ``EncodedAudioTrack`` of a ``Prerecorded``.

    aiortc 1.16 computes the level only for frames it encodes itself; for a pre-encoded
    ``av.Packet`` it sends none. Its sender's ``_next_encoded_frame(codec)`` returns the
    ``RTCEncodedFrame`` whose ``audio_level`` (dBov, ≤ 0) ``_run_rtp`` writes into the
    packet; this wraps that method on this one sender. Tested in
    tests/endpoints/test_prerecorded.py.
    """
    original = sender._next_encoded_frame

    async def next_encoded_frame(codec: RTCRtpCodecParameters) -> RTCEncodedFrame | None:
        frame = await original(codec)
        track = sender.track
        if frame is not None and isinstance(track, EncodedAudioTrack) and track.level is not None:
            frame.audio_level = -track.level
        return frame

    sender._next_encoded_frame = next_encoded_frame  # type: ignore[method-assign]


# ---- receiving -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TappedPacket:
    """One received RTP packet: arrival (``time.monotonic()``), header fields, payload."""

    arrival: float
    sequence_number: int
    timestamp: int
    size: int  # payload bytes
    payload: bytes | None  # None unless the tap keeps payloads
    audio_level: int | None = None  # ssrc-audio-level (RFC 6464, −dBov 0..127), if sent


# The private member aiortc 1.16's RTCRtpReceiver feeds every depayloaded packet to:
# ``pli_flag, encoded_frame = self.__jitter_buffer.add(packet)`` in _handle_rtp_packet,
# after RTCP statistics and NACK bookkeeping and before its decoder thread's queue.
_JITTER_BUFFER_ATTR = "_RTCRtpReceiver__jitter_buffer"


class _PacketTap:
    """Stands in for aiortc's jitter buffer: reports each packet, never yields a frame."""

    def __init__(self, on_packet: Callable[[TappedPacket], None], keep_payload: bool) -> None:
        self.on_packet = on_packet
        self.keep_payload = keep_payload

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        payload = packet.payload
        level = packet.extensions.audio_level
        self.on_packet(
            TappedPacket(
                time.monotonic(),
                packet.sequence_number,
                packet.timestamp,
                len(payload),
                payload if self.keep_payload else None,
                None if level is None else level[1],
            )
        )
        # (no PLI, no complete frame): aiortc then queues nothing for its decoder.
        return False, None


def tap_audio_packets(
    pc_or_receiver: RTCPeerConnection | RTCRtpReceiver,
    on_packet: Callable[[TappedPacket], None],
    *,
    keep_payload: bool = True,
) -> None:
    """Hand every received audio RTP packet to ``on_packet`` instead of aiortc's decoder.

    aiortc 1.16 has no public hook for received packets; this replaces the receiver's
    private jitter buffer (``RTCRtpReceiver.__jitter_buffer``, whose ``add(packet)`` returns
    ``(pli_flag, encoded_frame)``) with a tap returning ``(False, None)``. RTCP receiver
    reports and ``getStats`` keep working; the receiver's track never yields a frame (and
    so never queues one: nothing needs draining), and no CPU is spent decoding.

    Given a receiver, it is tapped at once. Given a peer connection, every audio receiver
    it has now is tapped, and any that a later ``track`` event brings (an answering peer
    gets its transceivers from ``setRemoteDescription``). Packets that arrived before the
    tap went to aiortc's decoder, so tap before media flows: right after creating the
    transceiver, or in the ``track`` event. The test in tests/endpoints/test_prerecorded.py
    fails if an aiortc upgrade moves the member.
    """
    if isinstance(pc_or_receiver, RTCRtpReceiver):
        _tap_receiver(pc_or_receiver, on_packet, keep_payload)
        return
    pc = pc_or_receiver
    for transceiver in pc.getTransceivers():
        if transceiver.kind == "audio":
            _tap_receiver(transceiver.receiver, on_packet, keep_payload)

    def on_track(track: MediaStreamTrack) -> None:
        if track.kind != "audio":
            return
        for transceiver in pc.getTransceivers():
            if transceiver.receiver.track is track:
                _tap_receiver(transceiver.receiver, on_packet, keep_payload)

    pc.on("track", on_track)


def _tap_receiver(
    receiver: RTCRtpReceiver, on_packet: Callable[[TappedPacket], None], keep_payload: bool
) -> None:
    current = getattr(receiver, _JITTER_BUFFER_ATTR, None)
    if current is None:
        raise RuntimeError(
            "aiortc's RTCRtpReceiver has no jitter buffer member to replace "
            f"(aiortc {_aiortc_version()} is not the pinned 1.16)"
        )
    if isinstance(current, _PacketTap):
        current.on_packet, current.keep_payload = on_packet, keep_payload
        return
    setattr(receiver, _JITTER_BUFFER_ATTR, _PacketTap(on_packet, keep_payload))


def _aiortc_version() -> str:
    import aiortc

    return str(getattr(aiortc, "__version__", "?"))
