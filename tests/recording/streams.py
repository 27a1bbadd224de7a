"""Real encoded input for recording tests, and reading a recording back (PyAV).

The video is encoded here, by libvpx / libx264 through PyAV, so the recorder is fed
what a hall's camera sends: real frames, a keyframe when asked for one. Each hall's
picture is one flat grey level, so a decoded frame of the recording names its hall.
"""

from __future__ import annotations

import fractions
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

from bridge.media.video_tap import EncodedFrame
from bridge.mixer.tracks import FRAME_SAMPLES

FPS = 30


@dataclass
class Camera:
    """A hall's camera: flat ``luma`` pictures, encoded one at a time (``frame``)."""

    luma: int
    codec: str = "VP8"
    width: int = 160
    height: int = 120
    gop: int = 90  # a keyframe every 3 s unless asked
    index: int = 0
    keyframe_asked: bool = False
    context: Any = field(init=False)

    def __post_init__(self) -> None:
        name = "libvpx" if self.codec == "VP8" else "libx264"
        ctx = av.CodecContext.create(name, "w")
        ctx.width, ctx.height, ctx.pix_fmt = self.width, self.height, "yuv420p"
        ctx.time_base = fractions.Fraction(1, FPS)
        ctx.framerate = FPS
        ctx.bit_rate = 300_000
        ctx.gop_size = self.gop
        if self.codec == "VP8":
            ctx.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        else:
            ctx.options = {"preset": "ultrafast", "tune": "zerolatency", "profile": "baseline"}
        self.context = ctx
        planes = np.full((self.height * 3 // 2, self.width), 128, np.uint8)
        planes[: self.height] = self.luma
        self._picture = planes

    def ask_keyframe(self) -> None:
        self.keyframe_asked = True

    def frame(self) -> EncodedFrame | None:
        """The next frame (RTP timestamp at 90 kHz), None while the encoder holds it."""
        picture = av.VideoFrame.from_ndarray(self._picture, format="yuv420p")
        picture.pts = self.index
        if self.keyframe_asked:
            picture.pict_type = av.video.frame.PictureType.I
            self.keyframe_asked = False
        self.index += 1
        packets = self.context.encode(picture)
        if not packets:
            return None
        packet = packets[0]
        return EncodedFrame(bytes(packet), (packet.pts or 0) * 3000, bool(packet.is_keyframe))


def tone(hz: float, frame: int, amplitude: float = 0.1) -> np.ndarray:
    t = (np.arange(FRAME_SAMPLES) + frame * FRAME_SAMPLES) / 48_000
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


class FakeClock:
    """Monotonic seconds that move only when told: a recording runs faster than real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ReadBack:
    streams: list[tuple[str, str]]  # (type, codec)
    duration_s: float
    chapters: list[tuple[float, str]]  # (start s, title)
    audio: np.ndarray  # mono float, 48 kHz, from the file's start
    video: list[tuple[float, float, int, int]]  # (time s, mean luma, width, height)


def read_back(path: Path, decode_video: bool = True) -> ReadBack:
    """What a player gets from ``path``: its streams, duration, chapters, decoded audio
    (placed at its timestamps) and decoded pictures."""
    with av.open(str(path)) as container:
        streams = [(s.type, s.codec_context.name) for s in container.streams]
        duration = (container.duration or 0) / 1_000_000
        chapters = [
            (float(c["start"] * c["time_base"]), str(c["metadata"].get("title", "")))
            for c in container.chapters()
        ]
        audio = np.zeros(int((duration + 1) * 48_000), np.float32)
        video: list[tuple[float, float, int, int]] = []
        wanted = [s for s in container.streams if s.type == "audio" or decode_video]
        for frame in container.decode(*wanted):
            if isinstance(frame, av.AudioFrame):
                samples = frame.to_ndarray().reshape(-1)
                start = round(float(frame.pts * frame.time_base) * 48_000)
                end = min(len(audio), start + len(samples))
                if start >= 0 and end > start:
                    audio[start:end] = samples[: end - start]
            elif isinstance(frame, av.VideoFrame):
                luma = frame.to_ndarray(format="gray")
                at = float(frame.pts * frame.time_base)
                video.append((at, float(luma.mean()), frame.width, frame.height))
    return ReadBack(streams, duration, chapters, audio, video)
