"""Synthetic camera video that says which site sent it, and a viewer that reads it back.

Sending: a site's picture is a solid colour (``COLOURS``) under a little noise, encoded
once with libvpx (``encode_picture``, cached) and sent as ``av.Packet``s that aiortc only
packetises (``EncodedVideoTrack``): a hundred headless sites cost no encoder time. The loop
starts with a keyframe, so the track answers a keyframe request (the bridge's PLI) by
restarting the loop at the next frame; the picture is the same throughout, so a viewer
sees no jump. (A P frame spliced after a keyframe from another encoder decodes to garbage:
that is why there is one stream, not a second keyframe-only one.) It obeys the bridge's
``video {send}`` instruction: ``full`` (the main stream), ``preview`` (a small, slow
stream) or ``off`` (nothing: a hall that is not shown saves its uplink). Every resume
starts with a keyframe.

Receiving: ``VideoWatcher`` decodes what the bridge forwards (on the client, where decoding
is fine) and names the colour of each frame, so a test can say which site it is seeing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

VIDEO_CLOCK = 90_000
TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 200, 60),
    "blue": (40, 60, 220),
    "yellow": (230, 220, 40),
    "magenta": (210, 50, 200),
    "cyan": (40, 210, 220),
    "white": (235, 235, 235),
    "orange": (240, 140, 30),
}
SEND_MODES = ("full", "preview", "off")


@dataclass(frozen=True)
class EncodedPicture:
    """A loop of encoded VP8 frames; the first is a keyframe."""

    frames: tuple[bytes, ...]
    fps: int
    width: int
    height: int

    @property
    def bitrate(self) -> float:
        return sum(len(f) for f in self.frames) * 8 * self.fps / len(self.frames)


def _image(rgb: tuple[int, int, int], width: int, height: int, seed: int, noise: int) -> np.ndarray:
    base = np.empty((height, width, 3), dtype=np.int16)
    base[:] = rgb
    if noise:
        rng = np.random.default_rng(seed)
        base += rng.integers(-noise, noise + 1, size=base.shape, dtype=np.int16)
    return np.clip(base, 0, 255).astype(np.uint8)


def _encoder(width: int, height: int, fps: int, bitrate: int, gop: int) -> av.VideoCodecContext:
    codec = av.CodecContext.create("libvpx", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height = width, height
    codec.pix_fmt = "yuv420p"
    codec.framerate = fractions.Fraction(fps, 1)
    codec.time_base = fractions.Fraction(1, fps)
    codec.bit_rate = bitrate
    codec.gop_size = gop
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    return codec


@functools.lru_cache(maxsize=32)
def encode_picture(
    colour: str,
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 15,
    seconds: float = 2.0,
    bitrate: int = 300_000,
    noise: int = 12,
) -> EncodedPicture:
    """Encode ``seconds`` of ``colour`` (a name in ``COLOURS``) as VP8, once per process."""
    rgb = COLOURS[colour]
    count = max(2, round(seconds * fps))
    codec = _encoder(width, height, fps, bitrate, gop=count + 1)
    frames: list[bytes] = []
    for i in range(count):
        image = _image(rgb, width, height, i, noise)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        frames.append(b"".join(bytes(p) for p in codec.encode(frame)))
    frames[-1] += b"".join(bytes(p) for p in codec.encode(None))
    if any(not f for f in frames):
        raise RuntimeError("libvpx delayed frames; lag-in-frames should be 0")
    return EncodedPicture(tuple(frames), fps, width, height)


PREVIEW = {"width": 160, "height": 90, "fps": 5, "bitrate": 60_000}


def camera(colour: str, *, seconds: float = 1.0) -> EncodedVideoTrack:
    """A headless site's camera: ``colour`` at 320x180, 15 fps, and its 160x90, 5 fps
    preview stream for when the bridge asks for ``preview``."""
    return EncodedVideoTrack(
        encode_picture(colour, seconds=seconds),
        encode_picture(colour, seconds=max(seconds, 1.0), **PREVIEW),
    )


class EncodedVideoTrack(MediaStreamTrack):
    """A site's camera: pre-encoded VP8 frames, paced in real time, looped.

    ``set_mode("full"|"preview"|"off")`` follows the bridge's instruction; a resume and a
    switch between streams start with a keyframe, and so does the frame after a
    ``request_keyframe()`` (wired to the sender's PLI/FIR by ``SiteClient``).
    """

    kind = "video"

    def __init__(self, main: EncodedPicture, preview: EncodedPicture | None = None) -> None:
        super().__init__()
        self.main = main
        self.preview = preview
        self.mode = "full"
        self._changed = asyncio.Event()
        self._index = 0
        self._keyframe = True
        self._next_at: float | None = None
        self._pts = 0
        self.sent = 0
        self.keyframes_sent = 0
        self.keyframe_requests = 0

    def set_mode(self, mode: str) -> None:
        if mode not in SEND_MODES:
            raise ValueError(mode)
        if mode != self.mode:
            self.mode = mode
            self._keyframe = True
            self._changed.set()

    def request_keyframe(self) -> None:
        self.keyframe_requests += 1
        self._keyframe = True

    def _picture(self) -> EncodedPicture | None:
        if self.mode == "full":
            return self.main
        if self.mode == "preview":
            return self.preview
        return None

    async def recv(self) -> av.Packet:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            picture = self._picture()
            if picture is not None:
                break
            self._changed.clear()
            self._next_at = None
            await self._changed.wait()
        now = time.monotonic()
        if self._next_at is None:
            self._next_at = now
        elif self._next_at > now:
            await asyncio.sleep(self._next_at - now)
        step = VIDEO_CLOCK // picture.fps
        self._next_at += 1 / picture.fps
        if time.monotonic() - self._next_at > 1.0:  # stalled loop: do not burst to catch up
            self._next_at = time.monotonic()
        if self._keyframe:
            self._index, self._keyframe = 0, False
        i = self._index % len(picture.frames)
        if i == 0:
            self.keyframes_sent += 1
        data = picture.frames[i]
        self._index += 1
        packet = av.Packet(data)
        packet.pts = self._pts
        packet.time_base = TIME_BASE
        self._pts += step
        self.sent += 1
        return packet

    def stop(self) -> None:
        super().stop()
        self._changed.set()


def colour_of(frame: av.VideoFrame) -> str:
    """The name in ``COLOURS`` nearest to the mean colour of ``frame``.

    Decoded VP8 is yuv420p: the planes are sampled in place (every 8th pixel) and the mean
    converted with BT.601 limited range, ~50x cheaper than a reformat at 640x360, which
    matters to a probe looking at 30 frames a second on a shared event loop.
    """
    if frame.format.name == "yuv420p":
        y, u, v = (_plane_mean(frame, i) for i in range(3))
        y, u, v = 1.164 * (y - 16), u - 128, v - 128
        mean = np.array([y + 1.596 * v, y - 0.392 * u - 0.813 * v, y + 2.017 * u])
    else:
        small = frame.reformat(width=16, height=16, format="rgb24").to_ndarray()
        mean = small.reshape(-1, 3).mean(axis=0)
    return min(COLOURS, key=lambda name: float(np.sum((mean - COLOURS[name]) ** 2)))


def _plane_mean(frame: av.VideoFrame, index: int) -> float:
    plane = frame.planes[index]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return float(rows[::8, : plane.width : 8].mean())


@dataclass(frozen=True)
class Seen:
    t: float  # time.monotonic() when decoded
    colour: str
    width: int
    height: int


class VideoWatcher:
    """What a site sees: each decoded frame's colour, bounded to the latest ``keep``."""

    def __init__(self, keep: int = 2000) -> None:
        self.seen: list[Seen] = []
        self._keep = keep
        self._listeners: list[Callable[[Seen], None]] = []
        self._new = asyncio.Event()

    def add(self, frame: av.VideoFrame) -> None:
        seen = Seen(time.monotonic(), colour_of(frame), frame.width, frame.height)
        self.seen.append(seen)
        if len(self.seen) > self._keep:
            del self.seen[: len(self.seen) - self._keep]
        self._new.set()

    @property
    def colour(self) -> str | None:
        return self.seen[-1].colour if self.seen else None

    async def wait_for(self, colour: str, timeout: float = 5.0, frames: int = 3) -> float:
        """Wait until ``frames`` frames in a row show ``colour``; return when the first did."""
        deadline = time.monotonic() + timeout
        while True:
            run = 0
            for seen in reversed(self.seen):
                if seen.colour != colour:
                    break
                run += 1
            if run >= frames:
                return self.seen[-run].t
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"did not see {colour} (last: {self.colour})")
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), remaining)
