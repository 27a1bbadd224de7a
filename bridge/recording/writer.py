"""Muxing a recording's already-encoded streams into one WebM/Matroska file with PyAV.

Runs in the recorder's worker thread (bridge.recording.recorder), never on the event
loop. Nothing is decoded or encoded: the shared mix's Opus payloads and the shown sites'
VP8 frames (or H.264 access units) become ``av.Packet`` objects as they are, with
timestamps this module gives them:

- audio (1/48 000): the mixer's own timestamp (it counts skipped ticks too, so the mix's
  timeline stays continuous), anchored once to the wall clock of the recording (seconds
  since its start); re-anchored forward when the two part by more than ``REANCHOR_S`` — the
  mixer's clock pauses while no hall is connected, and the silence is a gap in the file;
- video (1/90 000): within a source, its RTP timestamps; at a switch to another source
  (or a jump in a source's timestamps, or a drift of more than ``REANCHOR_S``), the wall
  clock since the start — the file's picture switches where the session's did.

The container is opened lazily, because Matroska needs every track in its header: at the
first keyframe (the video track takes its codec and size: VP8 → ``.webm``, H.264 →
``.mkv``), or once ``video_wait_s`` have passed without one while some hall sends video
(then a video track of the default size: a VP8 or H.264 decoder reads each keyframe's own
size; a switch between halls changes it anyway). While no hall sends video at all — a
recording started as the session opens, its halls' media still connecting — it waits on,
up to ``audio_only_after_s``: only then is the file audio-only. Audio waiting for that is
held in memory (at most ``audio_only_after_s`` of packets: ~1 MB for 2 minutes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from bridge.recording.chapters import Chapter

log = logging.getLogger(__name__)

AUDIO_RATE = 48_000
FRAME_SAMPLES = 960  # the mixer's 20 ms frame
VIDEO_CLOCK = 90_000
REANCHOR_S = 0.5
MIN_STEP = VIDEO_CLOCK // 1000
MAX_STEP = 5 * VIDEO_CLOCK  # a larger jump within a source is a restart (as the forwarder)
VIDEO_WAIT_S = 3.0
AUDIO_ONLY_AFTER_S = 120.0
DEFAULT_SIZE = (1280, 720)
#: The libopus encoder's look-ahead at 48 kHz (2.5 ms + 4 ms): the decoder's pre-skip.
PRE_SKIP = 312
AUDIO_TB = Fraction(1, AUDIO_RATE)
VIDEO_TB = Fraction(1, VIDEO_CLOCK)
CHAPTER_TB = Fraction(1, 1000)


def opus_head(channels: int = 1, pre_skip: int = PRE_SKIP) -> bytes:
    """The Opus identification header (RFC 7845 section 5.1): Matroska's CodecPrivate."""
    return (
        b"OpusHead"
        + bytes([1, channels])
        + pre_skip.to_bytes(2, "little")
        + AUDIO_RATE.to_bytes(4, "little")
        + (0).to_bytes(2, "little")  # output gain
        + bytes([0])  # mapping family 0: mono or stereo
    )


def sniff_codec(data: bytes) -> str:
    """ "H264" for an Annex B access unit (it opens with a start code), "VP8" otherwise: a
    VP8 frame's first byte is never 0 (an inter frame's is odd, a shown key frame's has
    the show bit)."""
    return "H264" if data[:3] == b"\0\0\1" or data[:4] == b"\0\0\0\1" else "VP8"


def vp8_size(data: bytes) -> tuple[int, int] | None:
    """A VP8 keyframe's width and height (RFC 6386, 9.1), None for anything else."""
    if len(data) < 10 or data[0] & 1 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None


def nal_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B access unit, start codes removed."""
    units, start = [], data.find(b"\0\0\1")
    while start >= 0:
        begin = start + 3
        end = data.find(b"\0\0\1", begin)
        unit = data[begin:] if end < 0 else data[begin:end]
        units.append(unit.rstrip(b"\0") if end >= 0 else unit)
        start = end
    return [u for u in units if u]


class _Bits:
    def __init__(self, data: bytes) -> None:
        # Emulation prevention bytes (00 00 03) are not part of the syntax.
        self.data = data.replace(b"\0\0\3", b"\0\0")
        self.pos = 0

    def bit(self) -> int:
        byte = self.data[self.pos >> 3]  # IndexError past the end: a broken SPS
        self.pos += 1
        return (byte >> (7 - ((self.pos - 1) & 7))) & 1

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            value = value << 1 | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while not self.bit():
            zeros += 1
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def h264_size(sps: bytes) -> tuple[int, int] | None:
    """The picture size a sequence parameter set (NAL type 7, header byte included)
    declares (ITU-T H.264 7.3.2.1.1), None if it cannot be read."""
    try:
        r = _Bits(sps[1:])
        profile = r.bits(8)
        r.bits(16)  # constraint flags, level
        r.ue()  # seq_parameter_set_id
        chroma = 1
        if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
            chroma = r.ue()
            if chroma == 3:
                r.bit()
            r.ue()
            r.ue()
            r.bit()
            if r.bit():  # scaling matrices
                for i in range(8 if chroma != 3 else 12):
                    if r.bit():
                        last, following = 8, 8
                        for _ in range(16 if i < 6 else 64):
                            if following:
                                following = (last + r.se() + 256) % 256
                            last = following or last
        r.ue()  # log2_max_frame_num
        order = r.ue()
        if order == 0:
            r.ue()
        elif order == 1:
            r.bit()
            r.se()
            r.se()
            for _ in range(r.ue()):
                r.se()
        r.ue()  # max_num_ref_frames
        r.bit()
        width_mbs, height_units = r.ue() + 1, r.ue() + 1
        frames_only = r.bit()
        if not frames_only:
            r.bit()
        r.bit()
        width, height = width_mbs * 16, height_units * 16 * (2 - frames_only)
        if r.bit():  # cropping
            left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
            crop_x = 1 if chroma == 0 or chroma == 3 else 2
            crop_y = (1 if chroma in (0, 2, 3) else 2) * (2 - frames_only)
            width -= (left + right) * crop_x
            height -= (top + bottom) * crop_y
        return (width, height) if width > 0 and height > 0 else None
    except IndexError:
        return None


def h264_parameters(data: bytes) -> tuple[bytes, tuple[int, int] | None]:
    """An IDR access unit's SPS and PPS as Annex B extradata, and the SPS's picture size."""
    units = [u for u in nal_units(data) if u[0] & 0x1F in (7, 8)]
    sps = next((u for u in units if u[0] & 0x1F == 7), None)
    extradata = b"".join(b"\0\0\0\1" + u for u in units)
    return extradata, (h264_size(sps) if sps is not None else None)


@dataclass(frozen=True)
class Written:
    """What the writer put in the file."""

    path: Path | None  # None: nothing was ever written (no stream arrived)
    codec: str | None  # the video track's ("VP8"/"H264"), None for audio only
    tracks: list[dict[str, Any]]
    duration_s: float


class RecordingWriter:
    """One recording's file (see the module's docstring); not thread-safe: one thread."""

    def __init__(
        self,
        path: Path,
        metadata: dict[str, str] | None = None,
        video_wait_s: float = VIDEO_WAIT_S,
        audio_only_after_s: float = AUDIO_ONLY_AFTER_S,
    ) -> None:
        self._stem = path.with_suffix("")
        self._metadata = metadata or {}
        self.video_wait_s = video_wait_s
        self.audio_only_after_s = max(audio_only_after_s, video_wait_s)
        self._out: Any = None
        self._path: Path | None = None
        self._audio: Any = None
        self._video: Any = None
        self._codec: str | None = None
        self._size: tuple[int, int] | None = None
        self._seen_codec: str | None = None  # some hall sends video (in this codec)
        self._pending: list[tuple[bytes, int]] = []  # audio before the file is open
        self._audio_offset: int | None = None
        self._audio_last = -FRAME_SAMPLES
        self._video_source: int | None = None
        self._video_anchor = 0  # file pts - extended RTP timestamp, current source
        self._video_last_ts: int | None = None
        self._video_last = -MIN_STEP
        self.audio_packets = 0
        self.video_packets = 0
        self.refused = 0  # frames of a codec the file's video track is not in

    # ---- what the recorder hands over -----------------------------------------------

    def video_seen(self, codec: str) -> None:
        """Some hall sends video, in ``codec``: a video track is worth declaring (called
        from the event loop's thread, once; read when the file opens)."""
        if self._seen_codec is None:
            self._seen_codec = codec

    def audio(self, payload: bytes, pts: int, at_s: float) -> None:
        """The shared mix's packet with the mixer's ``pts``, ``at_s`` into the recording."""
        wall = round(at_s * AUDIO_RATE)
        offset = self._audio_offset
        if (
            offset is None
            or pts + offset <= self._audio_last
            or abs(pts + offset - wall) > REANCHOR_S * AUDIO_RATE
        ):
            offset = self._audio_offset = max(wall, self._audio_last + FRAME_SAMPLES) - pts
        self._audio_last = file_pts = pts + offset
        if self._out is None:
            self._pending.append((payload, file_pts))
            if at_s >= self.audio_only_after_s or (
                at_s >= self.video_wait_s and self._seen_codec is not None
            ):
                self._open(None)
            return
        self._mux_audio(payload, file_pts)

    def video(self, site_id: int, data: bytes, timestamp: int, keyframe: bool, at_s: float) -> None:
        """A frame of the recorded source ``site_id``; the first after a switch is a keyframe
        (the recorder sees to it)."""
        codec = sniff_codec(data)
        if self._out is None:
            if not keyframe:
                return
            self._open((codec, data))
        if self._video is None or codec != self._codec:
            self.refused += 1
            return
        wall = round(at_s * VIDEO_CLOCK)
        last_ts = self._video_last_ts
        step = (timestamp - last_ts) & 0xFFFFFFFF if last_ts is not None else 0
        file_pts = self._video_last + step
        if (
            site_id != self._video_source
            or last_ts is None
            or step == 0
            or step > MAX_STEP
            or abs(file_pts - wall) > REANCHOR_S * VIDEO_CLOCK
        ):
            # At least the container's 1 ms past the last frame: two frames of one track
            # never share a timestamp, even when a switch lands within the same millisecond.
            file_pts = max(wall, self._video_last + MIN_STEP)
        self._video_source, self._video_last_ts, self._video_last = site_id, timestamp, file_pts
        packet = av.Packet(data)
        packet.stream = self._video
        packet.time_base = VIDEO_TB
        packet.pts = packet.dts = file_pts
        packet.is_keyframe = keyframe
        self._out.mux(packet)
        self.video_packets += 1

    def close(self, chapters: list[Chapter]) -> Written:
        """Write the chapters and close the file (opening it first if it never was)."""
        if self._out is None and self._pending:
            self._open(None)
        if self._out is None:
            return Written(None, None, [], 0.0)
        if chapters:
            self._out.set_chapters(
                [
                    {
                        "id": i + 1,
                        "start": round(c.start_s * 1000),
                        "end": round(c.end_s * 1000),
                        "time_base": CHAPTER_TB,
                        "metadata": {"title": c.title},
                    }
                    for i, c in enumerate(chapters)
                ]
            )
        self._out.close()
        self._out = None
        return Written(self._path, self._codec, self.tracks(), self.duration_s())

    def abort(self) -> None:
        """Close whatever is open after a failure (the file may be unreadable)."""
        out, self._out = self._out, None
        if out is not None:
            try:
                out.close()
            except Exception:  # already failing: the first error is the one reported
                log.exception("closing a failed recording")

    # ---- the file --------------------------------------------------------------------

    def duration_s(self) -> float:
        audio_end = (self._audio_last + FRAME_SAMPLES) / AUDIO_RATE if self.audio_packets else 0
        video_end = self._video_last / VIDEO_CLOCK if self.video_packets else 0
        return max(audio_end, video_end)

    def tracks(self) -> list[dict[str, Any]]:
        tracks: list[dict[str, Any]] = [
            {
                "kind": "audio",
                "codec": "opus",
                "rate": AUDIO_RATE,
                "channels": 1,
                "packets": self.audio_packets,
            }
        ]
        if self._video is not None and self._codec is not None and self._size is not None:
            width, height = self._size
            tracks.append(
                {
                    "kind": "video",
                    "codec": self._codec.lower(),
                    "width": width,
                    "height": height,
                    "packets": self.video_packets,
                }
            )
        return tracks

    def _open(self, first: tuple[str, bytes] | None) -> None:
        codec = first[0] if first is not None else self._seen_codec
        size: tuple[int, int] | None = None
        extradata = b""
        if first is not None and codec == "VP8":
            size = vp8_size(first[1])
        elif first is not None and codec == "H264":
            extradata, size = h264_parameters(first[1])
        self._codec, self._size = codec, (size or DEFAULT_SIZE) if codec else None
        matroska = codec == "H264"
        self._path = self._stem.with_suffix(".mkv" if matroska else ".webm")
        out = av.open(str(self._path), "w", format="matroska" if matroska else "webm")
        try:
            out.metadata.update(self._metadata)
            audio = out.add_stream("libopus", rate=AUDIO_RATE)
            audio.codec_context.layout = "mono"
            audio.codec_context.extradata = opus_head()
            audio.time_base = AUDIO_TB
            if codec is not None and self._size is not None:
                video = out.add_stream("libx264" if matroska else "libvpx", rate=30)
                video.codec_context.width, video.codec_context.height = self._size
                video.codec_context.pix_fmt = "yuv420p"
                if extradata:
                    video.codec_context.extradata = extradata
                video.time_base = VIDEO_TB
                self._video = video
        except Exception:
            out.close()
            raise
        self._out, self._audio = out, audio
        pending, self._pending = self._pending, []
        for payload, file_pts in pending:
            self._mux_audio(payload, file_pts)

    def _mux_audio(self, payload: bytes, file_pts: int) -> None:
        packet = av.Packet(payload)
        packet.stream = self._audio
        packet.time_base = AUDIO_TB
        packet.pts = packet.dts = file_pts
        packet.duration = FRAME_SAMPLES
        self._out.mux(packet)
        self.audio_packets += 1
